// The SDK's one event mechanism: handlers per event name, chainable `on`, errors in a handler reported on the
// console (never swallowed, never breaking the SDK's own state).

// biome-ignore lint/suspicious/noExplicitAny: handler signatures vary per event; each class narrows them in its `on`.
export type Handler = (...args: any[]) => void;

export class Emitter {
  readonly #handlers = new Map<string, Set<Handler>>();

  on(event: string, handler: Handler): void {
    if (typeof handler !== 'function') throw new TypeError(`on(${event}): the handler must be a function`);
    let set = this.#handlers.get(event);
    if (!set) {
      set = new Set();
      this.#handlers.set(event, set);
    }
    set.add(handler);
  }

  off(event: string, handler: Handler): void {
    this.#handlers.get(event)?.delete(handler);
  }

  emit(event: string, ...args: unknown[]): void {
    for (const h of [...(this.#handlers.get(event) ?? [])]) {
      try {
        h(...args);
      } catch (e) {
        console.error(`parley: a handler of ${event} threw`, e);
      }
    }
  }
}
