// One Session per WebSocket: the SIP account the browser gave (checked before anything is sent), its
// registration, and its calls. Every client message is handled here; an invalid one gets an `error` reply
// and the session stays up. When the browser goes (disconnect, socket closed, no pong), its calls are hung
// up and its registration removed.
//
//   NEW ──connect──▶ ESTABLISHED ──REGISTER 2xx──▶ REGISTERED ──refresh fails──▶ UNREGISTERED
//                        │ (registerRequired false: calls allowed from here)
//                        └──REGISTER ≥ 300 / 408──▶ FAILED (may connect again)
//   any ──disconnect / socket gone──▶ DISCONNECTED
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { ClientMessage, ClientMessageOf, SipOptions } from '../../protocol/client-messages.js';
import type { CallStatus, SessionStatus, SipHeaders } from '../../protocol/common.js';
import type { ServerMessage } from '../../protocol/server-messages.js';
import { calleeProblem, isSipHostPort, sipUserProblem } from '../../protocol/sip-grammar.js';
import { Call, type CallContext } from '../call/call.js';
import { reasonPhrase } from '../call/call-status.js';
import { asServerError, ServerError } from '../errors.js';
import type { MediaPort, SipAccount, SipAccountOptions, SipIncomingCall, SipPort } from '../ports.js';
import type { MediaLimit } from './media-limit.js';

/** Where the session's messages go: the WebSocket in production, an array in tests. */
export interface SessionTransport {
  send(message: ServerMessage): void;
  close(code: number, reason: string): void;
}

export interface SessionDeps {
  sip: SipPort;
  media: MediaPort;
  log: Logger;
  /** Told when the session's or a call's status changes (metrics, REST listings, webhooks). */
  onChange?(session: Session): void;
  /** Told of every call status change. */
  onCallStatus?(call: Call, status: CallStatus): void;
  /** Calls at once, incoming (ringing) and waiting on the gate included. */
  maxCallsPerSession?: number;
  /** The server-wide cap on open media sessions; an INVITE beyond it is answered 503 before media is opened. */
  mediaLimit?: MediaLimit;
  /** Asked before a connect is accepted and before an outgoing call is placed (webhooks, src/server/webhooks). */
  gate?: SessionGate;
}

/** A decision of the application's backend: allow (with the value to use), or deny with a reason. */
export type GateDecision<T> = { allow: true; value: T } | { allow: false; sipStatus: number; reason: string };

export interface SessionGate {
  /** May replace the SIP options (credentials the browser never sees). */
  connect(session: Session, request: ClientMessageOf<'connect'>): Promise<GateDecision<SipOptions>>;
  /** May rewrite the callee. */
  call(
    session: Session,
    request: { callId: string; callee: string; visibleName?: string; hasVideo?: boolean; sipHeaders?: SipHeaders },
  ): Promise<GateDecision<{ callee: string }>>;
}

type State = 'NEW' | Exclude<SessionStatus, 'PENDING' | 'CONNECTED' | 'INCOMING_CALL'>;

const DEFAULT_MAX_CALLS = 16;
/** Ended calls remembered so that late messages for them (a trickled candidate) are not errors. */
const ENDED_MEMORY = 64;

export class Session {
  readonly id = randomUUID();
  readonly createdAt = Date.now();
  readonly calls = new Map<string, Call>();
  readonly log: Logger;
  readonly #deps: SessionDeps;
  readonly #transport: SessionTransport;
  #state: State = 'NEW';
  #account: SipAccount | undefined;
  #login = '';
  readonly #ended: string[] = [];
  /** Outgoing calls waiting for the gate's decision; `true` once the browser hung up meanwhile. */
  readonly #gating = new Map<string, boolean>();
  #closing: Promise<void> | undefined;

  constructor(transport: SessionTransport, deps: SessionDeps) {
    this.#transport = transport;
    this.#deps = deps;
    this.log = deps.log.child({ sessionId: this.id });
  }

  get status(): State {
    return this.#state;
  }
  get login(): string {
    return this.#login;
  }

