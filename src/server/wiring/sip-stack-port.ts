// SipPort on top of the SIP stack of src/sip: ONE SipEndpoint (the gateway's SIP address, PARLEY_SIP_HOST and
// PARLEY_SIP_PORT, UDP and TCP, TLS when configured) hosts one user agent per browser session's account. Each
// UA registers its own Contact (`<login>-<token>@host:port`), so the INVITEs a registrar sends to it reach that
// session even when two sessions use the same login; see src/sip/ua/user-agent-host.ts.
import type { Logger } from 'pino';
import type {
  InviteClient,
  InviteServer,
  SipEndpoint,
  Session as SipSession,
  TerminatedInfo,
  UserAgent,
} from '../../sip/index.js';
import type {
  SipAccount,
  SipAccountHandlers,
  SipAccountOptions,
  SipCall,
  SipCallHandlers,
  SipFailure,
  SipIncomingCall,
  SipInviteRequest,
  SipOutcome,
  SipOutgoingCallHandlers,
  SipPort,
} from '../ports.js';

const outcome = (status: number, reason: string): SipOutcome =>
  status < 300 ? { ok: true, status, reason } : { ok: false, status, reason };
const failure = (e: unknown, status = 503): SipFailure => ({
  ok: false,
  status: (e as { status?: number })?.status ?? status,
  reason: (e as Error)?.message ?? String(e),
});
const sdpOf = (body: Buffer): string | undefined => (body.length > 0 ? body.toString('utf8') : undefined);

export class SipStackPort implements SipPort {
  readonly #endpoint: SipEndpoint;
  readonly #log: Logger;

  constructor(opts: { endpoint: SipEndpoint; log: Logger }) {
    this.#endpoint = opts.endpoint;
    this.#log = opts.log;
  }

  createAccount(options: SipAccountOptions, handlers: SipAccountHandlers): SipAccount {
    return new StackAccount(this.#endpoint, options, handlers, this.#log.child({ sessionId: options.sessionId }));
  }
}

/** The Route for requests outside dialogs, as a SIP URI (RFC 3261 §8.1.2). */
function outboundRoute(o: SipAccountOptions): string | undefined {
  const transport = o.transport === 'udp' ? '' : `;transport=${o.transport}`;
  const withPort = (hostPort: string) =>
    o.port !== undefined && !/:\d+$/.test(hostPort) ? `${hostPort}:${o.port}` : hostPort;
  if (o.outboundProxy) return `sip:${withPort(o.outboundProxy)}${transport}`;
  if (o.port !== undefined || transport) return `sip:${withPort(o.domain)}${transport}`;
  return undefined;
}

class StackAccount implements SipAccount {
  /** The account's UA, or why it could not be made (a user name the stack refuses, a transport not served). */
  readonly #ua: { ok: true; ua: UserAgent } | { ok: false; error: unknown };
  readonly #log: Logger;
  #registered = false;
  #closing: Promise<void> | undefined;

  constructor(endpoint: SipEndpoint, o: SipAccountOptions, handlers: SipAccountHandlers, log: Logger) {
    this.#log = log;
    const route = outboundRoute(o);
    try {
      const ua = endpoint.createUserAgent({
        transport: o.transport === 'udp' ? 'UDP' : o.transport === 'tcp' ? 'TCP' : 'TLS',
        user: o.login,
        domain: o.domain,
        authenticationName: o.authenticationName,
        password: o.password,
        ...(o.displayName ? { displayName: o.displayName } : {}),
        ...(route ? { outboundProxy: route } : {}),
        logger: log,
      });
      this.#ua = { ok: true, ua };
      ua.on('invite', (inv) => handlers.onIncomingCall(new StackIncomingCall(inv, log)));
      ua.on('registrationFailed', (f) => {
        if (f.lost && this.#registered) {
          this.#registered = false;
          handlers.onRegistrationLost({ ok: false, status: f.status, reason: f.reason });
        }
      });
    } catch (e) {
      log.warn({ err: e }, 'SIP user agent not created');
      this.#ua = { ok: false, error: e };
    }
  }

