// The page's small media helpers: the ring sound, audio level meters, and the call timer.
// Web Audio only: no sound files to load, and nothing here knows about calls.

/** A two-tone ring (440 + 480 Hz, 2 s on / 4 s off, the North American cadence), made with Web Audio. */
export class Ringer {
  private ctx: AudioContext | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;

  start(): void {
    if (this.timer) return;
    try {
      this.ctx ??= new AudioContext();
    } catch (e) {
      console.warn('parley phone: no audio output for the ring sound', e);
      return;
    }
    const ring = () => this.burst(2);
    ring();
    this.timer = setInterval(ring, 6000);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private burst(seconds: number): void {
    const ctx = this.ctx;
    if (!ctx) return;
    const gain = ctx.createGain();
    gain.gain.value = 0.08;
    gain.connect(ctx.destination);
    for (const hz of [440, 480]) {
      const osc = ctx.createOscillator();
      osc.frequency.value = hz;
      osc.connect(gain);
      osc.start();
      osc.stop(ctx.currentTime + seconds);
    }
  }
}

/** Drives a <meter> from a MediaStream's level (RMS of the time-domain signal), until stopped. */
export class LevelMeter {
  private ctx: AudioContext | undefined;
  private raf = 0;

  constructor(private readonly meter: HTMLMeterElement) {}

  /**
   * Follows `stream`'s audio. A call's remote stream may get its audio track only after the call is up (the
   * SDK adds the track when the answer is applied, and a programmatic addTrack fires no event): the source
   * is connected on the first frame that finds an audio track.
   */
  attach(stream: MediaStream | undefined): void {
    this.detach();
    if (!stream) return;
    try {
      this.ctx = new AudioContext();
    } catch (e) {
      console.warn('parley phone: level meter unavailable', e);
      return;
    }
    const ctx = this.ctx;
    const analyser = ctx.createAnalyser();
    analyser.fftSize = 512;
    let connected = false;
    const samples = new Float32Array(analyser.fftSize);
    const tick = () => {
      if (!connected && stream.getAudioTracks().length > 0) {
        ctx.createMediaStreamSource(stream).connect(analyser);
        connected = true;
      }
      analyser.getFloatTimeDomainData(samples);
      let sum = 0;
      for (const s of samples) sum += s * s;
      this.meter.value = connected ? Math.min(1, Math.sqrt(sum / samples.length) * 4) : 0;
      this.raf = requestAnimationFrame(tick);
    };
    tick();
  }

  detach(): void {
    cancelAnimationFrame(this.raf);
    this.meter.value = 0;
    const ctx = this.ctx;
    this.ctx = undefined;
    if (ctx) ctx.close().catch((e: unknown) => console.warn('parley phone: closing level meter', e));
  }
}

/** Shows the time since a call was established as m:ss (or h:mm:ss). */
export class CallTimer {
  private started = 0;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly el: HTMLElement) {}

  start(): void {
    if (this.timer) return;
    this.started = Date.now();
    this.render();
    this.timer = setInterval(() => this.render(), 1000);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  reset(): void {
    this.stop();
    this.el.textContent = '';
  }

  private render(): void {
    const s = Math.floor((Date.now() - this.started) / 1000);
    const hh = Math.floor(s / 3600);
    const mm = Math.floor((s % 3600) / 60);
    const ss = String(s % 60).padStart(2, '0');
    this.el.textContent = hh > 0 ? `${hh}:${String(mm).padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
  }
}
