import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { REPLAY_WINDOW_SIZE, ReplayWindow } from './replay-window.js';

test('the replay window agrees with a plain model on any sequence of indices', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 300 }), (indices) => {
      const w = new ReplayWindow();
      const seen = new Set<number>();
      let highest = -1;
      for (const i of indices) {
        const expected = !seen.has(i) && (i > highest || highest - i < REPLAY_WINDOW_SIZE);
        assert.equal(w.check(i), expected, `index ${i} after highest ${highest}`);
        if (expected) {
          w.accept(i);
          seen.add(i);
          highest = Math.max(highest, i);
        }
      }
    }),
  );
});

test('large jumps clear the window', () => {
  const w = new ReplayWindow();
  w.accept(5);
  w.accept(1_000_000);
  assert.equal(w.check(5), false, 'far behind');
  assert.equal(w.check(999_999), true);
  assert.equal(w.check(1_000_000), false);
  assert.equal(w.check(1_000_000 - 63), true);
  assert.equal(w.check(1_000_000 - 64), false);
});
