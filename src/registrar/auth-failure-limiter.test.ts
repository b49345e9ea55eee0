import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FakeClock } from '../sip/clock.js';
import { AuthFailureLimiter } from './auth-failure-limiter.js';

describe('AuthFailureLimiter (failed authentications per source address)', () => {
  test('an exempt ip:port (the gateway) is never limited; the same IP from another port is', () => {
    const clock = new FakeClock();
    let exempt: string[] = [];
    const limiter = new AuthFailureLimiter({ clock, maxFailures: 2, exempt: () => exempt });
    exempt = ['127.0.0.1:5070', '[::1]:5070'];
    for (let i = 0; i < 10; i++) limiter.fail('127.0.0.1', 5070);
    assert.equal(limiter.check('127.0.0.1', 5070), undefined);
    for (let i = 0; i < 10; i++) limiter.fail('::1', 5070);
    assert.equal(limiter.check('::1', 5070), undefined);
    for (let i = 0; i < 2; i++) limiter.fail('127.0.0.1', 40000);
    assert.notEqual(limiter.check('127.0.0.1', 40000), undefined);
  });

  test('after maxFailures an address waits; one more try per windowMs / maxFailures', () => {
    const clock = new FakeClock();
    const limiter = new AuthFailureLimiter({ clock, maxFailures: 3, windowMs: 3000 });
    for (let i = 0; i < 3; i++) {
      assert.equal(limiter.check('192.0.2.1'), undefined, `try ${i + 1} is checked`);
      limiter.fail('192.0.2.1');
    }
    assert.equal(limiter.check('192.0.2.1'), 1, 'the fourth waits 1 s (one failure leaks per second)');
    assert.equal(limiter.check('192.0.2.2'), undefined, 'another address is not concerned');
    clock.tick(999);
    assert.equal(limiter.check('192.0.2.1'), 1);
    clock.tick(1);
    assert.equal(limiter.check('192.0.2.1'), undefined);
    limiter.fail('192.0.2.1');
    assert.equal(limiter.check('192.0.2.1'), 1);
    assert.equal(limiter.refused, 3);
    clock.tick(3000);
    assert.equal(limiter.check('192.0.2.1'), undefined, 'all forgiven after the window');
  });

  test('beyond maxSources the least recently failing address is forgotten', () => {
    const clock = new FakeClock();
    const limiter = new AuthFailureLimiter({ clock, maxFailures: 1, windowMs: 60_000, maxSources: 2 });
    limiter.fail('192.0.2.1');
    limiter.fail('192.0.2.2');
    limiter.fail('192.0.2.3');
    assert.equal(limiter.check('192.0.2.1'), undefined);
    assert.ok((limiter.check('192.0.2.3') ?? 0) > 0);
  });
});
