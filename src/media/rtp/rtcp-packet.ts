// RTCP (RFC 3550 §6.4–6.6, RFC 4585 §6, RFC 5104 §4.3.1): parse a compound packet into plain objects and
// build the packets Parley sends. RTCP is a few packets a second per stream, so parsing allocates.
// Parsing untrusted bytes never throws: it returns the packets it could read, or an error code.

import type { MediaErrorCode } from '../errors.js';
import { readUint32, writeUint32 } from './rtp-header.js';

export const RTCP_SR = 200;
export const RTCP_RR = 201;
export const RTCP_SDES = 202;
export const RTCP_BYE = 203;
export const RTCP_RTPFB = 205;
export const RTCP_PSFB = 206;

export interface ReportBlock {
  ssrc: number;
  fractionLost: number;
  /** 24-bit signed cumulative loss (RFC 3550 §6.4.1). */
  cumulativeLost: number;
  highestSequence: number;
  jitter: number;
  lastSr: number;
  delaySinceLastSr: number;
}

export type RtcpPacket =
  | {
      type: 'sr';
      ssrc: number;
      ntpMsw: number;
      ntpLsw: number;
      rtpTimestamp: number;
      packetCount: number;
      octetCount: number;
      reports: ReportBlock[];
    }
  | { type: 'rr'; ssrc: number; reports: ReportBlock[] }
  | { type: 'sdes'; chunks: { ssrc: number; cname: string | undefined }[] }
  | { type: 'bye'; ssrcs: number[] }
  | { type: 'pli'; senderSsrc: number; mediaSsrc: number }
  | { type: 'fir'; senderSsrc: number; entries: { ssrc: number; seq: number }[] }
  | {
      type: 'nack';
      senderSsrc: number;
      mediaSsrc: number;
      lost: number[];
      /**
       * Set by the leg that answered part of the NACK from its retransmission buffer (never by the parser):
       * the packets to send again on that leg, plain RTP; `lost` then lists only the ones not answered.
       */
      retransmit?: Buffer[];
    }
  | { type: 'other'; packetType: number; fmt: number };

const MAX_RTCP_PACKETS = 32;

function readReports(buf: Uint8Array, offset: number, count: number, end: number): ReportBlock[] | undefined {
  const reports: ReportBlock[] = [];
  for (let i = 0; i < count; i++, offset += 24) {
    if (offset + 24 > end) return undefined;
    const lostRaw =
      ((buf[offset + 5] as number) << 16) | ((buf[offset + 6] as number) << 8) | (buf[offset + 7] as number);
    reports.push({
      ssrc: readUint32(buf, offset),
      fractionLost: buf[offset + 4] as number,
      cumulativeLost: lostRaw & 0x800000 ? lostRaw - 0x1000000 : lostRaw,
      highestSequence: readUint32(buf, offset + 8),
      jitter: readUint32(buf, offset + 12),
      lastSr: readUint32(buf, offset + 16),
      delaySinceLastSr: readUint32(buf, offset + 20),
    });
  }
  return reports;
}

function readSdes(buf: Uint8Array, offset: number, count: number, end: number) {
  const chunks: { ssrc: number; cname: string | undefined }[] = [];
  for (let i = 0; i < count && offset + 4 <= end; i++) {
    const ssrc = readUint32(buf, offset);
    offset += 4;
    let cname: string | undefined;
    while (offset < end && buf[offset] !== 0) {
      const itemType = buf[offset] as number;
      const len = buf[offset + 1];
      if (len === undefined || offset + 2 + len > end) return chunks;
      if (itemType === 1) cname = Buffer.from(buf.buffer, buf.byteOffset + offset + 2, len).toString('utf8');
      offset += 2 + len;
    }
    // RFC 3550 §6.5: the chunk's item list ends with a null octet and pads to a 32-bit boundary.
    offset = (offset + 4) & ~3;
    chunks.push({ ssrc, cname });
  }
  return chunks;
}

