// RTP packets of a stream the server originates (RFC 3550 §5.1): random initial sequence number and
// timestamp, the SSRC of the leg, sequence numbers consecutive, timestamps from the sampling offset.

import { randomBytes } from 'node:crypto';
import { writeRtpHeader } from '../rtp/rtp-header.js';

export class RtpPacketizer {
  #seq: number;
  readonly #tsBase: number;

  constructor(
    readonly ssrc: () => number,
    readonly payloadType: number,
  ) {
    const r = randomBytes(6);
    this.#seq = r.readUInt16BE(0);
    this.#tsBase = r.readUInt32BE(2);
  }

  packet(payload: Buffer, marker: boolean, offset: number): Buffer {
    const buf = Buffer.allocUnsafe(12 + payload.length);
    writeRtpHeader(buf, {
      marker,
      payloadType: this.payloadType,
      sequenceNumber: this.#seq,
      timestamp: (this.#tsBase + offset) >>> 0,
      ssrc: this.ssrc(),
    });
    this.#seq = (this.#seq + 1) & 0xffff;
    payload.copy(buf, 12);
    return buf;
  }
}
