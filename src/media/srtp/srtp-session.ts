// One SRTP/SRTCP session (RFC 3711): the outbound cryptographic context keyed by our master key, the
// inbound one by the peer's. Per SSRC it keeps what §3.2.1 lists: the rollover counter and highest
// sequence number (§3.3.1 index estimation) and, inbound, the replay list (§3.3.2). One packet = one
// header read, one cipher operation (two for AES-CM: AES-CTR and HMAC-SHA1), no object per packet.

import { deriveSessionKeys } from './key-derivation.js';
import { ReplayWindow } from './replay-window.js';
import { SRTCP_INDEX_LENGTH, SrtpCipher } from './srtp-cipher.js';
import type { SrtpProfile } from './srtp-profile.js';

/** Why an inbound packet was dropped (counted and reported by the leg). */
export type SrtpDrop = 'SRTP_MALFORMED' | 'SRTP_AUTH_FAILED' | 'SRTP_REPLAYED';

/** What a leg needs of an SRTP session (this one, or the native packet path's: native/native-srtp-session.ts). */
export interface SrtpContext {
  readonly profile: SrtpProfile;
  protectRtp(packet: Buffer): Buffer | undefined;
  unprotectRtp(packet: Buffer): Buffer | SrtpDrop;
  protectRtcp(packet: Buffer): Buffer | undefined;
  unprotectRtcp(packet: Buffer): Buffer | SrtpDrop;
}

export interface MasterKey {
  key: Buffer;
  salt: Buffer;
}

/** Inbound SSRCs tracked at once; an authenticated new SSRC beyond this evicts the oldest. */
const MAX_INBOUND_SSRCS = 32;
const SEQ_HALF = 0x8000;
const MAX_SRTCP_INDEX = 0x7fffffff;

interface InboundRtp {
  roc: number;
  /** s_l: the highest sequence number authenticated. */
  highest: number;
  replay: ReplayWindow;
}

interface OutboundRtp {
  roc: number;
  highest: number;
}

/** Bytes of RTP header (fixed, CSRCs, extension) or -1 when the packet is shorter than its header says. */
export function rtpHeaderLength(packet: Buffer, tagLength: number): number {
  const b0 = packet[0] ?? 0;
  let length = 12 + 4 * (b0 & 0x0f);
  if ((b0 & 0x10) !== 0) {
    if (length + 4 > packet.length) return -1;
    length += 4 + 4 * packet.readUInt16BE(length + 2);
  }
  return length + tagLength <= packet.length ? length : -1;
}

export class SrtpSession implements SrtpContext {
  readonly profile: SrtpProfile;
  readonly #out: SrtpCipher;
  readonly #in: SrtpCipher;
  readonly #outRtp = new Map<number, OutboundRtp>();
  readonly #inRtp = new Map<number, InboundRtp>();
  readonly #outRtcp = new Map<number, number>();
  readonly #inRtcp = new Map<number, ReplayWindow>();

  constructor(profile: SrtpProfile, local: MasterKey, remote: MasterKey) {
    this.profile = profile;
    const l = deriveSessionKeys(profile, local.key, local.salt);
    const r = deriveSessionKeys(profile, remote.key, remote.salt);
    this.#out = new SrtpCipher(profile, l.srtp, l.srtcp);
    this.#in = new SrtpCipher(profile, r.srtp, r.srtcp);
  }

  /** Plain RTP → SRTP; undefined when the packet is shorter than its header says. */
  protectRtp(packet: Buffer): Buffer | undefined {
    const headerLength = packet.length < 12 ? -1 : rtpHeaderLength(packet, 0);
    if (headerLength < 0) return undefined;
    const ssrc = packet.readUInt32BE(8);
    const seq = packet.readUInt16BE(2);
    let s = this.#outRtp.get(ssrc);
    if (s === undefined) {
      s = { roc: 0, highest: seq };
      this.#outRtp.set(ssrc, s);
    }
    // The sender's own index (§3.3.1 applied to what it sends): a retransmission of a packet from
    // before the last wrap keeps that ROC.
    const roc = Math.max(0, estimateRoc(s.roc, s.highest, seq));
    if (roc > s.roc || (roc === s.roc && seq > s.highest)) {
      s.roc = roc;
      s.highest = seq;
    }
    return this.#out.encryptRtp(packet, headerLength, ssrc, roc, seq);
  }

