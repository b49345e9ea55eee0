// The last RTP packets sent in one video stream, kept so that a Generic NACK (RFC 4585 §6.2.1) from the
// peer is answered by sending the packet again in the original stream (same SSRC, sequence number and
// payload: RFC 4585 §3.1 — no RTX stream, RFC 4588, is negotiated) instead of asking the far source.
//
// Bounded by count (slots indexed by the 16-bit sequence number modulo a power of two) and by age. The
// bytes live in one ring that packets are copied into one after another: nothing is allocated per packet.
// The ring starts small and doubles only while packets younger than the age bound would be overwritten,
// up to a byte cap, so a stream costs about its bitrate × the age bound (plus ~15 bytes a slot).
//
// Retransmissions are rate-limited so that a broken or hostile peer cannot make us amplify traffic: a
// packet is sent again at most `maxResends` times and not twice within `minIntervalMs` (an RTT), and all
// retransmissions together spend a budget that grows with the bytes sent (`budgetRatio` of them).

export interface RetransmissionBufferOptions {
  /** Packets kept, a power of two (default 512). */
  maxPackets?: number;
  /** Packets older than this are not sent again (default 1000 ms). */
  maxAgeMs?: number;
  /** First size of the byte ring (default 16 KiB). */
  initialBytes?: number;
  /** Largest size of the byte ring (default 512 KiB: 4 Mbit/s for 1 s). */
  maxBytes?: number;
  /** Times one packet may be sent again (default 3). */
  maxResends?: number;
  /** Retransmitted bytes allowed per byte sent (default 0.5: at worst 1.5× the stream's rate). */
  budgetRatio?: number;
}

/** What resend() found: the packet (a copy, safe to hand to a send path), or why not. */
export type Resend = Buffer | 'missing' | 'limited';

export class RetransmissionBuffer {
  readonly #mask: number;
  readonly #maxAgeMs: number;
  readonly #maxBytes: number;
  readonly #maxResends: number;
  readonly #budgetRatio: number;
  readonly #initialBytes: number;
  /** Per slot (seq & mask): its sequence number (-1: empty), ring position, length, time sent, resends. */
  readonly #seq: Int32Array;
  readonly #pos: Float64Array;
  readonly #len: Uint16Array;
  readonly #at: Float64Array;
  readonly #resends: Uint8Array;
  readonly #resentAt: Float64Array;
  /** Slots in the order their bytes were written (oldest at #tail), to know what the ring overwrites. */
  readonly #order: Int32Array;
  readonly #orderPos: Float64Array;
  #tail = 0;
  #count = 0;
  #ring: Buffer | undefined;
  /** Absolute position of the next byte written (the ring offset is this modulo the ring's size). */
  #writePos = 0;
  #budget = 0;

  constructor(options: RetransmissionBufferOptions = {}) {
    const maxPackets = options.maxPackets ?? 512;
    if (maxPackets < 1 || maxPackets > 0x8000 || (maxPackets & (maxPackets - 1)) !== 0) {
      throw new RangeError(`maxPackets must be a power of two up to 32768, not ${maxPackets}`);
    }
    this.#mask = maxPackets - 1;
    this.#maxAgeMs = options.maxAgeMs ?? 1000;
    this.#maxBytes = options.maxBytes ?? 512 * 1024;
    this.#initialBytes = Math.min(options.initialBytes ?? 16 * 1024, this.#maxBytes);
    this.#maxResends = options.maxResends ?? 3;
    this.#budgetRatio = options.budgetRatio ?? 0.5;
    this.#seq = new Int32Array(maxPackets).fill(-1);
    this.#pos = new Float64Array(maxPackets);
    this.#len = new Uint16Array(maxPackets);
    this.#at = new Float64Array(maxPackets);
    this.#resends = new Uint8Array(maxPackets);
    this.#resentAt = new Float64Array(maxPackets);
    this.#order = new Int32Array(maxPackets);
    this.#orderPos = new Float64Array(maxPackets);
  }

