// An SRTP session whose contexts live in the native addon (c/srtp.c): the same interface and results as
// srtp/srtp-session.ts, so the legs take either. When the native packet path is in use every SRTP session
// is one of these: a socket attached to the native engine unprotects and protects with the very same
// context (one ROC, one replay list per SSRC), whichever path a packet took.

import { deriveSessionKeys } from '../srtp/key-derivation.js';
import type { SrtpProfile } from '../srtp/srtp-profile.js';
import { type MasterKey, type SrtpContext, type SrtpDrop, SrtpSession } from '../srtp/srtp-session.js';
import { type NativeAddon, type NativeHandle, nativeAddon } from './native-addon.js';

/** c/srtp.h PSRTP_* codes → the drop reasons the TypeScript session returns. */
export function srtpDropOf(code: number): SrtpDrop {
  return code === -2 ? 'SRTP_AUTH_FAILED' : code === -3 ? 'SRTP_REPLAYED' : 'SRTP_MALFORMED';
}

export class NativeSrtpSession implements SrtpContext {
  readonly handle: NativeHandle;

  constructor(
    readonly addon: NativeAddon,
    readonly profile: SrtpProfile,
    local: MasterKey,
    remote: MasterKey,
  ) {
    const l = deriveSessionKeys(profile, local.key, local.salt);
    const r = deriveSessionKeys(profile, remote.key, remote.salt);
    const keys = [l.srtp, l.srtcp, r.srtp, r.srtcp].flatMap((k) => [k.key, k.salt, k.auth]);
    this.handle = addon.srtpCreate(profile.aead, profile.tagLength, keys);
  }

  protectRtp(packet: Buffer): Buffer | undefined {
    const r = this.addon.srtpTransform(this.handle, packet, 0);
    return typeof r === 'number' ? undefined : r;
  }

  protectRtcp(packet: Buffer): Buffer | undefined {
    const r = this.addon.srtpTransform(this.handle, packet, 1);
    return typeof r === 'number' ? undefined : r;
  }

  unprotectRtp(packet: Buffer): Buffer | SrtpDrop {
    const r = this.addon.srtpTransform(this.handle, packet, 2);
    return typeof r === 'number' ? srtpDropOf(r) : r;
  }

  unprotectRtcp(packet: Buffer): Buffer | SrtpDrop {
    const r = this.addon.srtpTransform(this.handle, packet, 3);
    return typeof r === 'number' ? srtpDropOf(r) : r;
  }
}

/** An SRTP session on the packet path in use (native when loaded, else TypeScript). */
export function newSrtpSession(profile: SrtpProfile, local: MasterKey, remote: MasterKey): SrtpContext {
  const addon = nativeAddon();
  return addon === undefined
    ? new SrtpSession(profile, local, remote)
    : new NativeSrtpSession(addon, profile, local, remote);
}
