// RFC 3711 §3.3.2: the receiver's replay list, a sliding window of the last 64 packet indices
// authenticated (SRTP: the 48-bit index ROC || SEQ; SRTCP: the 31-bit SRTCP index).

export const REPLAY_WINDOW_SIZE = 64;

export class ReplayWindow {
  /** Highest index accepted so far; -1 before the first. */
  #highest = -1;
  /** Bit i set: index highest - i was accepted (i < 64), as two 32-bit halves. */
  #low = 0;
  #high = 0;

  /** False when `index` is a replay or older than the window: the packet must be dropped. */
  check(index: number): boolean {
    if (index > this.#highest) return true;
    const delta = this.#highest - index;
    if (delta >= REPLAY_WINDOW_SIZE) return false;
    return !this.#has(delta);
  }

  /** Records `index` as accepted; call only after the packet authenticated. */
  accept(index: number): void {
    if (index > this.#highest) {
      const shift = this.#highest < 0 ? REPLAY_WINDOW_SIZE : index - this.#highest;
      this.#shift(shift);
      this.#highest = index;
      this.#low |= 1;
      return;
    }
    const delta = this.#highest - index;
    if (delta < 32) this.#low |= 1 << delta;
    else if (delta < REPLAY_WINDOW_SIZE) this.#high |= 1 << (delta - 32);
  }

  #has(delta: number): boolean {
    return delta < 32 ? (this.#low & (1 << delta)) !== 0 : (this.#high & (1 << (delta - 32))) !== 0;
  }

  #shift(n: number): void {
    if (n >= REPLAY_WINDOW_SIZE) {
      this.#low = 0;
      this.#high = 0;
    } else if (n >= 32) {
      this.#high = n === 32 ? this.#low : this.#low << (n - 32);
      this.#low = 0;
    } else if (n > 0) {
      this.#high = (this.#high << n) | (this.#low >>> (32 - n));
      this.#low = this.#low << n;
    }
  }
}