  unprotectRtp(packet: Buffer): Buffer | SrtpDrop {
    if (packet.length < 12) return 'SRTP_MALFORMED';
    const headerLength = rtpHeaderLength(packet, this.profile.tagLength);
    if (headerLength < 0) return 'SRTP_MALFORMED';
    const ssrc = packet.readUInt32BE(8);
    const seq = packet.readUInt16BE(2);
    const s = this.#inRtp.get(ssrc);
    const roc = s === undefined ? 0 : estimateRoc(s.roc, s.highest, seq);
    if (roc < 0) return 'SRTP_REPLAYED';
    const index = roc * 0x10000 + seq;
    if (s !== undefined && !s.replay.check(index)) return 'SRTP_REPLAYED';
    const plain = this.#in.decryptRtp(packet, headerLength, ssrc, roc, seq);
    if (plain === undefined) return 'SRTP_AUTH_FAILED';
    // §3.3.1: update ROC and s_l only once the packet authenticated.
    if (s === undefined) this.#track(ssrc, { roc, highest: seq, replay: accepted(index) });
    else {
      s.replay.accept(index);
      if (roc > s.roc || (roc === s.roc && seq > s.highest)) {
        s.roc = roc;
        s.highest = seq;
      }
    }
    return plain;
  }

  /** Plain compound RTCP (its first packet's SSRC at bytes 4-7) → SRTCP; undefined under 8 bytes. */
  protectRtcp(packet: Buffer): Buffer | undefined {
    if (packet.length < 8) return undefined;
    const ssrc = packet.readUInt32BE(4);
    const index = ((this.#outRtcp.get(ssrc) ?? -1) + 1) & MAX_SRTCP_INDEX;
    this.#outRtcp.set(ssrc, index);
    return this.#out.encryptRtcp(packet, ssrc, index);
  }

  unprotectRtcp(packet: Buffer): Buffer | SrtpDrop {
    if (packet.length < 8 + SRTCP_INDEX_LENGTH + this.profile.tagLength) return 'SRTP_MALFORMED';
    const trailerAt = this.profile.aead
      ? packet.length - SRTCP_INDEX_LENGTH
      : packet.length - this.profile.tagLength - SRTCP_INDEX_LENGTH;
    const trailer = packet.readUInt32BE(trailerAt);
    const index = trailer & MAX_SRTCP_INDEX;
    const encrypted = trailer >>> 31 === 1;
    const ssrc = packet.readUInt32BE(4);
    const replay = this.#inRtcp.get(ssrc);
    if (replay !== undefined && !replay.check(index)) return 'SRTP_REPLAYED';
    const plain = this.#in.decryptRtcp(packet, ssrc, index, encrypted);
    if (plain === undefined) return 'SRTP_AUTH_FAILED';
    if (replay !== undefined) replay.accept(index);
    else {
      if (this.#inRtcp.size >= MAX_INBOUND_SSRCS) this.#inRtcp.delete(this.#inRtcp.keys().next().value ?? 0);
      this.#inRtcp.set(ssrc, accepted(index));
    }
    return plain;
  }

  #track(ssrc: number, state: InboundRtp): void {
    if (this.#inRtp.size >= MAX_INBOUND_SSRCS) this.#inRtp.delete(this.#inRtp.keys().next().value ?? 0);
    this.#inRtp.set(ssrc, state);
  }
}

/**
 * RFC 3711 §3.3.1: v, the ROC guessed for `seq` given the highest sequence number s_l seen with ROC.
 * -1 when the guess would be ROC - 1 with ROC = 0 (a packet from before the stream began).
 */
export function estimateRoc(roc: number, highest: number, seq: number): number {
  if (highest < SEQ_HALF) return seq - highest > SEQ_HALF ? roc - 1 : roc;
  return highest - SEQ_HALF > seq ? roc + 1 : roc;
}

function accepted(index: number): ReplayWindow {
  const w = new ReplayWindow();
  w.accept(index);
  return w;
}
