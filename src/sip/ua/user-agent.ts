// The user agent core (RFC 3261 §8): registration, outgoing and incoming INVITEs, and the routing of every
// incoming request to the session it belongs to, with the answers of §8.2 for what it cannot handle:
// 501 for an unknown method (§8.2.1), 481 for a request in an unknown dialog (§12.2.2), 420 for an
// unsupported extension (§8.2.2.3), 200 with Allow/Accept/Supported to OPTIONS (§11.2).
import { EventEmitter } from 'node:events';
import { DigestClient } from '../auth/digest.js';
import { type Clock, RealClock, type TimerHandle } from '../clock.js';
import { tagOf } from '../dialog/addr.js';
import { contactUri, dialogIdOfIncomingRequest, dialogKey } from '../dialog/dialog.js';
import { SipError } from '../errors.js';
import type { SipRequest } from '../message/message.js';
import { escapeUser, validateUser } from '../message/user.js';
import { DEFAULT_TIMERS, type TimerConfig } from '../timers.js';
import { type Logger, silentLogger } from '../transport/logger.js';
import { BoundCredentials } from './bound-credentials.js';
import { ALLOWED_METHODS, SUPPORTED, type UaContext } from './context.js';
import { InviteClient, type InviteClientOptions } from './invite-client.js';
import { InviteServer } from './invite-server.js';
import { createRequest, createResponse, type OutOfDialogRequest } from './message-factory.js';
import type { ServerTransactionPort, UaNetwork } from './network.js';
import { Registration, type RegistrationFailure } from './registration.js';
import { replacesAuthorized } from './replaces-authorization.js';
import { sendWithAuth } from './request-sender.js';
import type { RequestOutcome, Session } from './session.js';
import { parseSessionExpires } from './session-timer.js';

export interface UserAgentOptions {
  network: UaNetwork;
  /** The user part of our AOR (the "login"). */
  user: string;
  /** The domain of our AOR and of the registrar. */
  domain: string;
  displayName?: string;
  /** Digest user name, when it differs from `user`. */
  authenticationName?: string;
  password?: string;
  /** `sip:proxy.example.com:5060` or `sip:192.0.2.1;transport=tcp`: the Route of requests outside dialogs. */
  outboundProxy?: string;
  /** Requested registration lifetime in seconds (default 600). */
  expires?: number;
  clock?: Clock;
  timers?: TimerConfig;
  logger?: Logger;
  userAgent?: string;
  /** RFC 4028 §4: the smallest session interval we accept (Min-SE), default 90. */
  minSessionExpires?: number;
  /** Incoming INVITEs not answered yet; more are answered 486 Busy Here. Default 16. */
  maxPendingInvites?: number;
}

export interface UserAgentEvents {
  registered: [info: { expires: number }];
  unregistered: [];
  registrationFailed: [failure: RegistrationFailure];
  /** An OPTIONS keep-alive got no answer or an error status (408 timeout, 503 transport). */
  keepAliveFailed: [failure: { status: number; reason: string }];
  /** An incoming call: answer with progress()/accept()/reject(). */
  invite: [invite: InviteServer];
}

const KNOWN = new Set(ALLOWED_METHODS.split(', '));

export class UserAgent extends EventEmitter<UserAgentEvents> {
  readonly ctx: UaContext;
  private readonly domain: string;
  private readonly registration: Registration;
  private readonly sessions = new Map<string, Session>();
  private readonly pending = new Map<string, InviteServer>();
  /** Outgoing INVITEs without a final response yet (cancelled on close). */
  private readonly outgoing = new Set<InviteClient>();
  private readonly minSE: number;
  private readonly maxPendingInvites: number;
  private closed = false;
  private keepAliveTimer: TimerHandle | undefined;

