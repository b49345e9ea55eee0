import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeNetstrings, encodeNetstring } from './netstring.js';

describe('netstring framing (baresip ctrl_tcp)', () => {
  test('encodes the byte length, not the character length', () => {
    assert.equal(encodeNetstring('{"a":"é"}').toString(), '10:{"a":"é"},');
  });

  test('decodes several frames and keeps an incomplete tail', () => {
    const buf = Buffer.concat([encodeNetstring('one'), encodeNetstring('two'), Buffer.from('5:thr')]);
    const r = decodeNetstrings(buf);
    assert.ok(r.ok);
    assert.deepEqual(
      r.frames.map((f) => f.toString()),
      ['one', 'two'],
    );
    assert.equal(r.rest.toString(), '5:thr');
    const next = decodeNetstrings(Buffer.concat([r.rest, Buffer.from('ee,')]));
    assert.ok(next.ok);
    assert.deepEqual(
      next.frames.map((f) => f.toString()),
      ['three'],
    );
  });

  test('returns an error (never throws) on malformed input', () => {
    for (const bad of ['x:abc,', '3:abcd', '01:a,', '99999999999:', `${2 << 20}:`]) {
      const r = decodeNetstrings(Buffer.from(bad));
      assert.equal(r.ok, false, bad);
    }
  });
});