  /** Bytes held: the ring plus the slot tables. */
  get byteSize(): number {
    return (this.#ring?.length ?? 0) + (this.#mask + 1) * (4 + 8 + 2 + 8 + 1 + 8 + 4 + 8);
  }

  /** Keeps a copy of a packet as sent (plain RTP, before SRTP). */
  store(packet: Uint8Array, seq: number, now: number): void {
    const slot = seq & this.#mask;
    const len = packet.length;
    if (len > this.#maxBytes || len > 0xffff) {
      this.#seq[slot] = -1;
      return;
    }
    let ring = this.#ring;
    if (ring === undefined) {
      let size = this.#initialBytes;
      while (size < len * 4 && size < this.#maxBytes) size *= 2;
      ring = Buffer.allocUnsafe(Math.min(size, this.#maxBytes));
      this.#ring = ring;
    }
    for (;;) {
      const start = this.#startFor(len, ring.length);
      // Bytes before `start + len - ring.length` are overwritten: let go of the packets there, or grow
      // the ring when one of them is still young enough to be asked for.
      const overwritten = start + len - ring.length;
      if (this.#count === this.#mask + 1) this.#dropOldest(); // count bound: the order list is full
      while (this.#count > 0 && (this.#orderPos[this.#tail] as number) < overwritten) {
        const old = this.#order[this.#tail] as number;
        const live = this.#pos[old] === this.#orderPos[this.#tail] && this.#seq[old] !== -1;
        if (live && now - (this.#at[old] as number) < this.#maxAgeMs && ring.length < this.#maxBytes) break;
        this.#dropOldest();
      }
      if (this.#count > 0 && (this.#orderPos[this.#tail] as number) < overwritten) {
        ring = this.#grow(ring.length * 2);
        continue;
      }
      ring.set(packet, start % ring.length);
      this.#writePos = start + len;
      break;
    }
    const start = this.#writePos - len;
    this.#seq[slot] = seq & 0xffff;
    this.#pos[slot] = start;
    this.#len[slot] = len;
    this.#at[slot] = now;
    this.#resends[slot] = 0;
    const i = (this.#tail + this.#count) & this.#mask;
    this.#order[i] = slot;
    this.#orderPos[i] = start;
    this.#count++;
    this.#budget = Math.min(this.#budget + len * this.#budgetRatio, this.#maxBytes);
  }

  /** The packet sent with `seq`, when it is still held and not older than the age bound (a view). */
  get(seq: number, now: number): Buffer | undefined {
    const slot = seq & this.#mask;
    const ring = this.#ring;
    if (ring === undefined || this.#seq[slot] !== (seq & 0xffff)) return undefined;
    const pos = this.#pos[slot] as number;
    if (pos < this.#writePos - ring.length || now - (this.#at[slot] as number) > this.#maxAgeMs) return undefined;
    const offset = pos % ring.length;
    return ring.subarray(offset, offset + (this.#len[slot] as number));
  }

  /**
   * A copy of the packet `seq` to send again, 'missing' when it is not held (never sent, too old, pushed
   * out), or 'limited' when the rate limits say no (sent again too often or too recently, budget spent).
   * @param minIntervalMs no second retransmission of a packet within this time (about one RTT)
   */
  resend(seq: number, now: number, minIntervalMs: number): Resend {
    const packet = this.get(seq, now);
    if (packet === undefined) return 'missing';
    const slot = seq & this.#mask;
    const resends = this.#resends[slot] as number;
    if (resends >= this.#maxResends) return 'limited';
    if (resends > 0 && now - (this.#resentAt[slot] as number) < minIntervalMs) return 'limited';
    if (this.#budget < packet.length) return 'limited';
    this.#budget -= packet.length;
    this.#resends[slot] = resends + 1;
    this.#resentAt[slot] = now;
    return Buffer.from(packet);
  }

  /** Where a packet of `len` bytes goes: packets never straddle the ring's end. */
  #startFor(len: number, size: number): number {
    const offset = this.#writePos % size;
    return offset + len > size ? this.#writePos + (size - offset) : this.#writePos;
  }

  #dropOldest(): void {
    this.#tail = (this.#tail + 1) & this.#mask;
    this.#count--;
  }

  /** A bigger ring holding the live packets one after another, in the order they were sent. */
  #grow(size: number): Buffer {
    const old = this.#ring as Buffer;
    const ring = Buffer.allocUnsafe(Math.min(size, this.#maxBytes));
    let writePos = 0;
    let kept = 0;
    for (let k = 0; k < this.#count; k++) {
      const i = (this.#tail + k) & this.#mask;
      const slot = this.#order[i] as number;
      const pos = this.#orderPos[i] as number;
      if (this.#pos[slot] !== pos || this.#seq[slot] === -1 || pos < this.#writePos - old.length) continue;
      const len = this.#len[slot] as number;
      const offset = pos % old.length;
      old.copy(ring, writePos, offset, offset + len);
      this.#pos[slot] = writePos;
      const j = (this.#tail + kept) & this.#mask;
      this.#order[j] = slot;
      this.#orderPos[j] = writePos;
      kept++;
      writePos += len;
    }
    this.#count = kept;
    this.#writePos = writePos;
    this.#ring = ring;
    return ring;
  }
}
