// Dropped packets are counted in stats and reported for logs, but a stream of bad packets (50 a second
// from a wrong source, an attacker's junk) must not become 50 log lines a second: the first of each
// (leg, reason) is reported at once, then at most one summary per interval with the count suppressed.

import type { Clock } from './media-leg.js';

export type DropListener = (legId: string, reason: string) => void;

export class DropReporter {
  readonly #seen = new Map<string, { lastReport: number; suppressed: number }>();

  constructor(
    readonly listener: DropListener,
    readonly clock: Clock,
    readonly intervalMs = 5000,
  ) {}

  report(legId: string, reason: string): void {
    const key = `${legId}\u0000${reason}`;
    const now = this.clock.now();
    const entry = this.#seen.get(key);
    if (entry === undefined) {
      if (this.#seen.size > 10_000) this.#seen.clear(); // bounded: reasons carry addresses
      this.#seen.set(key, { lastReport: now, suppressed: 0 });
      this.listener(legId, reason);
      return;
    }
    if (now - entry.lastReport < this.intervalMs) {
      entry.suppressed++;
      return;
    }
    const more = entry.suppressed;
    entry.lastReport = now;
    entry.suppressed = 0;
    this.listener(legId, more > 0 ? `${reason} (and ${more} more since the last report)` : reason);
  }

  forgetLeg(legId: string): void {
    for (const key of this.#seen.keys()) if (key.startsWith(`${legId}\u0000`)) this.#seen.delete(key);
  }
}
