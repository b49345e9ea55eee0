// A codec as an SDP media description names it (RFC 4566 §6: a=rtpmap, a=fmtp; RFC 4585 §4.2: a=rtcp-fb),
// and the rules that decide whether two descriptions name the same codec.

export interface Codec {
  /** The payload type this side wants to RECEIVE the codec with (RFC 3264 §5.1). */
  payloadType: number;
  /** Encoding name as written in a=rtpmap, case kept (`opus`, `PCMU`, `telephone-event`). */
  name: string;
  clockRate: number;
  /** Audio channels; 1 when a=rtpmap has none (RFC 4566 §6). */
  channels: number;
  /** Format parameters as written in a=fmtp, or undefined. */
  fmtp: string | undefined;
  /** RTCP feedback types for this payload type (`nack`, `nack pli`, `ccm fir`). */
  rtcpFb: string[];
}

/** Static payload types of RFC 3551 §6 that may appear in m= without a=rtpmap. */
const STATIC_PAYLOAD_TYPES: Record<number, Omit<Codec, 'payloadType' | 'fmtp' | 'rtcpFb'>> = {
  0: { name: 'PCMU', clockRate: 8000, channels: 1 },
  3: { name: 'GSM', clockRate: 8000, channels: 1 },
  4: { name: 'G723', clockRate: 8000, channels: 1 },
  8: { name: 'PCMA', clockRate: 8000, channels: 1 },
  9: { name: 'G722', clockRate: 8000, channels: 1 },
  13: { name: 'CN', clockRate: 8000, channels: 1 },
  18: { name: 'G729', clockRate: 8000, channels: 1 },
  34: { name: 'H263', clockRate: 90000, channels: 1 },
};

export function staticCodec(payloadType: number): Codec | undefined {
  const s = STATIC_PAYLOAD_TYPES[payloadType];
  return s === undefined ? undefined : { payloadType, ...s, fmtp: undefined, rtcpFb: [] };
}

export const isTelephoneEvent = (c: Pick<Codec, 'name'>): boolean => c.name.toLowerCase() === 'telephone-event';

/** Parses `a=b;c=d` (spaces tolerated, as FreeSWITCH writes them) into lower-cased keys. */
export function parseFmtp(fmtp: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (fmtp === undefined) return out;
  for (const part of fmtp.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    out.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
  }
  return out;
}

export type H264Profile =
  | 'ConstrainedBaseline'
  | 'Baseline'
  | 'Main'
  | 'High'
  | 'ConstrainedHigh'
  | 'PredictiveHigh444';

// RFC 6184 §8.1 profile-level-id = profile_idc, profile-iop, level_idc. The profile is the pair
// (profile_idc, constraint flags) matched against the patterns of libwebrtc's h264_profile_level_id.cc,
// which is how browsers decide that 42e01f and 42c01f name the same (Constrained Baseline) profile.
const H264_PATTERNS: { idc: number; mask: number; value: number; profile: H264Profile }[] = [
  { idc: 0x42, mask: 0b01001111, value: 0b01000000, profile: 'ConstrainedBaseline' },
  { idc: 0x4d, mask: 0b10001111, value: 0b10000000, profile: 'ConstrainedBaseline' },
  { idc: 0x58, mask: 0b11001111, value: 0b11000000, profile: 'ConstrainedBaseline' },
  { idc: 0x42, mask: 0b01001111, value: 0b00000000, profile: 'Baseline' },
  { idc: 0x58, mask: 0b11001111, value: 0b10000000, profile: 'Baseline' },
  { idc: 0x4d, mask: 0b10101111, value: 0b00000000, profile: 'Main' },
  { idc: 0x64, mask: 0b11111111, value: 0b00000000, profile: 'High' },
  { idc: 0x64, mask: 0b11111111, value: 0b00001100, profile: 'ConstrainedHigh' },
  { idc: 0xf4, mask: 0b11111111, value: 0b00000000, profile: 'PredictiveHigh444' },
];

/** The H.264 profile named by a profile-level-id (default 42000a, RFC 6184 §8.1), or undefined if unknown. */
export function h264Profile(profileLevelId: string | undefined): H264Profile | undefined {
  const id = profileLevelId ?? '42000a';
  if (!/^[0-9a-fA-F]{6}$/.test(id)) return undefined;
  const idc = Number.parseInt(id.slice(0, 2), 16);
  const iop = Number.parseInt(id.slice(2, 4), 16);
  return H264_PATTERNS.find((p) => p.idc === idc && (iop & p.mask) === p.value)?.profile;
}

/**
 * Whether two descriptions name the same codec for passthrough: name (case-insensitive), clock rate and
 * channels, and for H.264 the packetization-mode (RFC 6184 §8.2.2: must be equal) and the profile (the
 * level may differ: RFC 6184 §8.2.2 lets the answerer pick a level).
 */
export function sameCodec(a: Codec, b: Codec): boolean {
  if (a.name.toLowerCase() !== b.name.toLowerCase()) return false;
  if (a.clockRate !== b.clockRate || a.channels !== b.channels) return false;
  if (a.name.toLowerCase() === 'h264') {
    const fa = parseFmtp(a.fmtp);
    const fb = parseFmtp(b.fmtp);
    if ((fa.get('packetization-mode') ?? '0') !== (fb.get('packetization-mode') ?? '0')) return false;
    const pa = h264Profile(fa.get('profile-level-id'));
    return pa !== undefined && pa === h264Profile(fb.get('profile-level-id'));
  }
  return true;
}

export const describeCodec = (c: Codec): string => `${c.name}/${c.clockRate}${c.channels > 1 ? `/${c.channels}` : ''}`;
