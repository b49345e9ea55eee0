// Test helper: a list of things that happened, and a promise for the first one matching a predicate
// (already there, or still to come), which rejects after a timeout so that a test fails instead of hanging.

export class Recorder<T> {
  readonly items: T[] = [];
  #waiters: { pred: (item: T) => boolean; resolve: (item: T) => void }[] = [];

  push(item: T): void {
    this.items.push(item);
    for (const w of [...this.#waiters]) {
      if (w.pred(item)) {
        this.#waiters.splice(this.#waiters.indexOf(w), 1);
        w.resolve(item);
      }
    }
  }

  /** The first item (from `from` on) that matches, now or when it comes. */
  waitFor<U extends T>(
    pred: ((item: T) => item is U) | ((item: T) => boolean),
    what = 'item',
    timeoutMs = 2000,
    from = 0,
  ): Promise<U> {
    const found = this.items.slice(from).find(pred);
    if (found !== undefined) return Promise.resolve(found as U);
    return new Promise<U>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w.resolve !== done);
        reject(
          new Error(
            `timed out after ${timeoutMs} ms waiting for ${what}; got ${JSON.stringify(this.items).slice(-1500)}`,
          ),
        );
      }, timeoutMs);
      const done = (item: T) => {
        clearTimeout(timer);
        resolve(item as U);
      };
      this.#waiters.push({ pred, resolve: done });
    });
  }
}
