// RFC 3261 §14.1 after a 491 (and RFC 3311 §5.2 for UPDATE): "If the UAC is the owner of the Call-ID of the
// dialog ID ... it MUST set a timer with a value randomly chosen between 2.1 and 4 seconds in units of 10 ms.
// If the UAC is not the owner of the Call-ID ... between 0 and 2 seconds in units of 10 ms."
import { randomInt } from 'node:crypto';
import type { Clock, TimerHandle } from '../clock.js';

export class GlareBackoff {
  /** Pending waits and the resolver that ends each (release() ends them all). */
  private readonly waits = new Map<TimerHandle, () => void>();

  constructor(
    private readonly clock: Clock,
    private readonly isCallIdOwner: boolean,
  ) {}

  /** The back-off in milliseconds. */
  delay(): number {
    return this.isCallIdOwner ? randomInt(210, 401) * 10 : randomInt(0, 201) * 10;
  }

  /** Resolves after the back-off, or at once when release() is called (the session ended). */
  wait(): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = this.clock.setTimeout(() => {
        this.waits.delete(t);
        resolve();
      }, this.delay());
      this.waits.set(t, resolve);
    });
  }

  release(): void {
    for (const [t, resolve] of this.waits) {
      this.clock.clearTimeout(t);
      resolve();
    }
    this.waits.clear();
  }
}
