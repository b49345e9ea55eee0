// RTP packets of a stream the server originates (RFC 3550 §5.1): random initial sequence number and
// timestamp, the leg's SSRC, consecutive sequence numbers. One packetizer per leg for the leg's lifetime,
// so that sounds played one after another stay one stream: a new sound's first timestamp continues from
// the last packet by the time that passed (at least one frame), and its marker bit opens a talkspurt
// (RFC 3551 §4.1). A receiver's jitter buffer never sees the stream jump back or restart.

import { randomBytes } from 'node:crypto';
import { writeRtpHeader } from '../rtp/rtp-header.js';

export class RtpPacketizer {
  #seq: number;
  #spurtBase: number;
  #started = false;
  #lastTimestamp = 0;
  #lastSamples = 0;
  #lastAt = 0;

  constructor(
    readonly ssrc: () => number,
    readonly clockRate = 8000,
  ) {
    const r = randomBytes(6);
    this.#seq = r.readUInt16BE(0);
    this.#spurtBase = r.readUInt32BE(2);
  }

  /** A new sound starts at `now` (ms): its offset 0 follows the stream's last packet in time. */
  beginSound(now: number): void {
    if (!this.#started) return;
    const elapsed = Math.round(((now - this.#lastAt) * this.clockRate) / 1000);
    this.#spurtBase = (this.#lastTimestamp + Math.max(this.#lastSamples, elapsed)) >>> 0;
  }

  /** The timestamp a packet sampled at `now` carries: the stream's last one plus the time since. */
  timestampAt(now: number): number {
    if (!this.#started) return this.#spurtBase;
    return (this.#lastTimestamp + Math.round(((now - this.#lastAt) * this.clockRate) / 1000)) >>> 0;
  }

  /**
   * A packet with a timestamp of its own: RFC 4733 §2.5.1.2, every packet of an event carries the event's
   * start. The next sequence number; the stream's timing (what timestampAt and beginSound continue from)
   * is left to the sound's packets, unless this is the stream's first packet.
   */
  packetAt(payloadType: number, payload: Buffer, marker: boolean, timestamp: number, now: number): Buffer {
    const buf = Buffer.allocUnsafe(12 + payload.length);
    writeRtpHeader(buf, { marker, payloadType, sequenceNumber: this.#seq, timestamp, ssrc: this.ssrc() });
    this.#seq = (this.#seq + 1) & 0xffff;
    payload.copy(buf, 12);
    if (!this.#started) {
      this.#started = true;
      this.#lastTimestamp = timestamp;
      this.#lastSamples = 0;
      this.#lastAt = now;
    }
    return buf;
  }

  /** A packet of `payload` (G.711: one byte per sample) at `offset` samples into the current sound. */
  packet(payloadType: number, payload: Buffer, marker: boolean, offset: number, now: number): Buffer {
    const buf = Buffer.allocUnsafe(12 + payload.length);
    const timestamp = (this.#spurtBase + offset) >>> 0;
    writeRtpHeader(buf, { marker, payloadType, sequenceNumber: this.#seq, timestamp, ssrc: this.ssrc() });
    this.#seq = (this.#seq + 1) & 0xffff;
    payload.copy(buf, 12);
    this.#started = true;
    this.#lastTimestamp = timestamp;
    this.#lastSamples = payload.length;
    this.#lastAt = now;
    return buf;
  }
}
