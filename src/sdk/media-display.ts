// Puts a MediaStream on the page: into a given <video>/<audio> element, or into a new one inside a given
// container (a <video> when the stream has video, else an <audio>), or, for remote audio with no display, a
// hidden <audio> so that the call is heard. `detach` removes what was created and clears what was given.

export class MediaDisplay {
  readonly #created: HTMLMediaElement[] = [];
  readonly #used: HTMLMediaElement[] = [];

  attach(
    stream: MediaStream,
    display: HTMLElement | null | undefined,
    opts: { local: boolean },
  ): HTMLMediaElement | undefined {
    const hasVideo = stream.getVideoTracks().length > 0;
    let el: HTMLMediaElement | undefined;
    if (display instanceof HTMLMediaElement) {
      el = display;
      this.#used.push(el);
    } else if (display || !opts.local) {
      el = document.createElement(hasVideo ? 'video' : 'audio');
      if (!display) el.hidden = true;
      (display ?? document.body).appendChild(el);
      this.#created.push(el);
    }
    if (!el) return undefined;
    el.autoplay = true;
    if (el instanceof HTMLVideoElement) el.playsInline = true;
    el.muted = opts.local; // never play one's own microphone back
    if (el.srcObject !== stream) el.srcObject = stream;
    el.play().catch((e: unknown) => console.warn('parley: media element did not start playing', e));
    return el;
  }

  detach(): void {
    for (const el of this.#created.splice(0)) {
      el.srcObject = null;
      el.remove();
    }
    for (const el of this.#used.splice(0)) el.srcObject = null;
  }
}
