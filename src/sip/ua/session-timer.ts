// RFC 4028 session timers. The refresher sends a session refresh (UPDATE or re-INVITE) before the interval
// ends (§10: "at half the session expiration"); the other side, if no refresh comes, sends BYE "at the
// session expiration minus the minimum of 32 seconds and one third of the session interval" (§10).
import type { TimerHandle } from '../clock.js';
import type { SipRequest } from '../message/message.js';
import type { UaContext } from './context.js';

/**
 * The longest session interval we run, in seconds. A peer may ask for up to 10 digits, but a Node timer of more
 * than 2^31-1 ms fires at once, which would make the refresher send a refresh every millisecond. RFC 4028 §9:
 * the UAS may lower the interval it was offered (not below Min-SE), so we answer with this value instead.
 */
export const MAX_SESSION_EXPIRES = 86_400;

/** The interval we use for a peer-supplied one: at most MAX_SESSION_EXPIRES. */
export function clampSessionInterval(interval: number): number {
  return Number.isFinite(interval) ? Math.min(interval, MAX_SESSION_EXPIRES) : MAX_SESSION_EXPIRES;
}

export interface SessionTimerCallbacks {
  refresh(): void;
  expired(): void;
}

/** Reads `Session-Expires: 1800;refresher=uac` (RFC 4028 §4). */
export function parseSessionExpires(
  v: string | undefined,
): { interval: number; refresher?: 'uac' | 'uas' } | undefined {
  if (v === undefined) return undefined;
  const m = /^\s*(\d{1,10})\s*((?:;.*)?)$/.exec(v);
  if (m === null) return undefined;
  const r = /;\s*refresher\s*=\s*(uac|uas)/i.exec(m[2] ?? '')?.[1]?.toLowerCase() as 'uac' | 'uas' | undefined;
  return r === undefined ? { interval: Number(m[1]) } : { interval: Number(m[1]), refresher: r };
}

export class SessionTimer {
  private timer: TimerHandle | undefined;

  constructor(
    private readonly ctx: UaContext,
    private interval: number,
    private refresher: 'local' | 'remote',
    private readonly cb: SessionTimerCallbacks,
  ) {
    this.interval = clampSessionInterval(interval);
    this.schedule();
  }

  /** The Session-Expires value we send, in a request of ours or in our response to the peer's request. */
  headerValue(inResponse: boolean): string {
    const localIsUac = !inResponse;
    const who = this.refresher === 'local' ? (localIsUac ? 'uac' : 'uas') : localIsUac ? 'uas' : 'uac';
    return `${this.interval};refresher=${who}`;
  }

  /** Our refresh succeeded. */
  refreshed(): void {
    this.schedule();
  }

  /** The peer sent a re-INVITE or UPDATE: a refresh, possibly with a new interval (§9). */
  receivedRefresh(req: SipRequest): void {
    const se = parseSessionExpires(req.headers.get('Session-Expires'));
    if (se !== undefined && se.interval >= 90) {
      this.interval = clampSessionInterval(se.interval);
      // In the peer's request, uac is the peer.
      if (se.refresher !== undefined) this.refresher = se.refresher === 'uac' ? 'remote' : 'local';
    }
    this.schedule();
  }

  /** The interval in force, in seconds. */
  get seconds(): number {
    return this.interval;
  }

  stop(): void {
    if (this.timer !== undefined) this.ctx.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    this.stop();
    const s = this.interval;
    if (this.refresher === 'local') {
      this.timer = this.ctx.clock.setTimeout(() => this.cb.refresh(), (s / 2) * 1000);
    } else {
      this.timer = this.ctx.clock.setTimeout(() => this.cb.expired(), (s - Math.min(32, s / 3)) * 1000);
    }
  }
}