  /** Throws a SipError (`SIP_INVALID_USER`, naming the field) when a user name can never be valid. */
  constructor(o: UserAgentOptions) {
    super();
    // A user name that can never be valid is refused before anything is sent, naming the field.
    for (const [value, field] of [
      [o.user, 'login'],
      [o.authenticationName, 'authenticationName'],
    ] as const) {
      if (value === undefined) continue;
      const v = validateUser(value, field);
      if (!v.ok) throw v.error;
    }
    if (!/^[A-Za-z0-9.\-[\]:]+$/.test(o.domain)) {
      throw new SipError('SIP_INVALID_URI', `domain is not a host name: ${JSON.stringify(o.domain)}`, {
        field: 'domain',
      });
    }
    this.domain = o.domain;
    this.minSE = o.minSessionExpires ?? 90;
    this.maxPendingInvites = o.maxPendingInvites ?? 16;
    const aor = `sip:${escapeUser(o.user)}@${o.domain}`;
    const display = o.displayName === undefined ? '' : `"${o.displayName.replace(/["\\\r\n]/g, '')}" `;
    const c = o.network.contact;
    const transport = c.transport === 'UDP' ? '' : `;transport=${c.transport.toLowerCase()}`;
    const host = c.host.includes(':') && !c.host.startsWith('[') ? `[${c.host}]` : c.host;
    this.ctx = {
      network: o.network,
      clock: o.clock ?? new RealClock(),
      timers: o.timers ?? DEFAULT_TIMERS,
      logger: o.logger ?? silentLogger,
      auth:
        o.password === undefined
          ? undefined
          : new BoundCredentials(new DigestClient({ username: o.authenticationName ?? o.user, password: o.password }), {
              domain: o.domain,
              ...(o.outboundProxy === undefined ? {} : { outboundProxy: o.outboundProxy }),
            }),
      from: `${display}<${aor}>`,
      aor,
      contact: `<sip:${escapeUser(c.user ?? o.user)}@${host}:${c.port}${transport}>`,
      routes: o.outboundProxy === undefined ? [] : [`<${withLr(o.outboundProxy)}>`],
      userAgent: o.userAgent ?? 'Parley',
    };
    this.registration = new Registration(this.ctx, { registrar: `sip:${o.domain}`, expires: o.expires });
    this.registration.on('registered', (i) => this.emit('registered', i));
    this.registration.on('unregistered', () => this.emit('unregistered'));
    this.registration.on('failed', (f) => this.emit('registrationFailed', f));
    o.network.onRequest((req, tx) => this.receiveRequest(req, tx));
  }

  register(): void {
    this.registration.register();
  }

  unregister(): Promise<void> {
    return this.registration.unregister();
  }

  /** The URI for a callee given as a user (`1003`), `user@host`, or a full `sip:`/`sips:` URI. */
  targetUri(callee: string): string {
    if (/^sips?:/i.test(callee)) return callee;
    const at = callee.lastIndexOf('@');
    const user = at < 0 ? callee : callee.slice(0, at);
    const v = validateUser(user, 'callee');
    if (!v.ok) throw v.error;
    return `sip:${escapeUser(user)}@${at < 0 ? this.domain : callee.slice(at + 1)}`;
  }

  /** Starts an outgoing call; listen for progress/accepted/failed on the result. */
  invite(
    callee: string,
    offer: Buffer,
    opts: Omit<InviteClientOptions, 'target' | 'offer' | 'register'> = {},
  ): InviteClient {
    if (this.closed) throw new SipError('SIP_CLOSED', 'user agent closed');
    const client = new InviteClient(this.ctx, {
      ...opts,
      target: this.targetUri(callee),
      offer,
      register: (key, s) => this.track(key, s),
    });
    this.outgoing.add(client);
    const done = () => this.outgoing.delete(client);
    client.once('accepted', done);
    client.once('failed', done);
    client.start();
    return client;
  }

  /** A request outside any dialog (OPTIONS keep-alive, MESSAGE), 401/407 answered. */
  request(o: Omit<OutOfDialogRequest, 'from'>): Promise<RequestOutcome> {
    const req = createRequest({ routes: this.ctx.routes, ...o, from: this.ctx.from });
    let seq = Number((req.headers.get('CSeq') ?? '').split(' ')[0]);
    return new Promise((resolve) => {
      sendWithAuth(this.ctx, req, () => ++seq, {
        response: (res) => {
          if (res.status >= 200) resolve({ status: res.status, reason: res.reason, body: res.body });
        },
        error: (e) => resolve({ status: e.status ?? 500, reason: e.message, body: Buffer.alloc(0) }),
      });
    });
  }

