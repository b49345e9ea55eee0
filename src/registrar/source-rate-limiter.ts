// A token bucket per source IP address for REGISTER requests (flood protection). Each address may send
// `burst` requests at once and `perSecond` on average. Over the limit, the first request in each
// `rejectIntervalMs` is answered 503 with Retry-After (RFC 3261 §21.5.4), the others are dropped unanswered:
// a well-behaved client learns when to come back, and a flood (possibly with a spoofed UDP source) cannot
// turn the server into a reflector that answers every datagram. Time comes from the injected clock.

import type { Clock } from '../sip/clock.js';
import { type ExemptSources, isExempt } from './exempt-sources.js';

export interface SourceRateLimiterOptions {
  clock: Clock;
  /** Average requests per second per source address. Default 5. */
  perSecond?: number;
  /** Requests a source may send at once. Default 20. */
  burst?: number;
  /** At most one 503 per source in this interval; the rest are dropped. Default 1000 ms. */
  rejectIntervalMs?: number;
  /** Most addresses tracked; the oldest idle ones are forgotten beyond it. Default 10000. */
  maxSources?: number;
  /** Sources (`ip:port`) never limited: the gateway's own SIP listener (exempt-sources.ts). */
  exempt?: ExemptSources;
}

/** What to do with a request: pass it on, answer 503 with Retry-After (seconds), or drop it. */
export type RateDecision = { action: 'pass' } | { action: 'reject'; retryAfter: number } | { action: 'drop' };

interface Bucket {
  tokens: number;
  last: number;
  lastReject: number;
}

export class SourceRateLimiter {
  private readonly clock: Clock;
  private readonly perSecond: number;
  private readonly burst: number;
  private readonly rejectInterval: number;
  private readonly maxSources: number;
  /** Map order is least recently used first. */
  private readonly buckets = new Map<string, Bucket>();
  private limitedCount = 0;
  private readonly exempt: ExemptSources | undefined;

  constructor(opts: SourceRateLimiterOptions) {
    this.clock = opts.clock;
    this.perSecond = opts.perSecond ?? 5;
    this.burst = opts.burst ?? 20;
    this.rejectInterval = opts.rejectIntervalMs ?? 1000;
    this.maxSources = opts.maxSources ?? 10_000;
    this.exempt = opts.exempt;
    if (!(this.perSecond > 0 && this.burst >= 1)) {
      throw new RangeError(`rate limit needs perSecond > 0 and burst >= 1 [${this.perSecond}, ${this.burst}]`);
    }
  }

  /** Requests refused (answered 503 or dropped) since start. */
  get limited(): number {
    return this.limitedCount;
  }

  /** Takes a token for a request from `host` (and `port`: an exempt `ip:port` always passes). */
  take(host: string, port?: number): RateDecision {
    if (isExempt(this.exempt, host, port)) return { action: 'pass' };
    const now = this.clock.now();
    let b = this.buckets.get(host);
    if (b === undefined) {
      b = { tokens: this.burst, last: now, lastReject: Number.NEGATIVE_INFINITY };
      this.evictIfFull();
    } else {
      this.buckets.delete(host);
      b.tokens = Math.min(this.burst, b.tokens + ((now - b.last) / 1000) * this.perSecond);
      b.last = now;
    }
    this.buckets.set(host, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { action: 'pass' };
    }
    this.limitedCount++;
    if (now - b.lastReject < this.rejectInterval) return { action: 'drop' };
    b.lastReject = now;
    return { action: 'reject', retryAfter: Math.max(1, Math.ceil((1 - b.tokens) / this.perSecond)) };
  }

  private evictIfFull(): void {
    while (this.buckets.size >= this.maxSources) {
      const oldest = this.buckets.keys().next();
      if (oldest.done === true) return;
      this.buckets.delete(oldest.value);
    }
  }
}
