import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FakeClock } from '../sip/clock.js';
import { SourceRateLimiter } from './source-rate-limiter.js';

describe('SourceRateLimiter (token bucket per source address)', () => {
  test('an exempt ip:port (the gateway) always passes; the same IP from another port is limited', () => {
    const limiter = new SourceRateLimiter({
      clock: new FakeClock(),
      burst: 2,
      perSecond: 1,
      exempt: ['127.0.0.1:5070'],
    });
    for (let i = 0; i < 50; i++) assert.deepEqual(limiter.take('127.0.0.1', 5070), { action: 'pass' });
    limiter.take('127.0.0.1', 40000);
    limiter.take('127.0.0.1', 40000);
    assert.equal(limiter.take('127.0.0.1', 40000).action, 'reject');
  });

  test('a burst passes, then one 503 with Retry-After per interval and drops in between', () => {
    const clock = new FakeClock();
    const limiter = new SourceRateLimiter({ clock, perSecond: 2, burst: 3, rejectIntervalMs: 1000 });
    const take = () => limiter.take('192.0.2.1').action;
    assert.deepEqual([take(), take(), take()], ['pass', 'pass', 'pass']);
    const over = limiter.take('192.0.2.1');
    assert.deepEqual(over, { action: 'reject', retryAfter: 1 });
    assert.deepEqual([take(), take()], ['drop', 'drop']);
    assert.equal(limiter.limited, 3);
    clock.tick(500); // one token back at 2/s
    assert.equal(take(), 'pass');
    assert.equal(take(), 'drop', 'the interval since the last 503 has not passed');
    clock.tick(500);
    assert.equal(take(), 'pass');
    assert.equal(limiter.take('192.0.2.1').action, 'reject');
  });

  test('another address has its own bucket', () => {
    const clock = new FakeClock();
    const limiter = new SourceRateLimiter({ clock, perSecond: 1, burst: 1 });
    assert.equal(limiter.take('192.0.2.1').action, 'pass');
    assert.equal(limiter.take('192.0.2.1').action, 'reject');
    assert.equal(limiter.take('192.0.2.2').action, 'pass');
  });

  test('the bucket refills to the burst and no further', () => {
    const clock = new FakeClock();
    const limiter = new SourceRateLimiter({ clock, perSecond: 10, burst: 2 });
    limiter.take('a');
    limiter.take('a');
    clock.tick(60_000);
    assert.deepEqual(
      [limiter.take('a').action, limiter.take('a').action, limiter.take('a').action],
      ['pass', 'pass', 'reject'],
    );
  });

  test('memory is bounded: beyond maxSources the least recently seen address is forgotten', () => {
    const clock = new FakeClock();
    const limiter = new SourceRateLimiter({ clock, perSecond: 1, burst: 1, maxSources: 2 });
    limiter.take('a');
    limiter.take('b');
    limiter.take('c'); // forgets a
    assert.equal(limiter.take('a').action, 'pass', 'a starts with a full bucket again');
    assert.equal(limiter.take('c').action, 'reject');
  });
});
