// One direction of one stream through the bridge: payload-type rewrite, and SSRC / sequence number /
// timestamp continuity. The far end sees one continuous stream (RFC 3550 §5.1, §8.2) even when the source
// changes (re-INVITE, transfer to another party, browser renegotiation): when a new SSRC arrives, offsets
// are chosen so that the next packet follows the last one sent, and its timestamp advances by the time
// that passed. Injected packets (generated DTMF) take sequence numbers of their own and shift the offset.

import type { PayloadTypeMap } from '../sdp/index.js';
import type { RtpHeader } from './rtp/rtp-header.js';
import { setPayloadType, setSequenceNumber, setSsrc, setTimestamp, writeRtpHeader } from './rtp/rtp-header.js';
import { scaleTelephoneEventDuration } from './rtp/telephone-event.js';

export class Forwarder {
  #started = false;
  #inSsrc = -1;
  #seqOffset = 0;
  #tsOffset = 0;
  lastSeq = 0;
  lastTimestamp = 0;
  lastAt = 0;
  /** Packets dropped for lack of a route (PT not negotiated on the outgoing leg). */
  unrouted = 0;
  /**
   * Called when what a fast route was programmed from changes (routes, the offsets after an injected
   * packet or a new source SSRC): the bridge clears the route, the next packet re-programs it.
   */
  onChange: (() => void) | undefined;
  #routes: PayloadTypeMap = [];
  #fastPayloadTypes: Buffer | undefined;

  constructor(
    /** Returns the SSRC the outgoing leg sends with. */
    readonly outSsrc: () => number,
    readonly clockRate: () => number,
  ) {}

  get routes(): PayloadTypeMap {
    return this.#routes;
  }

  set routes(routes: PayloadTypeMap) {
    this.#routes = routes;
    this.#fastPayloadTypes = undefined;
    this.onChange?.();
  }

  /**
   * Rewrites the packet in place for the outgoing leg; returns false to drop it.
   * @param now ms, for the timestamp gap when the source changes
   */
  rewrite(buf: Buffer, h: RtpHeader, now: number): boolean {
    const route = this.#routes[h.payloadType];
    if (route === undefined) {
      this.unrouted++;
      return false;
    }
    if (h.ssrc !== this.#inSsrc) this.#resync(h, now);
    const seq = (h.sequenceNumber + this.#seqOffset) & 0xffff;
    const ts = (h.timestamp + this.#tsOffset) >>> 0;
    if (route.payloadType !== h.payloadType) setPayloadType(buf, route.payloadType);
    if (route.kind === 'telephone-event' && route.inClockRate !== route.outClockRate) {
      // RFC 4733 §2.5.1.3 durations are in the event clock; timestamps stay on the stream's (audio) clock.
      scaleTelephoneEventDuration(buf, h.payloadOffset, route.inClockRate, route.outClockRate);
    }
    setSsrc(buf, this.outSsrc());
    setSequenceNumber(buf, seq);
    setTimestamp(buf, ts);
    this.#advance(seq, ts, now);
    return true;
  }

  #advance(seq: number, ts: number, now: number): void {
    if (((seq - this.lastSeq) & 0xffff) < 0x8000 || !this.#started) {
      this.lastSeq = seq;
      this.lastTimestamp = ts;
      this.lastAt = now;
    }
    this.#started = true;
  }

  /**
   * What a fast route needs to do what rewrite() does, for the source SSRC of the last packet: the
   * offsets and the PTs it maps (RFC 4733 events excluded: the bridge reads them and may rescale them).
   */
  fastRoute(): { inSsrc: number; sequenceOffset: number; timestampOffset: number; payloadTypes: Buffer } {
    if (this.#fastPayloadTypes === undefined) {
      const pts = Buffer.alloc(128, 255);
      this.#routes.forEach((route, pt) => {
        if (route !== undefined && route.kind !== 'telephone-event') pts[pt] = route.payloadType;
      });
      this.#fastPayloadTypes = pts;
    }
    return {
      inSsrc: this.#inSsrc,
      sequenceOffset: this.#seqOffset,
      timestampOffset: this.#tsOffset,
      payloadTypes: this.#fastPayloadTypes,
    };
  }

  /** A packet the fast route rewrote and sent (as rewrite() would have); returns its outgoing timestamp. */
  noteForwarded(sequenceNumber: number, timestamp: number, now: number): number {
    const ts = (timestamp + this.#tsOffset) >>> 0;
    this.#advance((sequenceNumber + this.#seqOffset) & 0xffff, ts, now);
    return ts;
  }

  #resync(h: RtpHeader, now: number): void {
    this.#inSsrc = h.ssrc;
    this.onChange?.();
    if (!this.#started) {
      this.#seqOffset = 0;
      this.#tsOffset = 0;
      return;
    }
    const elapsed = Math.max(1, Math.round(((now - this.lastAt) * this.clockRate()) / 1000));
    this.#seqOffset = (this.lastSeq + 1 - h.sequenceNumber) & 0xffff;
    this.#tsOffset = (this.lastTimestamp + elapsed - h.timestamp) >>> 0;
  }

  /** Incoming sequence number of a packet we sent as `outSeq` (to translate NACKs back). */
  inboundSequence(outSeq: number): number {
    return (outSeq - this.#seqOffset) & 0xffff;
  }

  /** The timestamp a packet generated now would carry (continuing the stream). */
  currentTimestamp(now: number): number {
    if (!this.#started) return 0;
    return (this.lastTimestamp + Math.round(((now - this.lastAt) * this.clockRate()) / 1000)) >>> 0;
  }

  /**
   * Builds a packet of our own in this stream (RFC 4733 events): the next sequence number, shifting the
   * offset so forwarded packets that follow do not reuse it.
   */
  inject(payload: Buffer, payloadType: number, marker: boolean, timestamp: number, now: number): Buffer {
    const buf = Buffer.alloc(12 + payload.length);
    const seq = (this.lastSeq + 1) & 0xffff;
    writeRtpHeader(buf, { marker, payloadType, sequenceNumber: seq, timestamp, ssrc: this.outSsrc() });
    payload.copy(buf, 12);
    this.#seqOffset = (this.#seqOffset + 1) & 0xffff;
    this.onChange?.();
    if (!this.#started) {
      this.#started = true;
      this.lastTimestamp = timestamp;
      this.lastAt = now;
    }
    this.lastSeq = seq;
    return buf;
  }
}
