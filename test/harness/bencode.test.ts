import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bdecode, bencode } from './bencode.js';

/** Decoded dictionaries have no prototype; compare them as plain data. */
const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v));

describe('bencode', () => {
  test('encodes an NG request with sorted keys, UTF-8 lengths, integers and lists', () => {
    const encoded = bencode({ sdp: 'v=0 é', command: 'offer', flags: ['trust-address'], n: -3 });
    assert.equal(encoded.toString(), 'd7:command5:offer5:flagsl13:trust-addresse1:ni-3e3:sdp6:v=0 ée');
  });

  test('decodes what it encodes', () => {
    const value = { result: 'ok', totals: { packets: 12, list: ['a', 1, []] } };
    assert.deepEqual(plain(bdecode(bencode(value))), { ok: true, value });
  });

  test("decodes rtpengine's pong", () => {
    assert.deepEqual(plain(bdecode(Buffer.from('d6:result4:ponge'))), { ok: true, value: { result: 'pong' } });
  });

  test('malformed input is an error result, not a throw', () => {
    for (const bad of ['', 'd', 'i12', 'ixe', '5:abc', 'd1:ae', 'di1e1:ae', 'le1:x', 'x']) {
      const r = bdecode(Buffer.from(bad));
      assert.equal(r.ok, false, bad);
      if (!r.ok) assert.equal(r.code, 'BENCODE_INVALID');
    }
  });

  test('a key named __proto__ is an ordinary key', () => {
    const r = bdecode(Buffer.from('d9:__proto__d1:xi1eee'));
    assert.ok(r.ok);
    if (r.ok && typeof r.value === 'object' && !Array.isArray(r.value)) {
      assert.deepEqual(Object.keys(r.value), ['__proto__']);
      assert.equal(Object.getPrototypeOf(r.value), null);
    }
  });
});
