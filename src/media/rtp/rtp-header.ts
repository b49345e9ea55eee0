// RTP fixed header (RFC 3550 §5.1), read and rewritten in place on the receive buffer. The steady path
// allocates nothing: parseRtpHeader fills a caller-owned RtpHeader, the setters write the bytes.
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |V=2|P|X|  CC   |M|     PT      |       sequence number         |
//  |                           timestamp                           |
//  |           synchronization source (SSRC) identifier            |
//  |            contributing source (CSRC) identifiers (CC × 32)   |
//  | header extension (X): profile(16) length(16, in words) ...    |

import type { MediaErrorCode } from '../errors.js';

export interface RtpHeader {
  marker: boolean;
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  /** Offset of the payload (after CSRCs and extension). */
  payloadOffset: number;
  /** Payload length without RFC 3550 §5.1 padding. */
  payloadLength: number;
}

export const newRtpHeader = (): RtpHeader => ({
  marker: false,
  payloadType: 0,
  sequenceNumber: 0,
  timestamp: 0,
  ssrc: 0,
  payloadOffset: 0,
  payloadLength: 0,
});

export const RTP_HEADER_SIZE = 12;

/**
 * RFC 5761 §4 / RFC 7983 §7: on a multiplexed port, second-byte values 192–223 (PT 64–95 with the marker
 * bit) are RTCP packet types; everything else with version 2 is RTP.
 */
export function isRtcp(buf: Uint8Array, length = buf.length): boolean {
  if (length < 2) return false;
  const pt = buf[1] as number;
  return pt >= 192 && pt <= 223;
}

/** Fills `out` from the packet; returns undefined on success or the error code. Never throws. */
export function parseRtpHeader(buf: Uint8Array, length: number, out: RtpHeader): MediaErrorCode | undefined {
  if (length < RTP_HEADER_SIZE || length > buf.length) return 'MEDIA_RTP_TOO_SHORT';
  const b0 = buf[0] as number;
  if (b0 >> 6 !== 2) return 'MEDIA_RTP_BAD_VERSION';
  let offset = RTP_HEADER_SIZE + (b0 & 0x0f) * 4;
  if ((b0 & 0x10) !== 0) {
    if (offset + 4 > length) return 'MEDIA_RTP_BAD_LENGTH';
    offset += 4 + (((buf[offset + 2] as number) << 8) | (buf[offset + 3] as number)) * 4;
  }
  let end = length;
  if ((b0 & 0x20) !== 0) {
    const pad = buf[length - 1] as number;
    if (pad === 0) return 'MEDIA_RTP_BAD_LENGTH';
    end -= pad;
  }
  if (offset > end) return 'MEDIA_RTP_BAD_LENGTH';
  const b1 = buf[1] as number;
  out.marker = (b1 & 0x80) !== 0;
  out.payloadType = b1 & 0x7f;
  out.sequenceNumber = ((buf[2] as number) << 8) | (buf[3] as number);
  out.timestamp = readUint32(buf, 4);
  out.ssrc = readUint32(buf, 8);
  out.payloadOffset = offset;
  out.payloadLength = end - offset;
  return undefined;
}

export function readUint32(buf: Uint8Array, offset: number): number {
  return (
    (((buf[offset] as number) << 24) >>> 0) +
    (((buf[offset + 1] as number) << 16) | ((buf[offset + 2] as number) << 8) | (buf[offset + 3] as number))
  );
}

export function writeUint32(buf: Uint8Array, offset: number, value: number): void {
  buf[offset] = (value >>> 24) & 0xff;
  buf[offset + 1] = (value >>> 16) & 0xff;
  buf[offset + 2] = (value >>> 8) & 0xff;
  buf[offset + 3] = value & 0xff;
}

/** Rewrites PT keeping the marker bit. */
export function setPayloadType(buf: Uint8Array, payloadType: number): void {
  buf[1] = ((buf[1] as number) & 0x80) | (payloadType & 0x7f);
}

export function setSequenceNumber(buf: Uint8Array, seq: number): void {
  buf[2] = (seq >>> 8) & 0xff;
  buf[3] = seq & 0xff;
}

export const setTimestamp = (buf: Uint8Array, ts: number): void => writeUint32(buf, 4, ts >>> 0);
export const setSsrc = (buf: Uint8Array, ssrc: number): void => writeUint32(buf, 8, ssrc >>> 0);

/** Writes a 12-byte header (no CSRC, no extension) at the start of buf. */
export function writeRtpHeader(
  buf: Uint8Array,
  h: { marker: boolean; payloadType: number; sequenceNumber: number; timestamp: number; ssrc: number },
): void {
  buf[0] = 0x80;
  buf[1] = (h.marker ? 0x80 : 0) | (h.payloadType & 0x7f);
  setSequenceNumber(buf, h.sequenceNumber);
  setTimestamp(buf, h.timestamp);
  setSsrc(buf, h.ssrc);
}
