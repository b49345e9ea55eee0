// Test support for the registrar and proxy unit tests (not used by the server): the EmbeddedSipServer on a fake
// network and a FakeClock, UAs written as raw SIP text, digest credentials computed from the challenge. A fake
// network is used because these tests check RFC 3261 §10 and §16 logic with time under control; the e2e tests
// in test/e2e/registrar-*.test.ts run it on real sockets against baresip and sipp.

import { digestResponse } from '../sip/auth/digest-algorithm.js';
import { FakeClock } from '../sip/clock.js';
import { parseAuthHeader } from '../sip/message/auth-header.js';
import type { SipMessage, SipRequest, SipResponse } from '../sip/message/message.js';
import { parseMessage } from '../sip/message/parser.js';
import { serializeMessage } from '../sip/message/serializer.js';
import { createTimerConfig } from '../sip/timers.js';
import type { Address, Destination, MessageSource, TransportProtocol } from '../sip/transport/transport.js';
import { TransportLayer, type TransportLayerOptions } from '../sip/transport/transport-layer.js';
import { EmbeddedSipServer, type EmbeddedSipServerOptions } from './embedded-sip-server.js';

export const SERVER_PORT = 5060;
export const DOMAIN = '127.0.0.1';

/** A message the server sent, with where it went (a request's destination, a response's request source). */
export interface Sent {
  message: SipMessage;
  to: Destination;
}

/** A TransportLayer that binds nothing: it records what is sent and lets a test inject what is received. */
export class FakeTransportLayer extends TransportLayer {
  readonly sent: Sent[] = [];

  constructor(opts: TransportLayerOptions) {
    super({ ...opts, listen: [] });
  }

  override listen(): Promise<void> {
    return Promise.resolve();
  }

  override get addresses(): Destination[] {
    return [
      { transport: 'UDP', host: DOMAIN, port: SERVER_PORT },
      { transport: 'TCP', host: DOMAIN, port: SERVER_PORT },
    ];
  }

  override sentBy(_transport: TransportProtocol): Address {
    return { host: DOMAIN, port: SERVER_PORT };
  }

  override send(message: SipMessage, destination: Destination): Promise<void> {
    this.sent.push({ message: reparse(message), to: destination });
    return Promise.resolve();
  }

  override sendResponse(response: SipResponse, source: MessageSource): Promise<void> {
    this.sent.push({
      message: reparse(response),
      to: { transport: source.transport, host: source.host, port: source.port },
    });
    return Promise.resolve();
  }

  /** Delivers a message as if it arrived from `from`. */
  inject(text: string, from: Destination & { connectionId?: string }): void {
    const r = parseMessage(Buffer.from(text.replace(/\r?\n/g, '\r\n')));
    if (!r.ok) throw new Error(`test message does not parse: ${r.error.message}`);
    const source: MessageSource = { ...from, local: { host: DOMAIN, port: SERVER_PORT } };
    this.emit('message', r.value, source);
  }

  /** What was sent since index `since`. */
  since(since: number): Sent[] {
    return this.sent.slice(since);
  }
}

/** Serialized and parsed again: what the far end would read, and immune to later changes by the sender. */
function reparse(m: SipMessage): SipMessage {
  const r = parseMessage(serializeMessage(m));
  if (!r.ok) throw new Error(`the server sent an unparseable message: ${r.error.message}`);
  return r.value;
}

export interface FakeSetup {
  server: EmbeddedSipServer;
  net: FakeTransportLayer;
  clock: FakeClock;
}

/** An EmbeddedSipServer on a FakeTransportLayer and a FakeClock, started. `nowhere.invalid` does not resolve. */
export async function fakeServer(opts: Partial<EmbeddedSipServerOptions> = {}): Promise<FakeSetup> {
  const clock = new FakeClock(1_000_000);
  let net: FakeTransportLayer | undefined;
  const server = new EmbeddedSipServer({
    host: DOMAIN,
    port: SERVER_PORT,
    users: { '1001': 'pw1001', '1002': 'pw1002', '1003': 'pw1003' },
    clock,
    timers: createTimerConfig(),
    resolveHost: async (host) => host !== 'nowhere.invalid',
    createTransport: (o) => {
      net = new FakeTransportLayer(o);
      return net;
    },
    ...opts,
  });
  await server.start();
  if (net === undefined) throw new Error('fake transport not created');
  return { server, net, clock };
}

/** Lets queued promise callbacks (the registrar's async contact checks) run. */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export interface RequestText {
  method: string;
  uri: string;
  from: string;
  to: string;
  callId: string;
  cseq: number;
  via: string;
  headers?: string[];
  body?: string;
}

