// Dropped packets are counted in stats and reported for logs, but a stream of bad packets (50 a second
// from a wrong source, an attacker's junk from random or spoofed addresses) must not become 50 log lines a
// second: the first of each (leg, reason) is reported at once, then at most one summary per interval with
// the count suppressed and one sample source. The source is never part of the key: spoofed sources would
// otherwise each get a line of their own.

import type { Clock } from './media-leg.js';

export type DropListener = (legId: string, reason: string) => void;

interface Seen {
  lastReport: number;
  suppressed: number;
  /** The source of the last suppressed drop, shown in the summary. */
  sample: string | undefined;
}

const from = (source: string | undefined) => (source === undefined ? '' : ` from ${source}`);

export class DropReporter {
  readonly #seen = new Map<string, Seen>();

  constructor(
    readonly listener: DropListener,
    readonly clock: Clock,
    readonly intervalMs = 5000,
  ) {}

  /** @param source where the packet came from (or was sent to), for the log line only */
  report(legId: string, reason: string, source?: string): void {
    const key = `${legId}\u0000${reason}`;
    const now = this.clock.now();
    const entry = this.#seen.get(key);
    if (entry === undefined) {
      if (this.#seen.size > 10_000) this.#seen.clear(); // bounded, whatever the reasons
      this.#seen.set(key, { lastReport: now, suppressed: 0, sample: undefined });
      this.listener(legId, `${reason}${from(source)}`);
      return;
    }
    if (now - entry.lastReport < this.intervalMs) {
      entry.suppressed++;
      entry.sample = source;
      return;
    }
    const more = entry.suppressed;
    const sample = entry.sample;
    entry.lastReport = now;
    entry.suppressed = 0;
    entry.sample = undefined;
    this.listener(
      legId,
      more > 0
        ? `${reason}${from(source)} (and ${more} more since the last report${sample === undefined ? '' : `, e.g. from ${sample}`})`
        : `${reason}${from(source)}`,
    );
  }

  forgetLeg(legId: string): void {
    for (const key of this.#seen.keys()) if (key.startsWith(`${legId}\u0000`)) this.#seen.delete(key);
  }
}
