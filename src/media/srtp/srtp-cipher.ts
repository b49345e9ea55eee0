// The per-packet transforms of SRTP and SRTCP: one AES-GCM operation, or AES-CM from a long-lived AES
// context (aes-counter-mode.ts) plus one HMAC-SHA1:
//   AES_CM_128_HMAC_SHA1_80 (RFC 3711 §4.1.1 counter-mode IV, §4.2.1 HMAC-SHA1 over the packet and ROC)
//   AEAD_AES_128_GCM        (RFC 7714 §8 SRTP and §9 SRTCP: 12-byte IV, header as AAD, 16-byte tag)
// Indices (ROC, SEQ, SRTCP index) and replay protection belong to the caller (srtp-session.ts).

import { createCipheriv, createDecipheriv, createHmac, timingSafeEqual } from 'node:crypto';
import { AesCounterMode } from './aes-counter-mode.js';
import type { SessionKeys } from './key-derivation.js';
import type { SrtpProfile } from './srtp-profile.js';

/** RFC 3711 §3.4: the E flag and the 31-bit SRTCP index trail every SRTCP packet. */
export const SRTCP_INDEX_LENGTH = 4;
const E_FLAG = 0x80000000;

export class SrtpCipher {
  readonly #aead: boolean;
  readonly #tag: number;
  /** Scratch IVs: node:crypto copies the IV when a cipher is created. */
  readonly #iv: Buffer;
  readonly #word = Buffer.alloc(4);
  /** AES-CM keystream generators, one per session key (unused by AEAD profiles). */
  readonly #rtpCm: AesCounterMode;
  readonly #rtcpCm: AesCounterMode;

  constructor(
    profile: SrtpProfile,
    readonly rtp: SessionKeys,
    readonly rtcp: SessionKeys,
  ) {
    this.#aead = profile.aead;
    this.#tag = profile.tagLength;
    this.#iv = Buffer.alloc(profile.aead ? 12 : 16);
    this.#rtpCm = new AesCounterMode(rtp.key);
    this.#rtcpCm = new AesCounterMode(rtcp.key);
  }

