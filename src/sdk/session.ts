// A session with a Parley server: one WebSocket, one SIP account, its calls. Built by createSession().
//
//   PENDING ──socket open──▶ CONNECTED ──▶ ESTABLISHED ──▶ REGISTERED
//      └── no server / timeout ──▶ FAILED      └── registration refused ──▶ FAILED (sipStatus, sipReason)
//   any ── disconnect() / socket closed ──▶ DISCONNECTED
import type { ServerMessage } from '../protocol/server-messages.js';
import { calleeProblem, isSipHostPort, sipUserProblem } from '../protocol/sip-grammar.js';
import { SESSION_STATUS, type SessionStatus } from '../protocol/status.js';
import { Call, type CallOptions } from './call.js';
import { Emitter, type Handler } from './emitter.js';
import { invalid, ParleyError } from './errors.js';
import { randomId } from './ids.js';
import type { SipOptions } from './public-types.js';
import { Signalling } from './signalling.js';

export interface SessionOptions {
  /** The server's WebSocket URL; default: this page's origin + `/ws`. */
  urlServer?: string;
  sipOptions: SipOptions;
  /** How long to wait for the server to establish the session, in ms (default 10000). */
  timeout?: number;
  appKey?: string;
  custom?: Record<string, unknown>;
}

export interface SessionInfo {
  status: SessionStatus;
  sipStatus?: number;
  sipReason?: string;
  /** Why, when it is not a SIP status (no server, timeout, a field refused). */
  reason?: string;
}

const TRANSPORTS = ['udp', 'tcp', 'tls'];

