// The clock every protocol timer of the SIP stack runs on (RFC 3261 §17 timers, idle connections,
// keep-alive). It is injected so that tests run the RFC's 32-second timeouts in microseconds: `FakeClock`
// advances only when a test calls `tick`, and fires the timers that fall due in order.

/** An opaque handle returned by `setTimeout`, given back to `clearTimeout`. */
export interface TimerHandle {
  readonly timerId: number;
}

export interface Clock {
  /** Milliseconds since an arbitrary origin; only differences are meaningful. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Cancels a pending timer; a handle that already fired or was cleared is ignored. */
  clearTimeout(handle: TimerHandle): void;
}

/** The process's own timers. Timers are unref'ed: a pending SIP timer never keeps the process alive. */
export class RealClock implements Clock {
  private nextId = 1;
  private readonly timers = new Map<number, NodeJS.Timeout>();

  now(): number {
    return performance.now();
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timerId = this.nextId++;
    const t = setTimeout(() => {
      this.timers.delete(timerId);
      fn();
    }, ms);
    t.unref();
    this.timers.set(timerId, t);
    return { timerId };
  }

  clearTimeout(handle: TimerHandle): void {
    const t = this.timers.get(handle.timerId);
    if (t === undefined) return;
    clearTimeout(t);
    this.timers.delete(handle.timerId);
  }
}

interface FakeTimer {
  readonly timerId: number;
  readonly due: number;
  readonly fn: () => void;
}

/**
 * A clock for tests. Time stands still until `tick(ms)`, which fires every timer due within the interval in
 * order of due time (then order of creation), with `now()` set to each timer's due time while it runs.
 * Timers set by a firing timer fire in the same tick when they fall due within it.
 */
export class FakeClock implements Clock {
  private time: number;
  private nextId = 1;
  private timers: FakeTimer[] = [];

  constructor(start = 0) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timerId = this.nextId++;
    this.timers.push({ timerId, due: this.time + Math.max(0, ms), fn });
    return { timerId };
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers = this.timers.filter((t) => t.timerId !== handle.timerId);
  }

  /** Number of timers still pending. */
  get pending(): number {
    return this.timers.length;
  }

  /** Advances time by `ms`, firing every timer that falls due, in order. */
  tick(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      let next: FakeTimer | undefined;
      for (const t of this.timers) {
        if (t.due > end) continue;
        if (next === undefined || t.due < next.due || (t.due === next.due && t.timerId < next.timerId)) next = t;
      }
      if (next === undefined) break;
      const fired = next;
      this.timers = this.timers.filter((t) => t !== fired);
      this.time = fired.due;
      fired.fn();
    }
    this.time = end;
  }

  /** Advances to the next pending timer and fires it (and any due at the same time); returns false if none. */
  tickToNext(): boolean {
    let due: number | undefined;
    for (const t of this.timers) if (due === undefined || t.due < due) due = t.due;
    if (due === undefined) return false;
    this.tick(due - this.time);
    return true;
  }
}