/** Parses a compound RTCP packet. Never throws. */
export function parseRtcp(
  buf: Uint8Array,
  length = buf.length,
): { ok: true; packets: RtcpPacket[] } | { ok: false; code: MediaErrorCode } {
  if (length < 4 || length > buf.length) return { ok: false, code: 'MEDIA_RTCP_TOO_SHORT' };
  const packets: RtcpPacket[] = [];
  let offset = 0;
  while (offset + 4 <= length && packets.length < MAX_RTCP_PACKETS) {
    const b0 = buf[offset] as number;
    if (b0 >> 6 !== 2) return { ok: false, code: 'MEDIA_RTCP_BAD_VERSION' };
    const count = b0 & 0x1f;
    const pt = buf[offset + 1] as number;
    const end = offset + 4 + (((buf[offset + 2] as number) << 8) | (buf[offset + 3] as number)) * 4;
    if (end > length) return { ok: false, code: 'MEDIA_RTCP_BAD_LENGTH' };
    const body = offset + 4;
    const need = (n: number) => body + n <= end;
    if (pt === RTCP_SR && need(24)) {
      const reports = readReports(buf, body + 24, count, end);
      if (reports === undefined) return { ok: false, code: 'MEDIA_RTCP_BAD_LENGTH' };
      packets.push({
        type: 'sr',
        ssrc: readUint32(buf, body),
        ntpMsw: readUint32(buf, body + 4),
        ntpLsw: readUint32(buf, body + 8),
        rtpTimestamp: readUint32(buf, body + 12),
        packetCount: readUint32(buf, body + 16),
        octetCount: readUint32(buf, body + 20),
        reports,
      });
    } else if (pt === RTCP_RR && need(4)) {
      const reports = readReports(buf, body + 4, count, end);
      if (reports === undefined) return { ok: false, code: 'MEDIA_RTCP_BAD_LENGTH' };
      packets.push({ type: 'rr', ssrc: readUint32(buf, body), reports });
    } else if (pt === RTCP_SDES) {
      packets.push({ type: 'sdes', chunks: readSdes(buf, body, count, end) });
    } else if (pt === RTCP_BYE) {
      const ssrcs: number[] = [];
      for (let i = 0; i < count && body + 4 * (i + 1) <= end; i++) ssrcs.push(readUint32(buf, body + 4 * i));
      packets.push({ type: 'bye', ssrcs });
    } else if (pt === RTCP_PSFB && count === 1 && need(8)) {
      packets.push({ type: 'pli', senderSsrc: readUint32(buf, body), mediaSsrc: readUint32(buf, body + 4) });
    } else if (pt === RTCP_PSFB && count === 4 && need(8)) {
      const entries: { ssrc: number; seq: number }[] = [];
      for (let o = body + 8; o + 8 <= end; o += 8)
        entries.push({ ssrc: readUint32(buf, o), seq: buf[o + 4] as number });
      packets.push({ type: 'fir', senderSsrc: readUint32(buf, body), entries });
    } else if (pt === RTCP_RTPFB && count === 1 && need(8)) {
      const lost: number[] = [];
      // RFC 4585 §6.2.1: PID and a bitmask of the 16 following lost packets.
      for (let o = body + 8; o + 4 <= end && lost.length < 1024; o += 4) {
        const pid = ((buf[o] as number) << 8) | (buf[o + 1] as number);
        const blp = ((buf[o + 2] as number) << 8) | (buf[o + 3] as number);
        lost.push(pid);
        for (let bit = 0; bit < 16; bit++) if (blp & (1 << bit)) lost.push((pid + bit + 1) & 0xffff);
      }
      packets.push({ type: 'nack', senderSsrc: readUint32(buf, body), mediaSsrc: readUint32(buf, body + 4), lost });
    } else {
      packets.push({ type: 'other', packetType: pt, fmt: count });
    }
    offset = end;
  }
  if (packets.length === 0) return { ok: false, code: 'MEDIA_RTCP_TOO_SHORT' };
  return { ok: true, packets };
}

function header(buf: Buffer, count: number, pt: number): void {
  buf[0] = 0x80 | (count & 0x1f);
  buf[1] = pt;
  buf.writeUInt16BE(buf.length / 4 - 1, 2);
}

function writeReports(buf: Buffer, offset: number, reports: ReportBlock[]): void {
  for (const r of reports) {
    writeUint32(buf, offset, r.ssrc);
    buf[offset + 4] = r.fractionLost & 0xff;
    const lost = Math.max(-0x800000, Math.min(0x7fffff, r.cumulativeLost)) & 0xffffff;
    buf[offset + 5] = lost >> 16;
    buf[offset + 6] = (lost >> 8) & 0xff;
    buf[offset + 7] = lost & 0xff;
    writeUint32(buf, offset + 8, r.highestSequence >>> 0);
    writeUint32(buf, offset + 12, r.jitter >>> 0);
    writeUint32(buf, offset + 16, r.lastSr >>> 0);
    writeUint32(buf, offset + 20, r.delaySinceLastSr >>> 0);
    offset += 24;
  }
}