  /** Handles one valid client message, then acks it (when it has an id) or replies with the error. */
  async receive(message: ClientMessage): Promise<void> {
    try {
      await this.#handle(message);
      if (message.id !== undefined && message.type !== 'ping') this.send({ type: 'ack', inReplyTo: message.id });
    } catch (e) {
      const err = asServerError(e);
      if (err.code === 'WS_INTERNAL') this.log.error({ err: e, type: message.type }, 'handling a message failed');
      else this.log.info({ code: err.code, field: err.field, type: message.type }, err.message);
      this.send({
        type: 'error',
        code: err.code,
        message: err.message,
        ...(err.field !== undefined ? { field: err.field } : {}),
        ...(message.id !== undefined ? { inReplyTo: message.id } : {}),
        ...('callId' in message ? { callId: message.callId } : {}),
      });
    }
  }

  send(message: ServerMessage): void {
    if (this.#state === 'DISCONNECTED' && message.type !== 'session.status') return;
    this.#transport.send(message);
  }

  /** Ends the session: hangs up every call, removes the registration. Idempotent. */
  /** The session is being closed (its WebSocket is gone, or the server is stopping). */
  get closing(): boolean {
    return this.#closing !== undefined;
  }

  close(reason: string): Promise<void> {
    this.#closing ??= this.#close(reason);
    return this.#closing;
  }

  async #close(reason: string): Promise<void> {
    this.log.info({ reason, calls: this.calls.size }, 'session closing');
    const calls = [...this.calls.values()];
    await Promise.all(
      calls.map((c) =>
        c.hangup().catch((e: unknown) => this.log.error({ err: e, callId: c.id }, 'hangup on close failed')),
      ),
    );
    await this.#closeAccount();
    this.#setState('DISCONNECTED');
  }

