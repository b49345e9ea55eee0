// A token bucket: `rate` messages per second on average, bursts of up to `burst`. Time is injected so tests
// do not wait for it.

export type Clock = () => number;

export class RateLimiter {
  readonly #rate: number;
  readonly #burst: number;
  readonly #now: Clock;
  #tokens: number;
  #last: number;

  constructor(opts: { perSecond: number; burst?: number; now?: Clock }) {
    this.#rate = opts.perSecond;
    this.#burst = opts.burst ?? opts.perSecond;
    this.#now = opts.now ?? (() => performance.now());
    this.#tokens = this.#burst;
    this.#last = this.#now();
  }

  /** True when a message may pass now (and takes its token). */
  take(): boolean {
    const now = this.#now();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#last) / 1000) * this.#rate);
    this.#last = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
