// RFC 3711 §4.3: the SRTP key derivation function, with a key derivation rate of 0 (the only one
// DTLS-SRTP and the SDES suites Parley accepts use). The PRF is AES in counter mode (§4.3.3), here
// node:crypto's aes-128-ctr; RFC 7714 §11 keeps the same KDF for AES-GCM, its 12-byte master salt
// padded with zeros (as libsrtp does).

import { createCipheriv } from 'node:crypto';
import type { SrtpProfile } from './srtp-profile.js';

/** §4.3.1 key derivation labels. */
const LABEL = { rtpKey: 0, rtpAuth: 1, rtpSalt: 2, rtcpKey: 3, rtcpAuth: 4, rtcpSalt: 5 } as const;

/** The session keys of one direction of one protocol (SRTP or SRTCP). */
export interface SessionKeys {
  key: Buffer;
  /** n_s bits of session salt: 14 bytes for AES-CM, 12 for AES-GCM. */
  salt: Buffer;
  /** HMAC-SHA1 key (n_a = 160 bits); empty for AEAD profiles. */
  auth: Buffer;
}

/** §4.3.1: x = key_id XOR master_salt, key_id = label || r (r = 0 with kdr = 0); PRF_n(k_master, x). */
function derive(masterKey: Buffer, masterSalt: Buffer, label: number, length: number): Buffer {
  const iv = Buffer.alloc(16);
  masterSalt.copy(iv, 0, 0, 14);
  // key_id is 56 bits, right-aligned with the 112-bit salt: the label is its first byte.
  iv[7] = (iv[7] ?? 0) ^ label;
  return createCipheriv('aes-128-ctr', masterKey, iv).update(Buffer.alloc(length));
}

export function deriveSessionKeys(
  profile: SrtpProfile,
  masterKey: Buffer,
  masterSalt: Buffer,
): { srtp: SessionKeys; srtcp: SessionKeys } {
  const authLength = profile.aead ? 0 : 20;
  const keys = (k: number, a: number, s: number): SessionKeys => ({
    key: derive(masterKey, masterSalt, k, profile.keyLength),
    salt: derive(masterKey, masterSalt, s, profile.saltLength),
    auth: authLength === 0 ? Buffer.alloc(0) : derive(masterKey, masterSalt, a, authLength),
  });
  return {
    srtp: keys(LABEL.rtpKey, LABEL.rtpAuth, LABEL.rtpSalt),
    srtcp: keys(LABEL.rtcpKey, LABEL.rtcpAuth, LABEL.rtcpSalt),
  };
}