  async #handle(m: ClientMessage): Promise<void> {
    switch (m.type) {
      case 'connect':
        return this.#connect(m);
      case 'disconnect':
        await this.close('disconnect requested');
        this.#transport.close(1000, 'disconnect');
        return;
      case 'ping':
        this.send({ type: 'pong', ...(m.id !== undefined ? { id: m.id } : {}) });
        return;
      case 'pong':
        return;
      case 'call.start':
        return this.#startCall(m);
      case 'call.answer':
        return this.#call(m.callId)?.answer(m.sdp);
      case 'call.ice':
        return this.#call(m.callId)?.addCandidate(m.candidate);
      case 'call.sdp':
        // The page's answer to a re-offer from the SIP side (call-controls.ts).
        return this.#call(m.callId)?.controls.onBrowserSdp(m);
      case 'call.hangup':
        if (this.#gating.has(m.callId)) return void this.#gating.set(m.callId, true);
        return this.#call(m.callId)?.hangup(m.sipStatus);
      case 'call.hold':
        return this.#call(m.callId)?.hold(true);
      case 'call.unhold':
        return this.#call(m.callId)?.hold(false);
      case 'call.transfer':
        return this.#call(m.callId)?.transfers.transfer(m.target, m.replacesCallId);
      case 'call.dtmf':
        return this.#call(m.callId)?.sendDtmf(m.digits, m.dtmfType, m.durationMs);
      case 'call.mute':
        // Mute is done in the browser (track.enabled, no renegotiation); logged for the call's history.
        if (this.#call(m.callId)) this.log.info({ callId: m.callId, kind: m.kind, muted: m.muted }, 'mute');
        return;
    }
  }

  async #connect(m: ClientMessageOf<'connect'>): Promise<void> {
    if (this.#state !== 'NEW' && this.#state !== 'FAILED') {
      throw new ServerError('WS_OUT_OF_ORDER', `connect: the session is already ${this.#state}`, { field: 'type' });
    }
    const problem = sipOptionsProblem(m.sipOptions);
    if (problem) {
      this.#setState('FAILED', undefined, problem.message);
      throw problem;
    }
    let o = m.sipOptions;
    if (this.#deps.gate) {
      const decision = await this.#deps.gate.connect(this, m);
      // The session may have started closing meanwhile (its state is DISCONNECTED only once #close() ends).
      if (this.#closing || (this.#state as State) === 'DISCONNECTED') return;
      if (!decision.allow) return this.#setState('FAILED', decision.sipStatus, decision.reason);
      o = decision.value;
      const replaced = sipOptionsProblem(o);
      if (replaced) {
        this.#setState('FAILED', undefined, `the application's SIP options: ${replaced.message}`);
        throw replaced;
      }
    }
    await this.#closeAccount();
    if (this.#closing) return;
    this.#login = o.login;
    const options: SipAccountOptions = {
      sessionId: this.id,
      login: o.login,
      authenticationName: o.authenticationName || o.login,
      password: o.password ?? '',
      domain: o.domain,
      transport: o.transport ?? 'udp',
      ...(o.outboundProxy ? { outboundProxy: o.outboundProxy } : {}),
      ...(o.port !== undefined ? { port: o.port } : {}),
      ...(o.visibleName ? { displayName: o.visibleName } : {}),
    };
    const account = this.#deps.sip.createAccount(options, {
      onIncomingCall: (sip) => void this.#incomingCall(account, sip),
      onRegistrationLost: (f) => {
        if (this.#account === account) this.#setState('UNREGISTERED', f.status, f.reason);
      },
    });
    this.#account = account;
    this.log.info(
      { login: o.login, domain: o.domain, transport: options.transport, registerRequired: o.registerRequired ?? true },
      'connect',
    );
    this.#setState('ESTABLISHED');
    if (o.registerRequired === false) return;
    const outcome = await account.register();
    if (this.#account !== account || this.#closing || (this.#state as State) === 'DISCONNECTED') return;
    if (outcome.ok) return this.#setState('REGISTERED', outcome.status, outcome.reason);
    this.#account = undefined;
    this.#setState('FAILED', outcome.status, reasonPhrase(outcome.status, outcome.reason));
    await account.close();
  }

  #ready(): SipAccount {
    const account = this.#account;
    if (!account || this.#closing || (this.#state !== 'REGISTERED' && this.#state !== 'ESTABLISHED')) {
      throw new ServerError('WS_OUT_OF_ORDER', `the session is ${this.#state}: connect (and register) first`, {
        field: 'type',
      });
    }
    return account;
  }

  async #startCall(m: ClientMessageOf<'call.start'>): Promise<void> {
    const account = this.#ready();
    if (this.calls.has(m.callId) || this.#ended.includes(m.callId) || this.#gating.has(m.callId)) {
      throw new ServerError('WS_DUPLICATE_CALL', `callId: a call ${m.callId} exists`, { field: 'callId' });
    }
    const problem = calleeProblem(m.callee);
    if (problem) throw new ServerError('WS_INVALID_FIELD', `callee: ${problem}`, { field: 'callee' });
    if (this.#callCount() >= this.#maxCalls()) {
      throw new ServerError('WS_OUT_OF_ORDER', 'call.start: too many calls in this session', { field: 'callId' });
    }
    // The application's backend may refuse the call or rewrite the callee; the browser may hang up meanwhile.
    let request = m;
    let refused: { status: CallStatus; sipStatus?: number; reason: string } | undefined;
    if (this.#deps.gate) {
      this.#gating.set(m.callId, false);
      let decision: GateDecision<{ callee: string }> | undefined;
      try {
        decision = await this.#deps.gate.call(this, m);
      } finally {
        if (this.#gating.get(m.callId)) refused = { status: 'FINISH', reason: 'Hangup' };
        this.#gating.delete(m.callId);
      }
      // A session closing meanwhile (state not yet DISCONNECTED) hangs up only the calls it has: place none.
      if (this.#closing || (this.#state as State) === 'DISCONNECTED') return;
      if (refused || !decision) {
        // The browser hung up while the backend decided: nothing is placed.
      } else if (!decision.allow)
        refused = { status: 'FAILED', sipStatus: decision.sipStatus, reason: decision.reason };
      else if (calleeProblem(decision.value.callee)) {
        refused = { status: 'FAILED', sipStatus: 403, reason: 'the application rewrote the callee to an invalid one' };
      } else request = { ...m, callee: decision.value.callee };
    }
    const call = Call.outgoing(this.#callContext(account), this.#login, request);
    this.calls.set(call.id, call);
    if (refused) {
      call.log.info({ callId: call.id, callee: call.callee, ...refused }, 'outgoing call not placed');
      return call.setStatus(refused.status, refused.sipStatus, refused.reason);
    }
    call.log.info({ callId: call.id, callee: call.callee, hasVideo: call.hasVideo }, 'outgoing call');
    await call.start(m.sdp, m.sipHeaders);
  }

  async #incomingCall(account: SipAccount, sip: SipIncomingCall): Promise<void> {
    const refuse = async (status: number, reason: string, why: string) => {
      this.log.info({ sipCallId: sip.callId, caller: sip.caller, status, why }, 'incoming call refused');
      try {
        await sip.reject(status, reason);
      } catch (e) {
        this.log.warn({ err: e, sipCallId: sip.callId }, 'refusing an incoming call failed');
      }
    };
    if (this.#account !== account || this.#closing || (this.#state !== 'REGISTERED' && this.#state !== 'ESTABLISHED')) {
      return refuse(480, 'Temporarily Unavailable', `session ${this.#closing ? 'closing' : this.#state}`);
    }
    // Before any media is opened (RFC 3261 §21.4.7 486: "the callee's end system was contacted successfully,
    // but the callee is currently not willing or able to take additional calls").
    if (this.#callCount() >= this.#maxCalls()) {
      return refuse(486, 'Busy Here', `${this.#maxCalls()} calls in this session`);
    }
    const limit = this.#deps.mediaLimit;
    if (limit && limit.open >= limit.max) {
      return refuse(503, 'Service Unavailable', `${limit.max} media sessions open`);
    }
    const id = randomUUID();
    const call = Call.incomingFrom(this.#callContext(account), id, sip);
    this.calls.set(id, call);
    call.log.info({ callId: id, sipCallId: sip.callId, caller: call.caller }, 'incoming call');
    try {
      await call.offer();
    } catch (e) {
      this.log.error({ err: e, callId: id }, 'offering an incoming call failed');
      await call.hangup(500);
    }
  }

  /** Calls of this session, those waiting on the gate included. */
  #callCount(): number {
    return this.calls.size + this.#gating.size;
  }
  #maxCalls(): number {
    return this.#deps.maxCallsPerSession ?? DEFAULT_MAX_CALLS;
  }

  #callContext(account: SipAccount): CallContext {
    return {
      account,
      media: this.#deps.media,
      ...(this.#deps.mediaLimit ? { mediaLimit: this.#deps.mediaLimit } : {}),
      ...(this.#deps.gate ? { authorizeCall: (request) => this.#deps.gate!.call(this, request) } : {}),
      send: (msg) => this.send(msg),
      // Every line of a call carries its callId (the call adds it).
      log: this.log,
      findCall: (id) => this.calls.get(id),
      onStatus: (call, status) => {
        this.#deps.onCallStatus?.(call, status);
        if (call.ended) {
          this.calls.delete(call.id);
          this.#ended.push(call.id);
          if (this.#ended.length > ENDED_MEMORY) this.#ended.shift();
        }
        this.#deps.onChange?.(this);
      },
    };
  }

  /** The call a message names; undefined (no-op) for a call that ended recently, an error otherwise. */
  #call(callId: string): Call | undefined {
    const call = this.calls.get(callId);
    if (call) return call;
    if (this.#ended.includes(callId)) return undefined;
    throw new ServerError('WS_UNKNOWN_CALL', `callId: no call ${callId} in this session`, { field: 'callId' });
  }

  async #closeAccount(): Promise<void> {
    const account = this.#account;
    this.#account = undefined;
    if (!account) return;
    try {
      await account.close();
    } catch (e) {
      this.log.error({ err: e }, 'closing the SIP account failed');
    }
  }

  #setState(state: State, sipStatus?: number, sipReason?: string): void {
    this.#state = state;
    if (state !== 'NEW') {
      this.send({
        type: 'session.status',
        sessionId: this.id,
        status: state,
        ...(sipStatus !== undefined ? { sipStatus } : {}),
        ...(sipReason ? { sipReason } : {}),
      });
    }
    this.log.info({ status: state, sipStatus, sipReason }, 'session status');
    this.#deps.onChange?.(this);
  }
}

/**
 * The reference document's known issue: a login or authentication name with a space (or `<>`) never
 * works. Refuse it now, naming the phone page's field, instead of a call stuck in PENDING.
 */
function sipOptionsProblem(o: SipOptions): ServerError | undefined {
  const field = (name: string, message: string) =>
    new ServerError('WS_INVALID_FIELD', `${name}: ${message}`, { field: name });
  const login = sipUserProblem(o.login);
  if (login) return field('sipLogin', login);
  if (o.authenticationName) {
    const auth = sipUserProblem(o.authenticationName);
    if (auth) return field('sipAuthenticationName', auth);
  }
  if (!isSipHostPort(o.domain)) return field('sipDomain', 'must be a host name or IP address, with an optional :port');
  if (o.outboundProxy && !isSipHostPort(o.outboundProxy)) {
    return field('sipOutboundProxy', 'must be a host name or IP address, with an optional :port');
  }
  return undefined;
}