// Session is a CallHost (structurally: CallHost is internal, left out of the public declarations).
export class Session {
  readonly #events = new Emitter();
  readonly #calls = new Map<string, Call>();
  readonly #url: string;
  #signalling: Signalling | undefined;
  #status: SessionStatus = SESSION_STATUS.PENDING;
  #id = '';
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** @internal Use createSession(). */
  constructor(options: SessionOptions) {
    this.#url = checkOptions(options);
    const timeout = options.timeout ?? 10_000;
    this.#timer = setTimeout(() => this.#failed({ reason: `no session established in ${timeout} ms` }), timeout);
    this.#signalling = new Signalling(
      this.#url,
      {
        onOpen: () => {
          this.#set({ status: SESSION_STATUS.CONNECTED });
          const { appKey, custom } = options;
          this.#signalling?.send({
            type: 'connect',
            sipOptions: options.sipOptions,
            ...(appKey !== undefined ? { appKey } : {}),
            ...(custom !== undefined ? { custom } : {}),
          });
        },
        onMessage: (m) => this.#onMessage(m),
        onClose: (code, reason, opened) => {
          this.#signalling = undefined;
          for (const call of [...this.#calls.values()]) call.sessionEnded('connection to the server closed');
          if (!opened) this.#failed({ reason: `cannot reach ${this.#url}` });
          else
            this.#set({
              status: SESSION_STATUS.DISCONNECTED,
              ...(reason ? { reason } : { reason: `closed (${code})` }),
            });
        },
      },
      timeout,
    );
  }

  /** Subscribes to a SESSION_STATUS; INCOMING_CALL handlers get the new Call. Chainable. */
  on(status: typeof SESSION_STATUS.INCOMING_CALL, handler: (call: Call) => void): this;
  on(status: SessionStatus, handler: (info: SessionInfo) => void): this;
  on(status: SessionStatus, handler: Handler): this {
    if (!(status in SESSION_STATUS)) throw invalid('status', `unknown SESSION_STATUS ${String(status)}`);
    this.#events.on(status, handler);
    return this;
  }

  status = (): SessionStatus => this.#status;
  /** The server's id of this session (empty until established). */
  id = (): string => this.#id;
  getCalls = (): Call[] => [...this.#calls.values()];

  /** @internal */
  get signalling(): Signalling | undefined {
    return this.#signalling;
  }
  /** @internal */
  callEnded(call: Call): void {
    this.#calls.delete(call.id());
  }

  createCall(options: CallOptions): Call {
    if (typeof options !== 'object' || options === null) throw invalid('options', 'must be an object');
    const callee = typeof options.callee === 'string' ? options.callee.trim() : '';
    const problem = calleeProblem(callee);
    if (problem) throw invalid('callee', problem);
    if (this.#status !== SESSION_STATUS.REGISTERED && this.#status !== SESSION_STATUS.ESTABLISHED) {
      throw new ParleyError(
        'SESSION_NOT_READY',
        `createCall: the session is ${this.#status}; wait for ESTABLISHED or REGISTERED`,
      );
    }
    const video = Boolean(options.constraints?.video) || Boolean(options.receiveVideo);
    const call = new Call(
      this,
      {
        id: randomId(),
        incoming: false,
        caller: '',
        callee,
        visibleName: options.visibleName ?? '',
        hasVideo: video,
        ...(options.sipHeaders ? { sipHeaders: options.sipHeaders } : {}),
      },
      options,
    );
    this.#calls.set(call.id(), call);
    return call;
  }

  /** Ends the session: the server hangs up its calls and removes the registration. */
  disconnect(): void {
    const s = this.#signalling;
    if (!s) return;
    if (!s.send({ type: 'disconnect' })) s.close();
  }

  #onMessage(m: ServerMessage): void {
    switch (m.type) {
      case 'session.status':
        this.#id = m.sessionId;
        if (m.status === SESSION_STATUS.FAILED) this.#failed(info(m));
        else this.#set(info(m));
        return;
      case 'call.incoming': {
        const call = new Call(
          this,
          {
            id: m.callId,
            incoming: true,
            caller: m.caller,
            callee: m.callee,
            visibleName: m.visibleName,
            hasVideo: m.hasVideo,
            offer: m.sdp,
          },
          {},
        );
        this.#calls.set(m.callId, call);
        call.handle({ type: 'call.status', callId: m.callId, status: 'RING' });
        this.#events.emit(SESSION_STATUS.INCOMING_CALL, call);
        return;
      }
      case 'error':
        if (m.callId !== undefined && this.#calls.has(m.callId)) this.#calls.get(m.callId)?.handle(m);
        else if (m.field && (this.#status === SESSION_STATUS.PENDING || this.#status === SESSION_STATUS.CONNECTED)) {
          this.#failed({ reason: m.message });
        } else console.warn(`parley: ${m.code}: ${m.message}`);
        return;
      case 'ping':
        this.#signalling?.send({ type: 'pong', ...(m.id !== undefined ? { id: m.id } : {}) });
        return;
      case 'ack':
      case 'pong':
        return;
      default:
        this.#calls.get(m.callId)?.handle(m);
    }
  }

  #failed(i: Omit<SessionInfo, 'status'>): void {
    if (this.#status === SESSION_STATUS.FAILED || this.#status === SESSION_STATUS.DISCONNECTED) return;
    this.#set({ ...i, status: SESSION_STATUS.FAILED });
    this.#signalling?.close(1000, 'failed');
  }

  #set(i: SessionInfo): void {
    const settled: SessionStatus[] = [
      SESSION_STATUS.ESTABLISHED,
      SESSION_STATUS.REGISTERED,
      SESSION_STATUS.FAILED,
      SESSION_STATUS.DISCONNECTED,
    ];
    if (settled.includes(i.status) && this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#status === SESSION_STATUS.DISCONNECTED) return;
    if (this.#status === SESSION_STATUS.FAILED && i.status === SESSION_STATUS.DISCONNECTED) return;
    this.#status = i.status;
    this.#events.emit(i.status, i);
  }
}

const info = (m: { status: SessionStatus; sipStatus?: number; sipReason?: string }): SessionInfo => ({
  status: m.status,
  ...(m.sipStatus !== undefined ? { sipStatus: m.sipStatus } : {}),
  ...(m.sipReason ? { sipReason: m.sipReason } : {}),
});

/** Throws at once, naming the field, for everything the caller can fix; returns the WebSocket URL. */
function checkOptions(o: SessionOptions): string {
  if (typeof o !== 'object' || o === null) throw invalid('options', 'must be an object');
  const s = o.sipOptions;
  if (typeof s !== 'object' || s === null) throw invalid('sipOptions', 'must be an object');
  const login = sipUserProblem(typeof s.login === 'string' ? s.login : '');
  if (login) throw invalid('sipLogin', login);
  if (s.authenticationName) {
    const auth = sipUserProblem(s.authenticationName);
    if (auth) throw invalid('sipAuthenticationName', auth);
  }
  if (typeof s.domain !== 'string' || !isSipHostPort(s.domain))
    throw invalid('sipDomain', 'must be a host name or IP address, with an optional :port');
  if (s.outboundProxy && !isSipHostPort(s.outboundProxy))
    throw invalid('sipOutboundProxy', 'must be a host name or IP address, with an optional :port');
  if (s.port !== undefined && !(Number.isInteger(s.port) && s.port >= 1 && s.port <= 65535))
    throw invalid('sipPort', 'must be a port number 1-65535');
  if (s.transport !== undefined && !TRANSPORTS.includes(s.transport))
    throw invalid('sipTransport', 'must be udp, tcp or tls');
  if (o.timeout !== undefined && !(Number.isFinite(o.timeout) && o.timeout > 0))
    throw invalid('timeout', 'must be a positive number of milliseconds');
  let url: URL;
  try {
    url = new URL(o.urlServer ?? '/ws', typeof location === 'undefined' ? undefined : location.href);
  } catch {
    throw invalid('urlServer', 'must be a ws://, wss://, http:// or https:// URL');
  }
  if (url.protocol === 'http:') url.protocol = 'ws:';
  if (url.protocol === 'https:') url.protocol = 'wss:';
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:')
    throw invalid('urlServer', 'must be a ws://, wss://, http:// or https:// URL');
  return url.href;
}
