// Registration of our Contact at a registrar (RFC 3261 §10.2), kept alive by refreshing before it expires,
// removed on close (Expires: 0, §10.2.2). One Call-ID for every REGISTER, CSeq incremented (§10.2).
//
//   register() ──▶ REGISTER ──▶ 401/407 ──▶ REGISTER+credentials ──▶ 200 ──▶ "registered", refresh at half
//                                                      └──▶ 4xx/5xx/6xx, timeout ──▶ "failed"
import { EventEmitter } from 'node:events';
import type { TimerHandle } from '../clock.js';
import { parseAddr, splitAddrList } from '../dialog/addr.js';
import type { SipResponse } from '../message/message.js';
import { ALLOWED_METHODS, type UaContext } from './context.js';
import { createRequest, initialCSeq, newCallId } from './message-factory.js';
import { sendWithAuth } from './request-sender.js';

export interface RegistrationFailure {
  status: number;
  reason: string;
  /** A stable code when the failure is local: SIP_TIMEOUT, SIP_TRANSPORT_ERROR. */
  code?: string;
  /** A refresh failed after the binding had been registered: the binding is gone. */
  lost: boolean;
}

export interface RegistrationEvents {
  registered: [info: { expires: number }];
  unregistered: [];
  failed: [failure: RegistrationFailure];
}

export type RegistrationState = 'Unregistered' | 'Registering' | 'Registered' | 'Unregistering' | 'Closed';

/**
 * The registration lifetimes we act on, in seconds. The registrar's granted value is a peer-supplied number: NaN
 * or a huge value would arm the refresh timer with a delay Node fires at once (over 2^31-1 ms), a REGISTER loop.
 */
export const MIN_REGISTRATION_EXPIRES = 60;
export const MAX_REGISTRATION_EXPIRES = 86_400;

/** A granted lifetime clamped to 60..86400 s; `requested` when it is missing or not a number. */
export function clampRegistrationExpires(granted: number | undefined, requested: number): number {
  const v = granted !== undefined && Number.isFinite(granted) ? granted : requested;
  return Math.min(MAX_REGISTRATION_EXPIRES, Math.max(MIN_REGISTRATION_EXPIRES, v));
}

export interface RegistrationOptions {
  /** Request-URI of REGISTER: `sip:example.com` (§10.2: the domain of the AOR). */
  registrar: string;
  /** Requested lifetime in seconds; default 600. */
  expires?: number;
}

export class Registration extends EventEmitter<RegistrationEvents> {
  private readonly ctx: UaContext;
  private readonly registrar: string;
  private expires: number;
  private readonly callId = newCallId();
  private cseq = initialCSeq();
  private refreshTimer: TimerHandle | undefined;
  private current: RegistrationState = 'Unregistered';
  /** The registrar accepted our binding and we have not removed it. */
  private wasRegistered = false;

  constructor(ctx: UaContext, opts: RegistrationOptions) {
    super();
    this.ctx = ctx;
    this.registrar = opts.registrar;
    this.expires = opts.expires ?? 600;
  }

  get state(): RegistrationState {
    return this.current;
  }

  /** Sends REGISTER now; emits `registered` or `failed`. */
  register(): void {
    if (this.current === 'Closed') return;
    this.current = 'Registering';
    this.send(this.expires, (res) => {
      if (res.status >= 200 && res.status < 300) {
        const granted = this.grantedExpires(res);
        this.current = 'Registered';
        this.wasRegistered = true;
        // Refresh at half the granted time, so a lost refresh still has time for retransmissions and a retry.
        this.scheduleRefresh(Math.max(1, granted / 2));
        this.emit('registered', { expires: granted });
      } else if (res.status === 423) {
        // §10.2.8: "the UA MAY retry the registration ... with an expiration interval >= Min-Expires".
        const min = Number(res.headers.get('Min-Expires'));
        // A Min-Expires over MAX_REGISTRATION_EXPIRES is not followed (we would refresh sooner anyway).
        if (Number.isFinite(min) && min > this.expires && min <= MAX_REGISTRATION_EXPIRES) {
          this.expires = min;
          this.register();
          return;
        }
        this.fail({ status: 423, reason: res.reason });
      } else this.fail({ status: res.status, reason: res.reason });
    });
  }

