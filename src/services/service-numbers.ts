// The service numbers of the embedded registrar (issue 7): a SIP user agent of its own, on Parley's SIP stack
// and its own UDP port, answering calls with the gateway's media plane:
//
//   600 echo   what the caller sends comes back (audio and video, any codec: the answer mirrors the offer)
//   601 tone   a 440 Hz tone (G.711), and each DTMF digit received played back as its dual tone
//
// It knows no registrar: the registrar's proxy is told (by the server, with routeUsersTo) to send requests
// for these numbers to `uri(number)`, like to a registered contact.

import type { MediaPlane, MediaPlaneEvents } from '../media/index.js';
import { type InviteServer, startSipStack } from '../sip/index.js';
import { parseUri } from '../sip/message/uri.js';
import { type Logger, silentLogger } from '../sip/transport/logger.js';
import { ServiceError } from './errors.js';
import { ServiceCall, type ServiceKind } from './service-call.js';

export interface ServiceNumbersOptions {
  /** Address to bind the UDP port (default 127.0.0.1: the proxy reaches it on loopback). */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
  media: MediaPlane;
  logger?: Logger;
  /** Numbers per service; default { echo: ['600'], tone: ['601'] }. */
  numbers?: Partial<Record<ServiceKind, readonly string[]>>;
}

export interface ServiceNumbers {
  /** `{ echo: ['600'], tone: ['601'] }` */
  readonly numbers: Readonly<Record<ServiceKind, readonly string[]>>;
  /** The SIP address serving a number: `sip:600@127.0.0.1:PORT`. */
  uri(number: string): string;
  readonly host: string;
  readonly port: number;
  /** Calls in progress. */
  readonly activeCalls: number;
  /** Hangs up the calls (BYE), closes their legs and the SIP port. Idempotent. */
  close(): Promise<void>;
}

export async function startServiceNumbers(o: ServiceNumbersOptions): Promise<ServiceNumbers> {
  const log = o.logger ?? silentLogger;
  const host = o.host ?? '127.0.0.1';
  const numbers = { echo: o.numbers?.echo ?? ['600'], tone: o.numbers?.tone ?? ['601'] };
  const kindOf = new Map<string, ServiceKind>();
  for (const kind of ['echo', 'tone'] as const) {
    for (const n of numbers[kind]) {
      if (kindOf.has(n)) throw new ServiceError('SERVICE_BAD_NUMBERS', `number ${n} is given to two services`);
      kindOf.set(n, kind);
    }
  }
  const stack = await startSipStack({
    listen: [{ transport: 'UDP', host, port: o.port ?? 0 }],
    user: 'services',
    domain: host,
    logger: log,
    userAgent: 'Parley services',
  });
  const sentBy = stack.transport.sentBy('UDP');
  const calls = new Set<ServiceCall>();
  const byLeg = (legId: string) => [...calls].find((c) => c.legId === legId);
  const onDtmf = (e: MediaPlaneEvents['dtmf']) => byLeg(e.legId)?.digit(e.digit);
  const onPlayEnded = (e: MediaPlaneEvents['playEnded']) => byLeg(e.legId)?.played();
  const onFailed = (e: MediaPlaneEvents['failed']) => {
    const call = byLeg(e.legId);
    if (call !== undefined) void call.hangup();
  };
  o.media.on('dtmf', onDtmf);
  o.media.on('playEnded', onPlayEnded);
  o.media.on('failed', onFailed);

  stack.ua.on('invite', (invite: InviteServer) => {
    const uri = parseUri(invite.request.uri);
    const user = uri.ok ? (uri.value.user ?? '') : '';
    const kind = kindOf.get(user);
    if (kind === undefined) {
      invite.reject(404);
      return;
    }
    log.info({ service: kind, number: user, from: invite.from }, 'service call');
    const call = new ServiceCall(kind, o.media, log, (c) => calls.delete(c));
    calls.add(call);
    call.answer(invite).catch((err: unknown) => {
      log.error({ err, service: kind }, 'service call failed');
      call.close('error');
    });
  });

  let closing: Promise<void> | undefined;
  const formattedHost = sentBy.host.includes(':') ? `[${sentBy.host}]` : sentBy.host;
  return {
    numbers,
    host: sentBy.host,
    port: sentBy.port,
    uri: (n) => `sip:${n}@${formattedHost}:${sentBy.port}`,
    get activeCalls() {
      return calls.size;
    },
    close: () => {
      closing ??= (async () => {
        o.media.off('dtmf', onDtmf);
        o.media.off('playEnded', onPlayEnded);
        o.media.off('failed', onFailed);
        await Promise.all([...calls].map((c) => c.hangup()));
        await stack.close();
      })();
      return closing;
    },
  };
}
