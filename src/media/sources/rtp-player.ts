// Paces a PCM source into G.711 frames, one every 20 ms (RFC 3551 §4.5: the default packetization of
// sample-based codecs), on an injected clock. Deadlines come from the start time, not from the previous
// timer, so timer lateness does not drift the stream; after a stall longer than MAX_CATCH_UP frames the
// frames in between are skipped (their timestamps too: RFC 3550 §5.1 timestamps follow the sampling
// instant, so the receiver sees the gap as a gap, with the marker bit on the first frame after it).

import { encodeG711, type G711Law } from './g711.js';
import type { PcmSource } from './pcm-source.js';

export interface PlayerClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemPlayerClock: PlayerClock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface PlayerFrame {
  payload: Buffer;
  /** RFC 3551 §4.1: set on the first packet of a talkspurt (the first frame, and after a gap). */
  marker: boolean;
  /** Samples since the start of the play: the RTP timestamp's offset. */
  offset: number;
}

export interface RtpPlayerOptions {
  source: PcmSource;
  law: G711Law;
  clock?: PlayerClock;
  /** Default 8000 (G.711). */
  sampleRate?: number;
  /** Default 20. */
  frameMs?: number;
  onFrame: (frame: PlayerFrame) => void;
  /** The source ended (a WAV played once); no more frames follow. */
  onEnded?: () => void;
}

const MAX_CATCH_UP = 5;

export class RtpPlayer {
  readonly #o: RtpPlayerOptions;
  readonly #clock: PlayerClock;
  readonly #frameMs: number;
  readonly #pcm: Int16Array;
  #start = 0;
  #next = 0;
  #timer: unknown;
  #gap = true;
  #stopped = false;

  constructor(o: RtpPlayerOptions) {
    this.#o = o;
    this.#clock = o.clock ?? systemPlayerClock;
    this.#frameMs = o.frameMs ?? 20;
    this.#pcm = new Int16Array(Math.round(((o.sampleRate ?? 8000) * this.#frameMs) / 1000));
  }

  /** Sends the first frame now and the next ones every frameMs. */
  start(): void {
    if (this.#stopped || this.#timer !== undefined) return;
    this.#start = this.#clock.now();
    this.#tick();
  }

  #tick(): void {
    this.#timer = undefined;
    if (this.#stopped) return;
    const due = Math.floor((this.#clock.now() - this.#start) / this.#frameMs);
    if (due - this.#next >= MAX_CATCH_UP) {
      this.#next = due;
      this.#gap = true;
    }
    while (this.#next <= due) {
      if (!this.#send(this.#next)) {
        this.stop();
        this.#o.onEnded?.();
        return;
      }
      this.#next++;
    }
    const wait = this.#start + this.#next * this.#frameMs - this.#clock.now();
    this.#timer = this.#clock.setTimeout(() => this.#tick(), Math.max(0, wait));
  }

  #send(index: number): boolean {
    const more = this.#o.source.read(this.#pcm);
    if (!more) return false;
    const payload = Buffer.allocUnsafe(this.#pcm.length);
    encodeG711(this.#o.law, this.#pcm, payload);
    this.#o.onFrame({ payload, marker: this.#gap, offset: index * this.#pcm.length });
    this.#gap = false;
    return true;
  }

  /** Stops sending. Idempotent; onEnded is not called. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
