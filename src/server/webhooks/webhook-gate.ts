// The `connect` and `call` webhooks: the application's backend decides whether a browser may connect (and may
// supply the SIP credentials, so that passwords never reach the browser) and whether an outgoing call is
// placed (and may rewrite the callee).
//
//   2xx          allow; the JSON body may carry { sipOptions } (connect) or { callee } (call)
//   4xx          deny; { reason } reaches the browser (FAILED, sipStatus 403)
//   timeout, unreachable, 3xx, 5xx, unreadable 2xx body
//                the failure policy (PARLEY_WEBHOOK_FAILURE_POLICY): deny (FAILED 503) or allow as asked
import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { ClientMessageOf, SipOptions } from '../../protocol/client-messages.js';
import { Transport } from '../../protocol/common.js';
import type { GateDecision, Session, SessionGate } from '../session/session.js';
import { WebhookError } from './errors.js';
import type { WebhookAnswer, WebhookClient } from './webhook-client.js';

const Str = (max: number) => Type.String({ maxLength: max });
/** What a backend may set in the SIP options; what it leaves out stays as the browser gave it. */
const SipOptionsPatch = Type.Object({
  login: Type.Optional(Str(256)),
  authenticationName: Type.Optional(Str(256)),
  password: Type.Optional(Str(256)),
  domain: Type.Optional(Str(256)),
  outboundProxy: Type.Optional(Str(256)),
  port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
  transport: Type.Optional(Transport),
  registerRequired: Type.Optional(Type.Boolean()),
  visibleName: Type.Optional(Str(128)),
});
const ConnectAllow = Type.Object({ sipOptions: Type.Optional(SipOptionsPatch) });
const CallAllow = Type.Object({ callee: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })) });
const Deny = Type.Object({ reason: Type.Optional(Type.String()) });

export type FailurePolicy = 'deny' | 'allow';

export class WebhookGate implements SessionGate {
  readonly #client: WebhookClient;
  readonly #policy: FailurePolicy;

  constructor(client: WebhookClient, policy: FailurePolicy) {
    this.#client = client;
    this.#policy = policy;
  }

  async connect(session: Session, m: ClientMessageOf<'connect'>): Promise<GateDecision<SipOptions>> {
    const { password, ...shown } = m.sipOptions;
    const data = {
      sessionId: session.id,
      sipOptions: { ...shown, hasPassword: password !== undefined && password !== '' },
      ...(m.appKey !== undefined ? { appKey: m.appKey } : {}),
      ...(m.custom !== undefined ? { custom: m.custom } : {}),
    };
    return this.#decide(session, 'connect', data, ConnectAllow, m.sipOptions, (a) => {
      const patch = Object.fromEntries(Object.entries(a.sipOptions ?? {}).filter(([, v]) => v !== undefined));
      return { ...m.sipOptions, ...patch };
    });
  }

  async call(session: Session, request: Parameters<SessionGate['call']>[1]): Promise<GateDecision<{ callee: string }>> {
    const data = {
      sessionId: session.id,
      callId: request.callId,
      caller: session.login,
      callee: request.callee,
      visibleName: request.visibleName ?? '',
      hasVideo: request.hasVideo ?? false,
      sipHeaders: request.sipHeaders ?? {},
    };
    return this.#decide(session, 'call', data, CallAllow, { callee: request.callee }, (a) => ({
      callee: a.callee ?? request.callee,
    }));
  }

  async #decide<A extends typeof ConnectAllow | typeof CallAllow, T>(
    session: Session,
    type: 'connect' | 'call',
    data: Record<string, unknown>,
    allowSchema: A,
    asked: T,
    allowed: (answer: Static<A>) => T,
  ): Promise<GateDecision<T>> {
    const log = session.log.child({ webhook: type });
    let answer: WebhookAnswer;
    try {
      answer = await this.#client.ask(type, data);
      if (answer.status < 300) {
        const body = answer.json ?? {};
        if (answer.notJson !== undefined || !Value.Check(allowSchema, body)) {
          const first = Value.Errors(allowSchema, body).First();
          throw new WebhookError(
            'WEBHOOK_BAD_ANSWER',
            answer.notJson ?? `${first?.path || 'body'}: ${first?.message ?? 'unexpected answer'}`,
          );
        }
        log.info({ status: answer.status }, `${type} allowed by the application`);
        return { allow: true, value: allowed(body as Static<A>) };
      }
    } catch (e) {
      const err = e instanceof WebhookError ? e : new WebhookError('WEBHOOK_UNREACHABLE', String(e), { cause: e });
      log.warn({ code: err.code, err: err.message, policy: this.#policy }, `${type} webhook failed; policy applies`);
      if (this.#policy === 'allow') return { allow: true, value: asked };
      return {
        allow: false,
        sipStatus: 503,
        reason: `Service Unavailable: the application did not answer (${err.code})`,
      };
    }
    const reason = Value.Check(Deny, answer.json) ? answer.json.reason : undefined;
    log.info({ status: answer.status, reason }, `${type} denied by the application`);
    return { allow: false, sipStatus: 403, reason: reason?.trim().slice(0, 256) || 'Forbidden by the application' };
  }
}