  /** OPTIONS to `target` (default: the registrar's domain), as a keep-alive or a capability query. */
  options(target = `sip:${this.domain}`): Promise<RequestOutcome> {
    return this.request({
      method: 'OPTIONS',
      uri: target,
      to: `<${target}>`,
      headers: [['Accept', 'application/sdp']],
    });
  }

  /**
   * Sends OPTIONS to the registrar's domain every `seconds` (a keep-alive that also refreshes NAT bindings on
   * the path); any final response proves the path, a timeout or transport error emits `keepAliveFailed`.
   */
  startKeepAlive(seconds: number): void {
    this.stopKeepAlive();
    if (this.closed) return;
    this.keepAliveTimer = this.ctx.clock.setTimeout(() => {
      this.keepAliveTimer = undefined;
      this.options().then(
        (r) => {
          if (r.status === 408 || r.status === 503)
            this.emit('keepAliveFailed', { status: r.status, reason: r.reason });
          if (!this.closed) this.startKeepAlive(seconds);
        },
        (e: unknown) => this.ctx.logger.error({ err: e }, 'keep-alive stopped'),
      );
    }, seconds * 1000);
  }

  stopKeepAlive(): void {
    if (this.keepAliveTimer !== undefined) this.ctx.clock.clearTimeout(this.keepAliveTimer);
    this.keepAliveTimer = undefined;
  }

