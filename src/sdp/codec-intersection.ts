// Which codecs two sides share, in whose order (RFC 3264 §6.1: the answer lists the formats it accepts;
// the offerer's order is its preference, and the answerer may keep it or put its own first).

import { type Codec, describeCodec, isTelephoneEvent, sameCodec } from './codec.js';

export interface CodecPair {
  /** The offered codec (offerer's payload type). */
  offered: Codec;
  /** The matching codec of the answerer (answerer's payload type). */
  local: Codec;
}

export type Preference = 'offerer' | 'answerer';

/**
 * The codecs both lists share, matched with sameCodec (name, clock rate, channels, H.264 profile and
 * packetization-mode). Ordered by the offerer's list or by the answerer's. Each local codec is used once.
 */
export function intersectCodecs(offered: Codec[], local: Codec[], preference: Preference = 'offerer'): CodecPair[] {
  const pairs: CodecPair[] = [];
  const used = new Set<Codec>();
  const outer = preference === 'offerer' ? offered : local;
  const inner = preference === 'offerer' ? local : offered;
  for (const a of outer) {
    const b = inner.find((c) => !used.has(c) && sameCodec(a, c));
    if (b === undefined) continue;
    used.add(b);
    pairs.push(preference === 'offerer' ? { offered: a, local: b } : { offered: b, local: a });
  }
  return pairs;
}

/** A codec Parley can pass through unchanged (no transcoding yet: issue 4 leaves the seam). */
export interface CodecCapability {
  name: string;
  clockRate: number;
  channels: number;
}

export const PASSTHROUGH_AUDIO: CodecCapability[] = [
  { name: 'opus', clockRate: 48000, channels: 2 },
  { name: 'G722', clockRate: 8000, channels: 1 },
  { name: 'PCMU', clockRate: 8000, channels: 1 },
  { name: 'PCMA', clockRate: 8000, channels: 1 },
];

export const PASSTHROUGH_VIDEO: CodecCapability[] = [
  { name: 'VP8', clockRate: 90000, channels: 1 },
  { name: 'H264', clockRate: 90000, channels: 1 },
];

const matchesCapability = (c: Codec, cap: CodecCapability) =>
  c.name.toLowerCase() === cap.name.toLowerCase() && c.clockRate === cap.clockRate && c.channels === cap.channels;

/** The codecs of a list that can be passed through, in the list's order (telephone-event excluded). */
export function passthroughCodecs(codecs: Codec[], kind: string): Codec[] {
  const caps = kind === 'audio' ? PASSTHROUGH_AUDIO : kind === 'video' ? PASSTHROUGH_VIDEO : [];
  return codecs.filter((c) => !isTelephoneEvent(c) && caps.some((cap) => matchesCapability(c, cap)));
}

export const describeCodecs = (codecs: Codec[]): string =>
  codecs.length === 0 ? 'none' : codecs.map(describeCodec).join(', ');
