// A cap on the media sessions open at once over the whole server (PARLEY_MAX_MEDIA_SESSIONS): each call's
// WebRTC and RTP legs take sockets, ports and memory, so an INVITE flood must not open them without bound.
// A call takes a slot before it opens media and gives it back when its media closes.

export class MediaLimit {
  readonly max: number;
  #open = 0;

  constructor(max: number) {
    this.max = max;
  }

  get open(): number {
    return this.#open;
  }

  /** A slot, with the function that gives it back (once); undefined when all are taken. */
  acquire(): (() => void) | undefined {
    if (this.#open >= this.max) return undefined;
    this.#open++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#open--;
    };
  }
}
