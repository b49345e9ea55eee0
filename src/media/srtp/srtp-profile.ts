// SRTP protection profiles Parley speaks, on both legs: DTLS-SRTP toward the browser (RFC 5764 §4.1.2
// profile ids) and SDES toward SIP devices (RFC 4568 §6.2 and RFC 7714 §14.2 suite names).

export interface SrtpProfile {
  /** RFC 5764 §4.1.2 / RFC 7714 §14.2 DTLS-SRTP protection profile id. */
  id: number;
  /** RFC 4568 crypto-suite name (a=crypto). */
  name: 'AES_CM_128_HMAC_SHA1_80' | 'AEAD_AES_128_GCM';
  /** Master key and master salt lengths, in bytes. */
  keyLength: number;
  saltLength: number;
  /** Authentication tag length on SRTP and SRTCP packets, in bytes. */
  tagLength: number;
  /** AEAD (RFC 7714): one AES-GCM operation encrypts and authenticates. */
  aead: boolean;
}

/** In Parley's order of preference. */
export const SRTP_PROFILES: readonly SrtpProfile[] = [
  { id: 0x0001, name: 'AES_CM_128_HMAC_SHA1_80', keyLength: 16, saltLength: 14, tagLength: 10, aead: false },
  { id: 0x0007, name: 'AEAD_AES_128_GCM', keyLength: 16, saltLength: 12, tagLength: 16, aead: true },
];

export const srtpProfileById = (id: number): SrtpProfile | undefined => SRTP_PROFILES.find((p) => p.id === id);
export const srtpProfileByName = (name: string): SrtpProfile | undefined => SRTP_PROFILES.find((p) => p.name === name);
