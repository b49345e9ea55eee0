// Receiver statistics of one RTP source: RFC 3550 Appendix A.1 (sequence tracking), A.3 (loss) and
// A.8 (interarrival jitter). Arrival times come from the caller (an injected clock).

import type { ReportBlock } from './rtcp-packet.js';

const RTP_SEQ_MOD = 1 << 16;
const MAX_DROPOUT = 3000;
const MAX_MISORDER = 100;

export class ReceiverStatistics {
  ssrc = 0;
  packets = 0;
  bytes = 0;
  #started = false;
  #baseSeq = 0;
  #maxSeq = 0;
  #cycles = 0;
  #expectedPrior = 0;
  #receivedPrior = 0;
  #transit = 0;
  /** RFC 3550 A.8 jitter, in timestamp units, scaled by 16. */
  #jitter16 = 0;
  /** Middle 32 bits of the last SR's NTP time and when it arrived (ms), for LSR/DLSR. */
  #lastSr = 0;
  #lastSrArrival = 0;

  /**
   * @param arrival arrival time in ms
   * @param clockRate of the payload, to turn the arrival time into timestamp units
   */
  update(ssrc: number, seq: number, timestamp: number, payloadBytes: number, arrival: number, clockRate: number): void {
    if (!this.#started || ssrc !== this.ssrc) {
      this.#started = true;
      this.ssrc = ssrc;
      this.#baseSeq = seq;
      this.#maxSeq = seq;
      this.#cycles = 0;
      this.#expectedPrior = 0;
      this.#receivedPrior = 0;
      this.packets = 0;
      this.#transit = 0;
      this.#jitter16 = 0;
    } else {
      const delta = (seq - this.#maxSeq + RTP_SEQ_MOD) % RTP_SEQ_MOD;
      if (delta < MAX_DROPOUT) {
        if (seq < this.#maxSeq) this.#cycles += RTP_SEQ_MOD;
        this.#maxSeq = seq;
      } else if (delta <= RTP_SEQ_MOD - MAX_MISORDER) {
        // A very large jump: the source restarted. RFC 3550 A.1 waits for two packets; we resync at once.
        this.#baseSeq = seq;
        this.#maxSeq = seq;
        this.#cycles = 0;
        this.packets = 0;
        this.#expectedPrior = 0;
        this.#receivedPrior = 0;
      }
    }
    this.packets++;
    this.bytes += payloadBytes;
    const arrivalUnits = Math.round((arrival * clockRate) / 1000);
    const transit = (arrivalUnits - timestamp) | 0;
    if (this.packets > 1) {
      const d = Math.abs((transit - this.#transit) | 0);
      // RFC 3550 A.8: J += (|D| - J) / 16, kept scaled by 16 in integers.
      this.#jitter16 += d - ((this.#jitter16 + 8) >> 4);
    }
    this.#transit = transit;
  }

  get extendedHighestSequence(): number {
    return this.#cycles + this.#maxSeq;
  }

  get expected(): number {
    return this.#started ? this.extendedHighestSequence - this.#baseSeq + 1 : 0;
  }

  /** Cumulative packets lost (may be negative with duplicates, RFC 3550 §6.4.1). */
  get lost(): number {
    return this.expected - this.packets;
  }

  /** Jitter in timestamp units. */
  get jitter(): number {
    return this.#jitter16 >> 4;
  }

  onSenderReport(ntpMsw: number, ntpLsw: number, arrival: number): void {
    this.#lastSr = ((ntpMsw & 0xffff) << 16) | (ntpLsw >>> 16);
    this.#lastSrArrival = arrival;
  }

  /** An RFC 3550 §6.4.1 report block; advances the "since last report" interval. */
  reportBlock(now: number): ReportBlock {
    const expected = this.expected;
    const expectedInterval = expected - this.#expectedPrior;
    const receivedInterval = this.packets - this.#receivedPrior;
    this.#expectedPrior = expected;
    this.#receivedPrior = this.packets;
    const lostInterval = expectedInterval - receivedInterval;
    const fractionLost =
      expectedInterval === 0 || lostInterval <= 0 ? 0 : Math.floor((lostInterval << 8) / expectedInterval);
    return {
      ssrc: this.ssrc,
      fractionLost: Math.min(255, fractionLost),
      cumulativeLost: this.lost,
      highestSequence: this.extendedHighestSequence >>> 0,
      jitter: this.jitter >>> 0,
      lastSr: this.#lastSr >>> 0,
      // DLSR in units of 1/65536 s.
      delaySinceLastSr: this.#lastSrArrival === 0 ? 0 : Math.round(((now - this.#lastSrArrival) * 65536) / 1000) >>> 0,
    };
  }

  get started(): boolean {
    return this.#started;
  }
}

/** NTP time (RFC 3550 §4) of a wall-clock time in ms. */
export function ntpTime(ms: number): { msw: number; lsw: number } {
  const seconds = ms / 1000 + 2208988800;
  const msw = Math.floor(seconds);
  return { msw: msw >>> 0, lsw: Math.floor((seconds - msw) * 2 ** 32) >>> 0 };
}

/** RFC 3550 §6.4.1 round-trip time in ms from a received report block (0 when the peer had no SR of ours). */
export function roundTripTime(block: ReportBlock, arrivalMs: number): number | undefined {
  if (block.lastSr === 0) return undefined;
  const { msw, lsw } = ntpTime(arrivalMs);
  const now = ((msw & 0xffff) << 16) | (lsw >>> 16);
  const rtt = ((now - block.lastSr - block.delaySinceLastSr) >>> 0) / 65536;
  return rtt > 1000 ? undefined : rtt * 1000;
}
