// Per-stream bookkeeping shared by both kinds of leg: the SSRC we send with, counters, receiver
// statistics, round-trip time from the peer's reports, and the RTCP report we owe it (RFC 3550 §6.4).
// A video stream also keeps the packets it sent (RetransmissionBuffer) and answers the peer's Generic NACKs
// (RFC 4585 §6.2.1) from them: the NACK handed on carries the packets to send again and lists only the
// sequence numbers it could not answer, for the bridge to ask the far source for.

import { randomBytes } from 'node:crypto';
import type { StreamKind, StreamStats } from './media-leg.js';
import { RetransmissionBuffer } from './retransmission-buffer.js';
import { ntpTime, ReceiverStatistics, roundTripTime } from './rtp/receiver-statistics.js';
import { buildReceiverReport, buildSdes, buildSenderReport, type RtcpPacket } from './rtp/rtcp-packet.js';
import { readUint32 } from './rtp/rtp-header.js';

/** Time between two retransmissions of one packet when the RTT is not known yet (libwebrtc's default RTT). */
const DEFAULT_RESEND_INTERVAL_MS = 100;
const MIN_RESEND_INTERVAL_MS = 10;

export class StreamState {
  readonly recv = new ReceiverStatistics();
  readonly localSsrc = randomBytes(4).readUInt32BE(0);
  codec: string | undefined;
  clockRates: (number | undefined)[] = new Array(128).fill(undefined);
  packetsSent = 0;
  bytesSent = 0;
  lastSentTimestamp = 0;
  lastSentAt = 0;
  sentSinceReport = false;
  invalidPackets = 0;
  /** Received packets the native packet path's fast route relayed without JavaScript (also in packetsReceived). */
  fastRoutePackets = 0;
  unexpectedSourcePackets = 0;
  /** Send or socket errors (EACCES, ICMP unreachable reported on a later send). */
  socketErrors = 0;
  roundTripTimeMs: number | undefined;
  /** Generic NACK packets received for our stream. */
  nackCount = 0;
  /** Packets sent again in answer to NACKs (also counted in packetsSent). */
  retransmittedPackets = 0;
  /** Video only, created with the first packet sent, when the peer negotiated NACK. */
  #sentPackets: RetransmissionBuffer | undefined;
  #peerNacks = true;
  /** The copies handed out in a NACK's `retransmit`: when they come back to onSent, they are resends. */
  readonly #resends = new WeakSet<Buffer>();

  constructor(readonly kind: StreamKind) {}

