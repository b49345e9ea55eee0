import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { alawToLinear, decodeG711, encodeG711, linearToAlaw, linearToUlaw, ulawToLinear } from './g711.js';

describe('G.711', () => {
  test('μ-law known values (ITU G.711 Table 2a, Sun g711.c)', () => {
    assert.equal(linearToUlaw(0), 0xff);
    assert.equal(linearToUlaw(-1), 0x7f);
    assert.equal(linearToUlaw(32767), 0x80);
    assert.equal(linearToUlaw(-32768), 0x00);
    assert.equal(ulawToLinear(0xff), 0);
    assert.equal(ulawToLinear(0x7f), 0);
    assert.equal(ulawToLinear(0x80), 32124);
    assert.equal(ulawToLinear(0x00), -32124);
    assert.equal(ulawToLinear(0xef), 132); // segment 1, mantissa 0
  });

  test('A-law known values (ITU G.711 Table 1a, Sun g711.c)', () => {
    assert.equal(linearToAlaw(0), 0xd5);
    assert.equal(linearToAlaw(-8), 0x55);
    assert.equal(linearToAlaw(32767), 0xaa);
    assert.equal(linearToAlaw(-32768), 0x2a);
    assert.equal(alawToLinear(0xd5), 8);
    assert.equal(alawToLinear(0x55), -8);
    assert.equal(alawToLinear(0xaa), 32256);
    assert.equal(alawToLinear(0x2a), -32256);
  });

  test('every code decodes and re-encodes to itself (except μ-law negative zero)', () => {
    for (let b = 0; b < 256; b++) {
      assert.equal(linearToAlaw(alawToLinear(b)), b, `A-law ${b.toString(16)}`);
      if (b !== 0x7f) assert.equal(linearToUlaw(ulawToLinear(b)), b, `μ-law ${b.toString(16)}`);
    }
  });

  test('quantisation error stays within half a step (relative error under 7% above the first segment)', () => {
    for (let s = -32000; s <= 32000; s += 37) {
      for (const [enc, dec] of [
        [linearToUlaw, ulawToLinear],
        [linearToAlaw, alawToLinear],
      ] as const) {
        const back = dec(enc(s));
        assert.ok(Math.abs(back - s) <= Math.max(64, Math.abs(s) * 0.07), `${s} -> ${back}`);
      }
    }
  });

  test('encodeG711/decodeG711 on buffers', () => {
    const pcm = Int16Array.from([0, 1000, -1000, 20000]);
    const out = new Uint8Array(4);
    encodeG711('PCMA', pcm, out);
    const back = decodeG711('PCMA', out);
    assert.deepEqual(
      [...back].map((v, i) => Math.abs(v - (pcm[i] ?? 0)) < 700),
      [true, true, true, true],
    );
  });
});
