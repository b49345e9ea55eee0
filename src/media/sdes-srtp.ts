// SDES-SRTP toward the SIP side (RFC 4568): keys travel in SDP a=crypto lines ("inline:" base64 of the
// master key and salt, §6.1); SRTP itself (RFC 3711, RFC 7714) is Parley's SRTP session (srtp/ or the native one), the same
// packet path as the browser's DTLS-SRTP leg. Only the suites browsers' stacks also use.

import { randomBytes } from 'node:crypto';
import { newSrtpSession } from './native/native-srtp-session.js';
import { SRTP_PROFILES, type SrtpProfile, srtpProfileByName } from './srtp/srtp-profile.js';
import type { SrtpContext } from './srtp/srtp-session.js';

export type SdesSuite = SrtpProfile;

/** RFC 4568 §6.2 and RFC 7714 §14.2 suite names, in Parley's order of preference. */
export const SDES_SUITES: readonly SdesSuite[] = SRTP_PROFILES;

export interface SdesCrypto {
  tag: number;
  suite: string;
  keyParams: string;
}

export const findSuite = (name: string): SdesSuite | undefined => srtpProfileByName(name);

/** A fresh master key+salt for a suite, as an a=crypto line's fields. */
export function newCrypto(tag: number, suite: SdesSuite): { crypto: SdesCrypto; keySalt: Buffer } {
  const keySalt = randomBytes(suite.keyLength + suite.saltLength);
  return { crypto: { tag, suite: suite.name, keyParams: `inline:${keySalt.toString('base64')}` }, keySalt };
}

/**
 * RFC 4568 §6.1 key-params: "inline:" key-salt ["|" lifetime] ["|" MKI ":" length]. Returns the master
 * key+salt, or undefined when malformed, of the wrong length, or using an MKI (not supported).
 */
export function parseInlineKey(keyParams: string, suite: SdesSuite): Buffer | undefined {
  const first = keyParams.split(';')[0] ?? '';
  const m = /^inline:([A-Za-z0-9+/=]+)(\|[^|]*)?(\|[^|]*)?$/.exec(first.trim());
  if (m === null || m[1] === undefined) return undefined;
  if (m[2]?.includes(':') || m[3] !== undefined) return undefined; // MKI
  const key = Buffer.from(m[1], 'base64');
  return key.length === suite.keyLength + suite.saltLength ? key : undefined;
}

/** One stream's SRTP contexts from a=crypto key-salts: ours to protect, the peer's to unprotect. */
export function sdesSrtp(suite: SdesSuite, local: Buffer, remote: Buffer): SrtpContext {
  const split = (b: Buffer) => ({ key: b.subarray(0, suite.keyLength), salt: b.subarray(suite.keyLength) });
  return newSrtpSession(suite, split(local), split(remote));
}