  setCodecs(codecs: { payloadType: number; name: string; clockRate: number; rtcpFb?: string[] }[]): void {
    // RFC 4585 §4.2: only a peer that negotiated Generic NACK will ask; for the others nothing is kept
    // (a SIP device rarely NACKs: ~150 KiB per 1 Mbit/s video stream saved). Codecs that say nothing
    // of feedback (no rtcpFb at all) keep the buffer.
    this.#peerNacks =
      codecs.every((c) => c.rtcpFb === undefined) || codecs.some((c) => c.rtcpFb?.includes('nack') === true);
    if (!this.#peerNacks) this.#sentPackets = undefined;
    this.clockRates = new Array(128).fill(undefined);
    for (const c of codecs) this.clockRates[c.payloadType & 0x7f] = c.clockRate;
    this.codec = codecs.find((c) => c.name.toLowerCase() !== 'telephone-event')?.name;
  }

  get clockRate(): number {
    return this.clockRates.find((r) => r !== undefined) ?? (this.kind === 'video' ? 90000 : 8000);
  }

  onReceived(ssrc: number, seq: number, timestamp: number, payloadType: number, payloadBytes: number, now: number) {
    this.recv.update(ssrc, seq, timestamp, payloadBytes, now, this.clockRates[payloadType] ?? this.clockRate);
  }

  /** Called with every RTP packet sent, as plain RTP (before SRTP protection). */
  onSent(packet: Buffer, now: number): void {
    this.packetsSent++;
    this.bytesSent += packet.length - 12;
    if (this.#resends.delete(packet)) {
      // An old packet again: the SR's RTP timestamp must not go back to it.
      this.retransmittedPackets++;
      this.sentSinceReport = true;
      return;
    }
    if (this.kind === 'video' && this.#peerNacks && packet.length >= 12) {
      this.#sentPackets ??= new RetransmissionBuffer();
      this.#sentPackets.store(packet, ((packet[2] as number) << 8) | (packet[3] as number), now);
    }
    this.lastSentTimestamp = readUint32(packet, 4);
    this.lastSentAt = now;
    this.sentSinceReport = true;
  }

  /** A packet a fast route sent for this stream (audio: nothing to keep for retransmission). */
  onForwarded(length: number, timestamp: number, now: number): void {
    this.packetsSent++;
    this.bytesSent += length - 12;
    this.lastSentTimestamp = timestamp;
    this.lastSentAt = now;
    this.sentSinceReport = true;
  }

  /** Takes what the leg needs from the peer's SR/RR (LSR, RTT) and returns the rest (feedback, BYE). */
  onRtcp(packets: RtcpPacket[], now: number): RtcpPacket[] {
    const rest: RtcpPacket[] = [];
    for (const p of packets) {
      if (p.type === 'sr' || p.type === 'rr') {
        if (p.type === 'sr') this.recv.onSenderReport(p.ntpMsw, p.ntpLsw, now);
        for (const block of p.reports) {
          if (block.ssrc !== this.localSsrc) continue;
          const rtt = roundTripTime(block, now);
          if (rtt !== undefined) this.roundTripTimeMs = rtt;
        }
      } else if (p.type === 'nack' && p.mediaSsrc === this.localSsrc) {
        this.nackCount++;
        const answered = this.#answerNack(p, now);
        if (answered !== undefined) rest.push(answered);
      } else if (p.type !== 'sdes') {
        rest.push(p);
      }
    }
    return rest;
  }

  /**
   * RFC 4585 §3.1: a NACKed packet we still hold is sent again as it was (no RTX stream); the rest stays
   * in `lost` (undefined: nothing to send or relay). Rate-limited (RetransmissionBuffer): about one
   * retransmission of a packet per RTT.
   */
  #answerNack(p: Extract<RtcpPacket, { type: 'nack' }>, now: number): RtcpPacket | undefined {
    const buffer = this.#sentPackets;
    if (buffer === undefined) return p;
    const interval = Math.max(MIN_RESEND_INTERVAL_MS, this.roundTripTimeMs ?? DEFAULT_RESEND_INTERVAL_MS);
    const lost: number[] = [];
    const retransmit: Buffer[] = [];
    for (const seq of p.lost) {
      const r = buffer.resend(seq, now, interval);
      if (r === 'missing') lost.push(seq);
      else if (r !== 'limited') {
        this.#resends.add(r);
        retransmit.push(r);
      }
    }
    if (retransmit.length > 0) return { ...p, lost, retransmit };
    return lost.length > 0 ? { ...p, lost } : undefined;
  }

  /** RFC 3550 §6.4: an SR if we sent since the last report, else an RR; with SDES CNAME (§6.1 compound). */
  buildReport(now: number, cname: string): Buffer {
    const reports = this.recv.started ? [this.recv.reportBlock(now)] : [];
    let report: Buffer;
    if (this.sentSinceReport) {
      const ntp = ntpTime(now);
      const rtpTimestamp =
        (this.lastSentTimestamp + Math.round(((now - this.lastSentAt) * this.clockRate) / 1000)) >>> 0;
      report = buildSenderReport({
        type: 'sr',
        ssrc: this.localSsrc,
        ntpMsw: ntp.msw,
        ntpLsw: ntp.lsw,
        rtpTimestamp,
        packetCount: this.packetsSent,
        octetCount: this.bytesSent,
        reports,
      });
    } else {
      report = buildReceiverReport({ ssrc: this.localSsrc, reports });
    }
    this.sentSinceReport = false;
    return Buffer.concat([report, buildSdes(this.localSsrc, cname)]);
  }

  stats(): StreamStats {
    return {
      kind: this.kind,
      codec: this.codec,
      packetsSent: this.packetsSent,
      bytesSent: this.bytesSent,
      packetsReceived: this.recv.packets,
      bytesReceived: this.recv.bytes,
      packetsLost: this.recv.lost,
      jitterMs: (this.recv.jitter * 1000) / this.clockRate,
      roundTripTimeMs: this.roundTripTimeMs,
      invalidPackets: this.invalidPackets,
      fastRoutePackets: this.fastRoutePackets,
      unexpectedSourcePackets: this.unexpectedSourcePackets,
      socketErrors: this.socketErrors,
      nackCount: this.nackCount,
      retransmittedPackets: this.retransmittedPackets,
    };
  }
}