  /** Ends every session (BYE) and unregisters. May be called more than once. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopKeepAlive();
    for (const inv of [...this.pending.values()]) inv.reject(480);
    for (const call of [...this.outgoing]) call.cancel();
    try {
      await Promise.all([...this.sessions.values()].map((s) => s.bye()));
      await this.registration.close();
    } finally {
      this.ctx.network.release?.();
    }
  }

  private track(key: string, s: Session): void {
    this.sessions.set(key, s);
    this.ctx.network.dialogOpened?.(key);
    s.on('terminated', () => {
      this.sessions.delete(key);
      this.ctx.network.dialogClosed?.(key);
    });
  }

  private receiveRequest(req: SipRequest, tx: ServerTransactionPort | undefined): void {
    const id = dialogIdOfIncomingRequest(req);
    if (id !== undefined) {
      const s = this.sessions.get(dialogKey(id));
      if (s !== undefined) {
        s.receiveRequest(req, tx);
        return;
      }
      const early = [...this.pending.values()].find(
        (p) => p.earlyDialogTag === id.localTag && p.request.headers.get('Call-ID') === id.callId,
      );
      if (early !== undefined && tx !== undefined) {
        early.receiveEarlyRequest(req, tx);
        return;
      }
      // §12.2.2: "If the UAS wishes to reject the request because it does not wish to recreate the dialog, it
      // MUST respond to the request with a 481". An ACK gets no response.
      if (tx !== undefined) tx.respond(createResponse(req, 481));
      else this.ctx.logger.debug({ callId: id.callId }, 'ACK for an unknown dialog dropped');
      return;
    }
    if (tx === undefined) return; // an ACK outside a dialog (for a non-2xx) is the transaction's business
    if (!KNOWN.has(req.method)) {
      tx.respond(createResponse(req, 501, { headers: [['Allow', ALLOWED_METHODS]] }));
      return;
    }
    const unsupported = this.unsupported(req);
    if (unsupported.length > 0) {
      tx.respond(createResponse(req, 420, { headers: [['Unsupported', unsupported.join(', ')]] }));
      return;
    }
    switch (req.method) {
      case 'INVITE':
        this.receiveInvite(req, tx);
        return;
      case 'CANCEL': {
        const branch = topBranch(req);
        const inv = [...this.pending.values()].find(
          (p) => topBranch(p.request) === branch && p.request.headers.get('Call-ID') === req.headers.get('Call-ID'),
        );
        if (inv === undefined) tx.respond(createResponse(req, 481));
        else inv.receiveCancel(req, tx);
        return;
      }
      case 'OPTIONS':
        tx.respond(
          createResponse(req, 200, {
            headers: [
              ['Allow', ALLOWED_METHODS],
              ['Accept', 'application/sdp'],
              ['Supported', SUPPORTED],
            ],
          }),
        );
        return;
      default:
        // BYE, INFO, UPDATE, REFER, NOTIFY, PRACK outside a dialog (§12.2.2: no dialog matches).
        tx.respond(createResponse(req, 481));
    }
  }

  private receiveInvite(req: SipRequest, tx: ServerTransactionPort): void {
    if (this.closed) {
      tx.respond(createResponse(req, 480));
      return;
    }
    // RFC 3261 §8.1.1.8: "The Contact header field MUST be present and contain exactly one SIP or SIPS URI in
    // any request that can result in the establishment of a dialog"; without it no dialog can be made.
    if (contactUri(req.headers) === undefined || tagOf(req.headers.get('From')) === undefined) {
      tx.respond(createResponse(req, 400, { reason: 'Missing Contact or From tag' }));
      return;
    }
    // RFC 4028 §8.1: a Session-Expires below our Min-SE gets 422 with Min-SE.
    const se = parseSessionExpires(req.headers.get('Session-Expires'));
    if (se !== undefined && se.interval < this.minSE) {
      tx.respond(createResponse(req, 422, { headers: [['Min-SE', String(this.minSE)]] }));
      return;
    }
    // A bound on calls ringing at once: each holds a transaction, timers and a guard of 3 minutes.
    if (this.pending.size >= this.maxPendingInvites) {
      this.ctx.logger.warn({ pending: this.pending.size }, 'incoming INVITE refused: too many unanswered (486)');
      tx.respond(createResponse(req, 486));
      return;
    }
    let replaced: Session | undefined;
    const rep = req.headers.get('Replaces');
    if (rep !== undefined) {
      replaced = this.findReplaced(rep);
      // RFC 3891 §3: "If no match is found, the UAS rejects the INVITE and returns a 481".
      if (replaced === undefined) {
        tx.respond(createResponse(req, 481));
        return;
      }
      // RFC 3891 §6.1: only an authorized request replaces a confirmed dialog (see replaces-authorization.ts).
      if (!replacesAuthorized(req, replaced)) {
        this.ctx.logger.warn(
          { callId: replaced.dialog.id.callId },
          'INVITE with Replaces refused: not authorized (403)',
        );
        tx.respond(createResponse(req, 403));
        return;
      }
    }
    const inv = new InviteServer(this.ctx, req, tx, (key, s) => this.track(key, s), replaced);
    const key = `${req.headers.get('Call-ID')}\n${topBranch(req)}`;
    this.pending.set(key, inv);
    // Bounded even if the TU never answers: 3 minutes, then 480 (RFC 3261 §13.3.1.1 "Expires" spirit).
    const guard = this.ctx.clock.setTimeout(() => inv.reject(480), 180_000);
    inv.on('ended', () => {
      this.pending.delete(key);
      this.ctx.clock.clearTimeout(guard);
    });
    if (this.listenerCount('invite') === 0) {
      inv.reject(480);
      return;
    }
    this.emit('invite', inv);
  }

  /** RFC 3891 §3: `call-id;to-tag=x;from-tag=y`, to-tag being our local tag. */
  private findReplaced(value: string): Session | undefined {
    const [callId, ...params] = value.split(';').map((p) => p.trim());
    const get = (n: string) => params.find((p) => p.toLowerCase().startsWith(`${n}=`))?.slice(n.length + 1);
    const toTag = get('to-tag');
    const fromTag = get('from-tag');
    if (callId === undefined || toTag === undefined || fromTag === undefined) return undefined;
    const s = this.sessions.get(dialogKey({ callId, localTag: toTag, remoteTag: fromTag }));
    return s?.state === 'Confirmed' ? s : undefined;
  }

  /** §8.2.2.3: option tags in Require that we do not support. */
  private unsupported(req: SipRequest): string[] {
    const ours = new Set(SUPPORTED.split(', '));
    return req.headers
      .getAll('Require')
      .flatMap((v) => v.split(','))
      .map((t) => t.trim().toLowerCase())
      .filter((t) => t !== '' && !ours.has(t));
  }
}

function topBranch(req: SipRequest): string | undefined {
  return /;\s*branch=([^;,\s]+)/i.exec(req.headers.get('Via') ?? '')?.[1];
}

function withLr(uri: string): string {
  const u = /^sips?:/i.test(uri) ? uri : `sip:${uri}`;
  return /;lr\b/i.test(u) ? u : `${u};lr`;
}
