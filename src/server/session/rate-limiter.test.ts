import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RateLimiter } from './rate-limiter.js';

test('a burst passes, the next message is refused, and tokens come back with time', () => {
  let now = 0;
  const limiter = new RateLimiter({ perSecond: 10, burst: 3, now: () => now });
  assert.deepEqual([limiter.take(), limiter.take(), limiter.take(), limiter.take()], [true, true, true, false]);
  now += 100; // 10 per second: one token per 100 ms
  assert.equal(limiter.take(), true);
  assert.equal(limiter.take(), false);
  now += 10_000; // never more than the burst
  assert.deepEqual([limiter.take(), limiter.take(), limiter.take(), limiter.take()], [true, true, true, false]);
});