  async register(): Promise<SipOutcome> {
    if (!this.#ua.ok) return failure(this.#ua.error);
    const ua = this.#ua.ua;
    return new Promise<SipOutcome>((resolve) => {
      const done = (r: SipOutcome) => {
        ua.off('registered', onOk);
        ua.off('registrationFailed', onFail);
        resolve(r);
      };
      const onOk = () => {
        this.#registered = true;
        done({ ok: true, status: 200, reason: 'OK' });
      };
      const onFail = (f: { status: number; reason: string }) => done({ ok: false, status: f.status, reason: f.reason });
      ua.on('registered', onOk);
      ua.on('registrationFailed', onFail);
      ua.register();
    });
  }

  async unregister(): Promise<SipOutcome> {
    if (!this.#ua.ok) return failure(this.#ua.error);
    this.#registered = false;
    await this.#ua.ua.unregister();
    return { ok: true, status: 200, reason: 'OK' };
  }

  invite(request: SipInviteRequest, handlers: SipOutgoingCallHandlers): SipCall {
    const call = new StackOutgoingCall(this.#log);
    const made = this.#ua;
    // The handlers are called after this returns, as the server expects of every SipPort.
    queueMicrotask(() => {
      if (made.ok) call.start(made.ua, request, handlers);
      else handlers.onFailed(failure(made.error));
    });
    return call;
  }

  close(): Promise<void> {
    // A UA never made has nothing to close (the failure was logged).
    this.#closing ??= this.#ua.ok ? this.#ua.ua.close() : Promise.resolve();
    return this.#closing;
  }
}

/** What both directions share once a dialog exists. */
abstract class StackDialog implements SipCall {
  protected session: SipSession | undefined;
  protected readonly log: Logger;
  constructor(log: Logger) {
    this.log = log;
  }

  abstract get callId(): string;
  /** The far party's URI, for the Refer-To of an attended transfer (RFC 5589 §7). */
  abstract get remoteUri(): string;

  get dialogId(): SipCall['dialogId'] {
    const id = this.session?.dialog.id;
    return id ? { callId: id.callId, localTag: id.localTag, remoteTag: id.remoteTag } : undefined;
  }

  protected bind(session: SipSession, h: SipCallHandlers): void {
    this.session = session;
    session.on('terminated', (info: TerminatedInfo) => {
      if (info.by !== 'local')
        h.onTerminated({ ...(info.status !== undefined ? { status: info.status } : {}), reason: info.reason });
    });
    session.on('offer', (offer) => {
      h.onReinvite(sdpOf(offer.body))
        .then(
          (answer) => {
            try {
              offer.accept(Buffer.from(answer));
            } catch (e) {
              this.log.warn({ err: e }, 're-INVITE answer not sent; answered 500');
              offer.reject(500);
            }
          },
          (e: unknown) => {
            this.log.info({ err: e }, 're-INVITE answered 488');
            offer.reject(488);
          },
        )
        // The dialog may have ended while the answer was made; nothing waits on this promise, so log here.
        .catch((e: unknown) => this.log.warn({ err: e }, 're-INVITE not answered'));
    });
    session.on('info', (i) => {
      if (i.dtmf) h.onInfoDtmf(i.dtmf.tone, i.dtmf.duration);
    });
    session.on('refer', (r) => {
      r.accept();
      const replaces = r.replaces ? parseReplaces(r.replaces) : undefined;
      h.onRefer({ target: r.target, replaces, notify: async (status, reason) => r.notify(status, reason) });
    });
    session.on('referProgress', (p) => h.onReferProgress(p.status, p.reason));
  }

  abstract hangup(): Promise<void>;

  async reinvite(sdp: string): Promise<SipOutcome & { sdp?: string }> {
    if (!this.session) return { ok: false, status: 481, reason: 'Call/Transaction Does Not Exist' };
    const r = await this.session.reinvite(Buffer.from(sdp));
    const answer = sdpOf(r.body);
    return { ...outcome(r.status, r.reason), ...(answer ? { sdp: answer } : {}) };
  }

  async refer(target: string | { replaces: SipCall }): Promise<SipOutcome> {
    if (!this.session) return { ok: false, status: 481, reason: 'Call/Transaction Does Not Exist' };
    if (typeof target === 'string') {
      const uri = /^sips?:/i.test(target) ? target : `sip:${target}@${hostOf(this.session.dialog.localUri)}`;
      const r = await this.session.transfer(uri);
      return outcome(r.status, r.reason);
    }
    const other = target.replaces;
    if (!(other instanceof StackDialog) || !other.session)
      return { ok: false, status: 481, reason: 'No dialog to replace' };
    const r = await this.session.transfer(other.remoteUri, other.session.replaces);
    return outcome(r.status, r.reason);
  }

  async sendInfoDtmf(digit: string, durationMs: number): Promise<SipOutcome> {
    if (!this.session) return { ok: false, status: 481, reason: 'Call/Transaction Does Not Exist' };
    const r = await this.session.sendDtmf({ tone: digit, duration: durationMs });
    return outcome(r.status, r.reason);
  }
}

class StackOutgoingCall extends StackDialog {
  #client: InviteClient | undefined;
  #target = '';
  #hangupRequested = false;

  get callId(): string {
    return this.#client?.request?.headers.get('Call-ID') ?? '';
  }
  get remoteUri(): string {
    // The remote target (the Contact of the 2xx), a URI: the dialog's remoteUri is the To value, tag included.
    return this.session?.dialog.remoteTarget ?? this.#target;
  }

  start(ua: UserAgent, req: SipInviteRequest, h: SipOutgoingCallHandlers): void {
    if (this.#hangupRequested) {
      h.onFailed({ ok: false, status: 487, reason: 'Request Terminated' });
      return;
    }
    const headers: [string, string][] = Object.entries(req.headers ?? {});
    if (req.replaces)
      headers.push([
        'Replaces',
        `${req.replaces.callId};to-tag=${req.replaces.toTag};from-tag=${req.replaces.fromTag}`,
      ]);
    let client: InviteClient;
    try {
      this.#target = ua.targetUri(req.target);
      client = ua.invite(req.target, Buffer.from(req.sdp), { headers });
    } catch (e) {
      h.onFailed(failure(e, 400));
      return;
    }
    this.#client = client;
    client.on('progress', (p) => h.onProgress(p.status, p.reason, sdpOf(p.body)));
    client.on('accepted', (session, r) => {
      this.bind(session, h);
      if (this.#hangupRequested) {
        // Our CANCEL crossed the 2xx (RFC 3261 §9.1): end the new dialog at once.
        session.bye().catch((e: unknown) => this.log.warn({ err: e }, 'BYE after a crossed CANCEL failed'));
        return;
      }
      h.onAccepted(r.status, r.reason, sdpOf(r.body));
    });
    client.on('failed', (f) => h.onFailed({ ok: false, status: f.status, reason: f.reason }));
  }

  async hangup(): Promise<void> {
    this.#hangupRequested = true;
    if (this.session) await this.session.bye();
    else this.#client?.cancel();
  }
}

class StackIncomingCall extends StackDialog implements SipIncomingCall {
  readonly #inv: InviteServer;
  readonly caller: string;
  readonly callerDisplayName: string;
  readonly callee: string;
  readonly offer: string | undefined;
  readonly #fromUri: string;

  constructor(inv: InviteServer, log: Logger) {
    super(log);
    this.#inv = inv;
    const from = parseNameAddr(inv.from);
    this.#fromUri = from.uri;
    this.caller = userOf(from.uri) || from.uri;
    this.callerDisplayName = from.displayName;
    this.callee = userOf(inv.request.uri) || inv.request.uri;
    this.offer = sdpOf(inv.offer);
  }

  get callId(): string {
    return this.#inv.request.headers.get('Call-ID') ?? '';
  }
  get remoteUri(): string {
    return this.session?.dialog.remoteTarget ?? this.#fromUri;
  }

  listen(h: SipCallHandlers): void {
    this.#inv.on('canceled', () => h.onTerminated({ status: 487, reason: 'Request Terminated' }));
    this.#inv.on('accepted', (session) => this.bind(session, h));
  }

  async ring(sdp?: string): Promise<void> {
    this.#inv.progress(sdp ? 183 : 180, sdp ? Buffer.from(sdp) : undefined);
  }

  accept(sdp: string): Promise<SipOutcome & { sdp?: string }> {
    const session = this.#inv.accept(Buffer.from(sdp));
    if (!session) return Promise.resolve({ ok: false, status: 481, reason: 'The caller is gone' });
    // RFC 3261 §13.3.1.4: the call is up when the ACK arrives; Timer H ends the session without one. The ACK of
    // a late offer carries the answer (`ackAnswer` follows `acked` at once).
    let ackSdp: string | undefined;
    session.once('ackAnswer', (body) => {
      ackSdp = sdpOf(body);
    });
    return new Promise<SipOutcome & { sdp?: string }>((resolve) => {
      session.once('acked', () =>
        queueMicrotask(() => resolve({ ok: true, status: 200, reason: 'OK', ...(ackSdp ? { sdp: ackSdp } : {}) })),
      );
      session.once('terminated', (info: TerminatedInfo) =>
        resolve({ ok: false, status: info.status ?? 408, reason: info.reason }),
      );
    });
  }

  async reject(status: number, reason?: string): Promise<void> {
    this.#inv.reject(status, reason);
  }

  async hangup(): Promise<void> {
    if (this.session) await this.session.bye();
    else this.#inv.reject(480, 'Temporarily Unavailable');
  }
}

/** `"Bob" <sip:1002@host>;tag=x` → display name and URI (RFC 3261 §20.10 name-addr, lenient). */
function parseNameAddr(value: string): { displayName: string; uri: string } {
  const angle = /^\s*(?:"((?:[^"\\]|\\.)*)"|([^<]*?))\s*<([^>]*)>/.exec(value);
  if (angle) return { displayName: (angle[1] ?? angle[2] ?? '').replace(/\\(.)/g, '$1').trim(), uri: angle[3] ?? '' };
  return { displayName: '', uri: (value.split(';')[0] ?? '').trim() };
}

const userOf = (uri: string): string => /^sips?:([^@;?]+)@/i.exec(uri)?.[1] ?? '';
const hostOf = (uri: string): string => /@([^;?>]+)/.exec(uri)?.[1] ?? '';

/** RFC 3891 §6.1 `call-id;to-tag=a;from-tag=b` (as the REFER's Replaces, seen from the transferee). */
function parseReplaces(value: string): SipInviteRequest['replaces'] {
  const [callId, ...params] = value.split(';');
  const p = Object.fromEntries(params.map((x) => x.split('=').map((s) => s.trim()) as [string, string]));
  if (!callId || !p['to-tag'] || !p['from-tag']) return undefined;
  return { callId: callId.trim(), toTag: p['to-tag'], fromTag: p['from-tag'] };
}