export function requestText(r: RequestText): string {
  const body = r.body ?? '';
  return [
    `${r.method} ${r.uri} SIP/2.0`,
    `Via: ${r.via}`,
    'Max-Forwards: 70',
    `From: ${r.from}`,
    `To: ${r.to}`,
    `Call-ID: ${r.callId}`,
    `CSeq: ${r.cseq} ${r.method === 'ACK' || r.method === 'CANCEL' ? r.method : r.method}`,
    ...(r.headers ?? []),
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
}

/** The Authorization value answering `challenge` (a WWW-/Proxy-Authenticate value) for a request. */
export function credentials(
  challenge: string,
  o: { user: string; password: string; method: string; uri: string; nc?: number },
): string {
  const p = parseAuthHeader(challenge);
  if (!p.ok) throw new Error('bad challenge');
  const realm = p.value.params.get('realm') ?? '';
  const nonce = p.value.params.get('nonce') ?? '';
  const algorithm = (p.value.params.get('algorithm') ?? 'MD5') as 'MD5' | 'SHA-256';
  const nc = (o.nc ?? 1).toString(16).padStart(8, '0');
  const cnonce = 'c0ffee';
  const response = digestResponse({
    algorithm,
    username: o.user,
    realm,
    password: o.password,
    nonce,
    method: o.method,
    uri: o.uri,
    qop: 'auth',
    nc,
    cnonce,
  });
  return `Digest username="${o.user}", realm="${realm}", nonce="${nonce}", uri="${o.uri}", response="${response}", algorithm=${algorithm}, qop=auth, nc=${nc}, cnonce="${cnonce}"`;
}

export function isResponse(m: SipMessage): m is SipResponse {
  return m.kind === 'response';
}

export function isRequest(m: SipMessage): m is SipRequest {
  return m.kind === 'request';
}

export const PHONE: Destination = { transport: 'UDP', host: '192.0.2.10', port: 5070 };
const RURI = `sip:${DOMAIN}:${SERVER_PORT}`;

export interface RegisterOpts {
  user?: string;
  password?: string;
  authUser?: string;
  contacts?: string[];
  expires?: number | undefined;
  callId?: string;
  cseq?: number;
  from?: Destination & { connectionId?: string };
  algorithm?: 'SHA-256' | 'MD5';
}

let branchSeq = 0;

/** Sends one REGISTER; returns the response sent back for it. */
export async function send(
  s: FakeSetup,
  o: RegisterOpts,
  authorization?: string,
  cseq = o.cseq ?? 1,
): Promise<SipResponse> {
  const user = o.user ?? '1001';
  const headers = (o.contacts ?? [`<sip:${user}@192.0.2.10:5070>`]).map((c) => `Contact: ${c}`);
  if (o.expires !== undefined) headers.push(`Expires: ${o.expires}`);
  if (authorization !== undefined) headers.push(`Authorization: ${authorization}`);
  const from = o.from ?? PHONE;
  const before = s.net.sent.length;
  s.net.inject(
    requestText({
      method: 'REGISTER',
      uri: RURI,
      via: `SIP/2.0/${from.transport} ${from.host}:${from.port};branch=z9hG4bKreg${++branchSeq};rport`,
      from: `<sip:${user}@${DOMAIN}:${SERVER_PORT}>;tag=f${branchSeq}`,
      to: `<sip:${user}@${DOMAIN}:${SERVER_PORT}>`,
      callId: o.callId ?? `reg-${user}@192.0.2.10`,
      cseq,
      headers,
    }),
    from,
  );
  await flush();
  const r = s.net.since(before).find((x) => isResponse(x.message));
  if (r === undefined || !isResponse(r.message)) throw new Error('no response was sent');
  return r.message;
}

/** REGISTER, 401, REGISTER with credentials (the challenge of `algorithm`); the final response. */
export async function register(s: FakeSetup, o: RegisterOpts = {}): Promise<SipResponse> {
  const cseq = o.cseq ?? 1;
  const challenge = await send(s, o, undefined, cseq);
  if (challenge.status !== 401) throw new Error(`expected 401, got ${challenge.status}`);
  const algorithm = o.algorithm ?? 'SHA-256';
  const value = challenge.headers.getAll('WWW-Authenticate').find((v) => v.includes(`algorithm=${algorithm}`));
  if (value === undefined) throw new Error(`no ${algorithm} challenge`);
  const user = o.authUser ?? o.user ?? '1001';
  const auth = credentials(value, {
    user,
    password: o.password ?? `pw${user}`,
    method: 'REGISTER',
    uri: RURI,
  });
  return send(s, o, auth, cseq + 1);
}
