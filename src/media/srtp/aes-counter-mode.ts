// RFC 3711 §4.1.1 AES in counter mode (AES-CM) for SRTP/SRTCP payloads: keystream block j is
// AES_k(IV + j), XORed onto the payload. The block cipher is node:crypto's AES-128 (OpenSSL), one
// long-lived context per session key: node:crypto cannot re-key a CTR context with a new IV, and
// creating one per packet cost more than the encryption itself (bench/media/srtp.bench.ts). The
// output is byte-for-byte node:crypto's own aes-128-ctr (aes-counter-mode.test.ts checks it).

import { type Cipher, createCipheriv } from 'node:crypto';

const BLOCK = 16;

export class AesCounterMode {
  readonly #aes: Cipher;
  #counters = Buffer.alloc(BLOCK * 96);

  constructor(key: Buffer) {
    this.#aes = createCipheriv('aes-128-ecb', key, null);
    this.#aes.setAutoPadding(false);
  }

  /**
   * Writes `input` XOR keystream(iv) into `out` at `offset`. SRTP IVs end in 16 zero bits (§4.1.1:
   * everything is shifted left by 16), so the block counter only ever touches the last two bytes.
   */
  xor(iv: Buffer, input: Buffer, out: Buffer, offset: number): void {
    const blocks = Math.ceil(input.length / BLOCK);
    if (blocks === 0) return;
    if (blocks * BLOCK > this.#counters.length) this.#counters = Buffer.alloc(blocks * BLOCK);
    const counters = this.#counters;
    const low = ((iv[14] ?? 0) << 8) | (iv[15] ?? 0);
    // Plain byte loops: Buffer#copy and writeUInt16BE per 16-byte block cost more than the AES.
    for (let j = 0, at = 0; j < blocks; j++, at += BLOCK) {
      for (let b = 0; b < 14; b++) counters[at + b] = iv[b] ?? 0;
      const c = (low + j) & 0xffff;
      counters[at + 14] = c >>> 8;
      counters[at + 15] = c & 0xff;
    }
    const keystream = this.#aes.update(counters.subarray(0, blocks * BLOCK));
    for (let i = 0; i < input.length; i++) out[offset + i] = (input[i] ?? 0) ^ (keystream[i] ?? 0);
  }
}
