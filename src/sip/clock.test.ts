import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FakeClock, RealClock } from './clock.js';
import { createTimerConfig, DEFAULT_TIMERS } from './timers.js';

describe('FakeClock', () => {
  test('tick fires due timers in order of due time, then creation, with now() at each due time', () => {
    const clock = new FakeClock(1000);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(`b@${clock.now()}`), 200);
    clock.setTimeout(() => fired.push(`a@${clock.now()}`), 100);
    clock.setTimeout(() => fired.push(`c@${clock.now()}`), 200);
    clock.setTimeout(() => fired.push('late'), 301);
    clock.tick(300);
    assert.deepEqual(fired, ['a@1100', 'b@1200', 'c@1200']);
    assert.equal(clock.now(), 1300);
    assert.equal(clock.pending, 1);
  });

  test('a timer set by a firing timer fires in the same tick when it falls due within it', () => {
    const clock = new FakeClock();
    const fired: number[] = [];
    clock.setTimeout(() => {
      fired.push(clock.now());
      clock.setTimeout(() => fired.push(clock.now()), 50);
    }, 100);
    clock.tick(150);
    assert.deepEqual(fired, [100, 150]);
  });

  test('clearTimeout cancels; clearing twice or after firing is harmless', () => {
    const clock = new FakeClock();
    let fired = 0;
    const h = clock.setTimeout(() => fired++, 10);
    clock.clearTimeout(h);
    clock.clearTimeout(h);
    clock.tick(20);
    assert.equal(fired, 0);
    const h2 = clock.setTimeout(() => fired++, 10);
    clock.tick(10);
    clock.clearTimeout(h2);
    assert.equal(fired, 1);
  });

  test('tickToNext jumps to the next timer', () => {
    const clock = new FakeClock();
    clock.setTimeout(() => undefined, 500);
    assert.equal(clock.tickToNext(), true);
    assert.equal(clock.now(), 500);
    assert.equal(clock.tickToNext(), false);
  });
});

describe('RealClock', () => {
  test('fires a timer and can cancel another', async () => {
    const clock = new RealClock();
    const cancelled = clock.setTimeout(() => assert.fail('cancelled timer fired'), 1);
    clock.clearTimeout(cancelled);
    await new Promise<void>((resolve) => clock.setTimeout(resolve, 1));
  });
});

describe('timers (RFC 3261 Table 4)', () => {
  test('default values', () => {
    assert.equal(DEFAULT_TIMERS.T1, 500);
    assert.equal(DEFAULT_TIMERS.T2, 4000);
    assert.equal(DEFAULT_TIMERS.T4, 5000);
    assert.equal(DEFAULT_TIMERS.B, 32_000);
    assert.equal(DEFAULT_TIMERS.F, 32_000);
    assert.equal(DEFAULT_TIMERS.H, 32_000);
    assert.equal(DEFAULT_TIMERS.D, 32_000);
    assert.equal(DEFAULT_TIMERS.I, 5000);
    assert.equal(DEFAULT_TIMERS.K, 5000);
    assert.equal(DEFAULT_TIMERS.trying, 200);
    assert.ok(Object.isFrozen(DEFAULT_TIMERS));
  });

  test('derived from T1 per stack', () => {
    const t = createTimerConfig({ T1: 100, T2: 400 });
    assert.equal(t.B, 6400);
    assert.equal(t.J, 6400);
    assert.equal(t.E, 100);
    assert.equal(DEFAULT_TIMERS.B, 32_000);
    assert.throws(() => createTimerConfig({ T1: 500, T2: 100 }), RangeError);
  });
});
