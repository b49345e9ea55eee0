// Failed digest authentications per source IP address, for every method (REGISTER, INVITE, MESSAGE...): a
// password guesser is limited to `maxFailures` wrong answers, then to one more each `windowMs / maxFailures`
// (a leaky bucket). While an address is over the limit its requests that need authentication are answered
// 503 with Retry-After (RFC 3261 §21.5.4) WITHOUT checking the credentials, so a guess made then teaches
// nothing even when it is right. Correct credentials never count: a client that knows its password is never
// slowed. Time comes from the injected clock.

import type { Clock } from '../sip/clock.js';
import { type ExemptSources, isExempt } from './exempt-sources.js';

export interface AuthFailureLimiterOptions {
  clock: Clock;
  /** Wrong answers an address may give before it must wait. Default 10. */
  maxFailures?: number;
  /** The time in which `maxFailures` failures are forgiven (leak rate maxFailures / windowMs). Default 10 min. */
  windowMs?: number;
  /** Most addresses tracked; the least recently failing ones are forgotten beyond it. Default 10000. */
  maxSources?: number;
  /** Sources (`ip:port`) never limited: the gateway's own SIP listener (exempt-sources.ts). */
  exempt?: ExemptSources;
}

interface Bucket {
  level: number;
  last: number;
}

export class AuthFailureLimiter {
  private readonly clock: Clock;
  private readonly max: number;
  private readonly leakPerMs: number;
  private readonly maxSources: number;
  /** Map order is least recently failing first. */
  private readonly buckets = new Map<string, Bucket>();
  private refusedCount = 0;
  private readonly exempt: ExemptSources | undefined;

  constructor(opts: AuthFailureLimiterOptions) {
    this.clock = opts.clock;
    this.max = opts.maxFailures ?? 10;
    const window = opts.windowMs ?? 600_000;
    this.maxSources = opts.maxSources ?? 10_000;
    this.exempt = opts.exempt;
    if (!(this.max >= 1 && window > 0)) {
      throw new RangeError(`auth failure limit needs maxFailures >= 1 and windowMs > 0 [${this.max}, ${window}]`);
    }
    this.leakPerMs = this.max / window;
  }

  /** Requests refused unchecked since start. */
  get refused(): number {
    return this.refusedCount;
  }

  /** Seconds to wait when `host` is over the limit (its request is then refused unchecked), else undefined. */
  check(host: string, port?: number): number | undefined {
    if (isExempt(this.exempt, host, port)) return undefined;
    const b = this.current(host);
    if (b === undefined || b.level + 1 <= this.max) return undefined;
    this.refusedCount++;
    return Math.max(1, Math.ceil((b.level + 1 - this.max) / this.leakPerMs / 1000));
  }

  /** One wrong password or unknown user from `host`. */
  fail(host: string, port?: number): void {
    if (isExempt(this.exempt, host, port)) return;
    const b = this.current(host) ?? { level: 0, last: this.clock.now() };
    b.level += 1;
    this.buckets.delete(host);
    while (this.buckets.size >= this.maxSources) {
      const oldest = this.buckets.keys().next();
      if (oldest.done === true) break;
      this.buckets.delete(oldest.value);
    }
    this.buckets.set(host, b);
  }

  /** The bucket of `host` drained to now; forgotten once empty. */
  private current(host: string): Bucket | undefined {
    const b = this.buckets.get(host);
    if (b === undefined) return undefined;
    const now = this.clock.now();
    b.level = Math.max(0, b.level - (now - b.last) * this.leakPerMs);
    b.last = now;
    if (b.level === 0) {
      this.buckets.delete(host);
      return undefined;
    }
    return b;
  }
}
