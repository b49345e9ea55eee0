import assert from 'node:assert/strict';
import { createCipheriv } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { AesCounterMode } from './aes-counter-mode.js';

test('RFC 3711 B.2: the AES-CM keystream of the appendix key and IV', () => {
  const cm = new AesCounterMode(Buffer.from('2B7E151628AED2A6ABF7158809CF4F3C', 'hex'));
  const iv = Buffer.from('F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000', 'hex');
  const out = Buffer.alloc(48);
  cm.xor(iv, Buffer.alloc(48), out, 0);
  assert.equal(
    out.toString('hex').toUpperCase(),
    'E03EAD0935C95E80E166B16DD92B4EB4D23513162B02D0F72A43A2FE4A5F97AB41E95B3BB0A2E8DD477901E4FCA894C0',
  );
});

test('byte for byte what node:crypto aes-128-ctr gives, for any key, SRTP IV and length', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 16, maxLength: 16 }),
      fc.uint8Array({ minLength: 14, maxLength: 14 }),
      fc.uint8Array({ maxLength: 2000 }),
      fc.nat(32),
      (key, iv14, input, offset) => {
        const iv = Buffer.concat([Buffer.from(iv14), Buffer.alloc(2)]);
        const cm = new AesCounterMode(Buffer.from(key));
        const out = Buffer.alloc(offset + input.length);
        cm.xor(iv, Buffer.from(input), out, offset);
        const expected = createCipheriv('aes-128-ctr', Buffer.from(key), iv).update(Buffer.from(input));
        assert.deepEqual(out.subarray(offset), expected);
        // The context is reused: a second call with the same IV gives the same bytes.
        const again = Buffer.alloc(input.length);
        cm.xor(iv, Buffer.from(input), again, 0);
        assert.deepEqual(again, expected);
      },
    ),
    { numRuns: 300 },
  );
});