  /** `packet` is plain RTP with a `headerLength`-byte header; returns header || ciphertext || tag. */
  encryptRtp(packet: Buffer, headerLength: number, ssrc: number, roc: number, seq: number): Buffer {
    const out = Buffer.allocUnsafe(packet.length + this.#tag);
    packet.copy(out, 0, 0, headerLength);
    const payload = packet.subarray(headerLength);
    const iv = this.#rtpIv(ssrc, roc, seq);
    if (this.#aead) {
      const cipher = createCipheriv('aes-128-gcm', this.rtp.key, iv, { authTagLength: 16 });
      cipher.setAAD(out.subarray(0, headerLength));
      cipher.update(payload).copy(out, headerLength);
      cipher.final();
      cipher.getAuthTag().copy(out, packet.length);
      return out;
    }
    this.#rtpCm.xor(iv, payload, out, headerLength);
    this.#hmac(this.rtp.auth, out.subarray(0, packet.length), roc).copy(out, packet.length, 0, this.#tag);
    return out;
  }

  /** Returns the plain RTP packet, or undefined when authentication fails. */
  decryptRtp(packet: Buffer, headerLength: number, ssrc: number, roc: number, seq: number): Buffer | undefined {
    const end = packet.length - this.#tag;
    const iv = this.#rtpIv(ssrc, roc, seq);
    const out = Buffer.allocUnsafe(end);
    packet.copy(out, 0, 0, headerLength);
    if (this.#aead) {
      const decipher = createDecipheriv('aes-128-gcm', this.rtp.key, iv, { authTagLength: 16 });
      decipher.setAAD(packet.subarray(0, headerLength));
      decipher.setAuthTag(packet.subarray(end));
      decipher.update(packet.subarray(headerLength, end)).copy(out, headerLength);
      return this.#final(decipher) ? out : undefined;
    }
    const expected = this.#hmac(this.rtp.auth, packet.subarray(0, end), roc);
    if (!timingSafeEqual(expected.subarray(0, this.#tag), packet.subarray(end))) return undefined;
    this.#rtpCm.xor(iv, packet.subarray(headerLength, end), out, headerLength);
    return out;
  }

  /** Plain compound RTCP → SRTCP with E = 1 and `index` (RFC 3711 §3.4, RFC 7714 §9). */
  encryptRtcp(packet: Buffer, ssrc: number, index: number): Buffer {
    const out = Buffer.allocUnsafe(packet.length + SRTCP_INDEX_LENGTH + this.#tag);
    packet.copy(out, 0, 0, 8);
    const iv = this.#rtcpIv(ssrc, index);
    const trailer = (E_FLAG | index) >>> 0;
    if (this.#aead) {
      // §9.2: header || ciphertext || tag || E+index; the AAD is the 8-byte header and E+index.
      out.writeUInt32BE(trailer, packet.length + this.#tag);
      const cipher = createCipheriv('aes-128-gcm', this.rtcp.key, iv, { authTagLength: 16 });
      cipher.setAAD(Buffer.concat([packet.subarray(0, 8), out.subarray(packet.length + this.#tag)]));
      cipher.update(packet.subarray(8)).copy(out, 8);
      cipher.final();
      cipher.getAuthTag().copy(out, packet.length);
      return out;
    }
    this.#rtcpCm.xor(iv, packet.subarray(8), out, 8);
    out.writeUInt32BE(trailer, packet.length);
    const authenticated = out.subarray(0, packet.length + SRTCP_INDEX_LENGTH);
    createHmac('sha1', this.rtcp.auth).update(authenticated).digest().copy(out, authenticated.length, 0, this.#tag);
    return out;
  }

  /**
   * SRTCP → plain compound RTCP, or undefined when authentication fails. The caller has read the
   * trailer (`encrypted` is its E flag) and checked the packet is long enough.
   */
  decryptRtcp(packet: Buffer, ssrc: number, index: number, encrypted: boolean): Buffer | undefined {
    const iv = this.#rtcpIv(ssrc, index);
    if (this.#aead) {
      const trailerAt = packet.length - SRTCP_INDEX_LENGTH;
      const tagAt = trailerAt - this.#tag;
      const trailer = packet.subarray(trailerAt);
      const decipher = createDecipheriv('aes-128-gcm', this.rtcp.key, iv, { authTagLength: 16 });
      decipher.setAuthTag(packet.subarray(tagAt, trailerAt));
      if (!encrypted) {
        // §9.3: unencrypted SRTCP authenticates the whole packet as AAD.
        decipher.setAAD(Buffer.concat([packet.subarray(0, tagAt), trailer]));
        return this.#final(decipher) ? Buffer.from(packet.subarray(0, tagAt)) : undefined;
      }
      decipher.setAAD(Buffer.concat([packet.subarray(0, 8), trailer]));
      const out = Buffer.allocUnsafe(tagAt);
      packet.copy(out, 0, 0, 8);
      decipher.update(packet.subarray(8, tagAt)).copy(out, 8);
      return this.#final(decipher) ? out : undefined;
    }
    const tagAt = packet.length - this.#tag;
    const end = tagAt - SRTCP_INDEX_LENGTH;
    const expected = createHmac('sha1', this.rtcp.auth).update(packet.subarray(0, tagAt)).digest();
    if (!timingSafeEqual(expected.subarray(0, this.#tag), packet.subarray(tagAt))) return undefined;
    const out = Buffer.allocUnsafe(end);
    packet.copy(out, 0, 0, encrypted ? 8 : end);
    if (encrypted) this.#rtcpCm.xor(iv, packet.subarray(8, end), out, 8);
    return out;
  }

  /** RFC 3711 §4.2.1: HMAC-SHA1(k_a, authenticated portion || ROC). */
  #hmac(key: Buffer, authenticated: Buffer, roc: number): Buffer {
    this.#word.writeUInt32BE(roc >>> 0);
    return createHmac('sha1', key).update(authenticated).update(this.#word).digest();
  }

  /** GCM's final() throws when the tag does not match: that is an authentication failure, not a bug. */
  #final(decipher: ReturnType<typeof createDecipheriv>): boolean {
    try {
      decipher.final();
      return true;
    } catch {
      return false;
    }
  }

  /** AES-CM: (k_s·2^16) ⊕ (SSRC·2^64) ⊕ (i·2^16), i = ROC||SEQ. GCM (RFC 7714 §8.1): 00 00 SSRC ROC SEQ ⊕ k_s. */
  #rtpIv(ssrc: number, roc: number, seq: number): Buffer {
    const iv = this.#iv;
    const salt = this.rtp.salt;
    iv.fill(0);
    iv.writeUInt32BE(ssrc >>> 0, 2 + (this.#aead ? 0 : 2));
    iv.writeUInt32BE(roc >>> 0, this.#aead ? 6 : 8);
    iv.writeUInt16BE(seq, this.#aead ? 10 : 12);
    for (let i = 0; i < salt.length; i++) iv[i] = (iv[i] ?? 0) ^ (salt[i] ?? 0);
    return iv;
  }

  /** AES-CM: as RTP with i = the SRTCP index. GCM (RFC 7714 §9.1): 00 00 SSRC 00 00 index ⊕ k_s. */
  #rtcpIv(ssrc: number, index: number): Buffer {
    const iv = this.#iv;
    const salt = this.rtcp.salt;
    iv.fill(0);
    iv.writeUInt32BE(ssrc >>> 0, this.#aead ? 2 : 4);
    iv.writeUInt32BE(index >>> 0, this.#aead ? 8 : 10);
    for (let i = 0; i < salt.length; i++) iv[i] = (iv[i] ?? 0) ^ (salt[i] ?? 0);
    return iv;
  }
}
