// Packet counters for /metrics, fed by the media plane's `stats` events (cumulative per leg, RFC 3550
// §6.4.1 for loss): the last report of each open leg, plus the final report of every closed one. Counters
// never go down: a report lower than the previous one of the same leg (it cannot happen with cumulative
// counts) is ignored for that leg.
import type { LegStats } from '../../media/media-leg.js';
import type { LegPacketCounters } from '../ports.js';

export type LegSide = 'webrtc' | 'rtp';

const zero = (): LegPacketCounters => ({ sent: 0, received: 0, lost: 0 });

function countersOf(stats: LegStats): LegPacketCounters {
  const c = zero();
  for (const s of stats.streams) {
    c.sent += s.packetsSent;
    c.received += s.packetsReceived;
    c.lost += Math.max(0, s.packetsLost);
  }
  return c;
}

export class MediaCounters {
  readonly #open = new Map<string, { side: LegSide; last: LegPacketCounters }>();
  readonly #closed: Record<LegSide, LegPacketCounters> = { webrtc: zero(), rtp: zero() };

  /** A leg whose reports count from now on. */
  track(legId: string, side: LegSide): void {
    if (!this.#open.has(legId)) this.#open.set(legId, { side, last: zero() });
  }

  /** A stats report (the plane's `stats` event, or a last getStats before closing). Unknown legs are not ours. */
  report(stats: LegStats): void {
    const entry = this.#open.get(stats.legId);
    if (!entry) return;
    const c = countersOf(stats);
    entry.last = {
      sent: Math.max(entry.last.sent, c.sent),
      received: Math.max(entry.last.received, c.received),
      lost: Math.max(entry.last.lost, c.lost),
    };
  }

  /** The leg closed: its last report joins the totals of closed legs. Idempotent. */
  untrack(legId: string): void {
    const entry = this.#open.get(legId);
    if (!entry) return;
    this.#open.delete(legId);
    const t = this.#closed[entry.side];
    t.sent += entry.last.sent;
    t.received += entry.last.received;
    t.lost += entry.last.lost;
  }

  totals(): Record<LegSide, LegPacketCounters> {
    const out = { webrtc: { ...this.#closed.webrtc }, rtp: { ...this.#closed.rtp } };
    for (const { side, last } of this.#open.values()) {
      out[side].sent += last.sent;
      out[side].received += last.received;
      out[side].lost += last.lost;
    }
    return out;
  }
}