  /** Removes our binding (Expires: 0); resolves when the registrar answered or the request failed. */
  unregister(): Promise<void> {
    this.clearRefresh();
    if (this.current !== 'Registered' && this.current !== 'Registering') return Promise.resolve();
    this.current = 'Unregistering';
    this.wasRegistered = false;
    return new Promise((resolve) => {
      this.send(
        0,
        (res) => {
          if (this.current === 'Unregistering') this.current = 'Unregistered';
          if (res.status >= 200 && res.status < 300) this.emit('unregistered');
          else this.ctx.logger.warn({ status: res.status }, 'un-REGISTER refused');
          resolve();
        },
        () => {
          if (this.current === 'Unregistering') this.current = 'Unregistered';
          resolve();
        },
      );
    });
  }

  /** Unregisters if registered and stops; may be called more than once. */
  async close(): Promise<void> {
    if (this.current === 'Closed') return;
    await this.unregister();
    this.current = 'Closed';
    this.clearRefresh();
  }

  private send(expires: number, done: (res: SipResponse) => void, failed?: () => void): void {
    const req = createRequest({
      method: 'REGISTER',
      uri: this.registrar,
      from: this.ctx.from,
      to: this.ctx.from,
      contact: this.ctx.contact,
      routes: this.ctx.routes,
      callId: this.callId,
      cseq: this.cseq++,
      headers: [
        ['Expires', String(expires)],
        ['Allow', ALLOWED_METHODS],
        ['User-Agent', this.ctx.userAgent],
      ],
    });
    sendWithAuth(this.ctx, req, () => this.cseq++, {
      response: (res) => {
        if (res.status >= 200) done(res);
      },
      error: (e) => {
        if (failed !== undefined) {
          this.ctx.logger.warn({ code: e.code }, 'un-REGISTER failed');
          failed();
          return;
        }
        this.fail({ status: e.status ?? 500, reason: e.message, code: e.code });
      },
    });
  }

  /**
   * §10.2.4: the expires of our Contact in the 200, else the Expires header, else what we asked; clamped to
   * MIN_REGISTRATION_EXPIRES..MAX_REGISTRATION_EXPIRES (a value that is not a number counts as missing).
   */
  private grantedExpires(res: SipResponse): number {
    const ours = parseAddr(this.ctx.contact)?.uri;
    for (const c of res.headers.getAll('Contact').flatMap(splitAddrList)) {
      const a = parseAddr(c);
      const e = a?.params.get('expires');
      if (a !== undefined && e != null && sameUri(a.uri, ours))
        return clampRegistrationExpires(seconds(e), this.expires);
    }
    return clampRegistrationExpires(seconds(res.headers.get('Expires')), this.expires);
  }

  private fail(f: Omit<RegistrationFailure, 'lost'>): void {
    const lost = this.current === 'Registered' || this.wasRegistered;
    this.current = 'Unregistered';
    this.wasRegistered = false;
    this.clearRefresh();
    this.emit('failed', { ...f, lost });
  }

  private scheduleRefresh(seconds: number): void {
    this.clearRefresh();
    this.refreshTimer = this.ctx.clock.setTimeout(() => {
      this.refreshTimer = undefined;
      this.register();
    }, seconds * 1000);
  }

  private clearRefresh(): void {
    if (this.refreshTimer !== undefined) this.ctx.clock.clearTimeout(this.refreshTimer);
    this.refreshTimer = undefined;
  }
}

/** A delta-seconds value (RFC 3261 §25.1: 1*DIGIT), else undefined. */
function seconds(v: string | undefined): number | undefined {
  return v !== undefined && /^\s*\d{1,10}\s*$/.test(v) ? Number(v) : undefined;
}

function sameUri(a: string, b: string | undefined): boolean {
  if (b === undefined) return false;
  const norm = (u: string) => u.toLowerCase().replace(/;transport=udp/, '');
  return norm(a) === norm(b);
}