export function buildSenderReport(p: Extract<RtcpPacket, { type: 'sr' }>): Buffer {
  const reports = p.reports.slice(0, 31);
  const buf = Buffer.alloc(28 + 24 * reports.length);
  header(buf, reports.length, RTCP_SR);
  writeUint32(buf, 4, p.ssrc);
  writeUint32(buf, 8, p.ntpMsw >>> 0);
  writeUint32(buf, 12, p.ntpLsw >>> 0);
  writeUint32(buf, 16, p.rtpTimestamp >>> 0);
  writeUint32(buf, 20, p.packetCount >>> 0);
  writeUint32(buf, 24, p.octetCount >>> 0);
  writeReports(buf, 28, reports);
  return buf;
}

export function buildReceiverReport(p: { ssrc: number; reports: ReportBlock[] }): Buffer {
  const reports = p.reports.slice(0, 31);
  const buf = Buffer.alloc(8 + 24 * reports.length);
  header(buf, reports.length, RTCP_RR);
  writeUint32(buf, 4, p.ssrc);
  writeReports(buf, 8, reports);
  return buf;
}

/** RFC 3550 §6.5.1: an SDES with one chunk carrying CNAME. */
export function buildSdes(ssrc: number, cname: string): Buffer {
  const text = Buffer.from(cname.slice(0, 255), 'utf8').subarray(0, 255);
  const chunkLen = (4 + 2 + text.length + 1 + 3) & ~3;
  const buf = Buffer.alloc(4 + chunkLen);
  header(buf, 1, RTCP_SDES);
  writeUint32(buf, 4, ssrc);
  buf[8] = 1;
  buf[9] = text.length;
  text.copy(buf, 10);
  return buf;
}

export function buildBye(ssrcs: number[]): Buffer {
  const list = ssrcs.slice(0, 31);
  const buf = Buffer.alloc(4 + 4 * list.length);
  header(buf, list.length, RTCP_BYE);
  for (const [i, s] of list.entries()) writeUint32(buf, 4 + 4 * i, s);
  return buf;
}

/** RFC 4585 §6.3.1 Picture Loss Indication. */
export function buildPli(senderSsrc: number, mediaSsrc: number): Buffer {
  const buf = Buffer.alloc(12);
  header(buf, 1, RTCP_PSFB);
  writeUint32(buf, 4, senderSsrc);
  writeUint32(buf, 8, mediaSsrc);
  return buf;
}

/** RFC 5104 §4.3.1 Full Intra Request (media source SSRC field is 0). */
export function buildFir(senderSsrc: number, mediaSsrc: number, seq: number): Buffer {
  const buf = Buffer.alloc(20);
  header(buf, 4, RTCP_PSFB);
  writeUint32(buf, 4, senderSsrc);
  writeUint32(buf, 12, mediaSsrc);
  buf[16] = seq & 0xff;
  return buf;
}

/** RFC 4585 §6.2.1 Generic NACK, packing lost sequence numbers into PID+BLP items. */
export function buildNack(senderSsrc: number, mediaSsrc: number, lost: number[]): Buffer {
  const items: [number, number][] = [];
  for (const seq of [...new Set(lost.map((s) => s & 0xffff))].sort((a, b) => a - b)) {
    const last = items[items.length - 1];
    const diff = last === undefined ? -1 : (seq - last[0]) & 0xffff;
    if (last !== undefined && diff >= 1 && diff <= 16) last[1] |= 1 << (diff - 1);
    else items.push([seq, 0]);
  }
  const buf = Buffer.alloc(12 + 4 * items.length);
  header(buf, 1, RTCP_RTPFB);
  writeUint32(buf, 4, senderSsrc);
  writeUint32(buf, 8, mediaSsrc);
  items.forEach(([pid, blp], i) => {
    buf.writeUInt16BE(pid, 12 + 4 * i);
    buf.writeUInt16BE(blp, 14 + 4 * i);
  });
  return buf;
}
