import assert from 'node:assert/strict';
import { test } from 'node:test';
import { linearToUlaw, ulawToLinear } from './g711.js';

test('G.711 μ-law: known code points and a round trip within the quantisation step', () => {
  assert.equal(linearToUlaw(0), 0xff);
  assert.equal(linearToUlaw(-1), 0x7f);
  assert.equal(ulawToLinear(0xff), 0);
  assert.equal(ulawToLinear(0x80), 32124);
  assert.equal(ulawToLinear(0x00), -32124);
  for (const x of [-30000, -1000, -10, 5, 100, 2000, 31000]) {
    const y = ulawToLinear(linearToUlaw(x));
    assert.ok(Math.abs(y - x) <= Math.max(8, Math.abs(x) / 16), `${x} → ${y}`);
  }
});
