// SDES-SRTP toward the SIP side (RFC 4568): keys travel in SDP a=crypto lines ("inline:" base64 of the
// master key and salt, §6.1), SRTP itself (RFC 3711) is werift's SrtpSession/SrtcpSession: no crypto
// of Parley's own. Only the suites browsers' stacks also use.

import { randomBytes } from 'node:crypto';
import { RtpPacket, SrtcpSession, SrtpSession } from 'werift';

export interface SdesSuite {
  name: string;
  /** werift's protection profile id (RFC 5764 §4.1.2 values). */
  profile: number;
  keyLength: number;
  saltLength: number;
}

/** RFC 4568 §6.2 and RFC 7714 §14.2 suite names, in Parley's order of preference. */
export const SDES_SUITES: SdesSuite[] = [
  { name: 'AES_CM_128_HMAC_SHA1_80', profile: 0x0001, keyLength: 16, saltLength: 14 },
  { name: 'AEAD_AES_128_GCM', profile: 0x0007, keyLength: 16, saltLength: 12 },
];

export interface SdesCrypto {
  tag: number;
  suite: string;
  keyParams: string;
}

export const findSuite = (name: string): SdesSuite | undefined => SDES_SUITES.find((s) => s.name === name);

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

/** One stream's SRTP contexts: ours to protect, the peer's to unprotect. */
export class SdesSrtp {
  readonly #srtp: SrtpSession;
  readonly #srtcp: SrtcpSession;

  constructor(
    readonly suite: SdesSuite,
    local: Buffer,
    remote: Buffer,
  ) {
    const config = {
      keys: {
        localMasterKey: local.subarray(0, suite.keyLength),
        localMasterSalt: local.subarray(suite.keyLength),
        remoteMasterKey: remote.subarray(0, suite.keyLength),
        remoteMasterSalt: remote.subarray(suite.keyLength),
      },
      profile: suite.profile,
    };
    this.#srtp = new SrtpSession(config);
    this.#srtcp = new SrtcpSession(config);
  }

  protectRtp(packet: Buffer): Buffer {
    const rtp = RtpPacket.deSerialize(packet);
    return this.#srtp.encrypt(rtp.payload, rtp.header);
  }

  /** Returns the plain packet, or undefined when authentication or decryption fails (counted by the leg). */
  unprotectRtp(packet: Buffer): Buffer | undefined {
    try {
      return this.#srtp.decrypt(packet);
    } catch {
      return undefined;
    }
  }

  protectRtcp(packet: Buffer): Buffer {
    return this.#srtcp.encrypt(packet);
  }

  unprotectRtcp(packet: Buffer): Buffer | undefined {
    try {
      return this.#srtcp.decrypt(packet);
    } catch {
      return undefined;
    }
  }
}
