// RFC 4028 session timers. The refresher sends a session refresh (UPDATE or re-INVITE) before the interval
// ends (§10: "at half the session expiration"); the other side, if no refresh comes, sends BYE "at the
// session expiration minus the minimum of 32 seconds and one third of the session interval" (§10).
import type { TimerHandle } from '../clock.js';
import type { SipRequest } from '../message/message.js';
import type { UaContext } from './context.js';

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
      this.interval = se.interval;
      // In the peer's request, uac is the peer.
      if (se.refresher !== undefined) this.refresher = se.refresher === 'uac' ? 'remote' : 'local';
    }
    this.schedule();
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
