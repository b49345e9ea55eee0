// A tone detector that runs inside a browser page: Web Audio AnalyserNode on a MediaStream (a remote
// WebRTC stream, typically). The page code is a plain string, not a serialised function, so the
// TypeScript loader's helpers never leak into the page.
import type { PageLike } from './browsers.js';

export interface InPageToneResult {
  present: boolean;
  /** Analyser frames taken, and how many had the tone as their peak well above the noise floor. */
  frames: number;
  hits: number;
  /** Strongest frequency of the last frame, its level and the median level (dBFS). */
  peakHz: number;
  peakDb: number;
  medianDb: number;
  sampleRate: number;
}

export interface InPageToneOptions {
  /** How long to listen (ms). */
  durationMs?: number;
  /** How far the peak may sit from the expected frequency (Hz). */
  toleranceHz?: number;
  /** How far above the median bin the peak must stand (dB). */
  minDbAboveMedian?: number;
}

const DETECTOR = `async (stream, freqHz, durationMs, toleranceHz, minDb) => {
  if (!(stream instanceof MediaStream)) throw new Error('detectToneInPage: not a MediaStream: ' + String(stream));
  const ctx = new AudioContext();
  await ctx.resume();
  // Chromium only feeds a remote WebRTC stream into Web Audio while a media element plays it.
  const sink = new Audio();
  sink.muted = true;
  sink.srcObject = stream;
  await sink.play();
  const source = ctx.createMediaStreamSource(stream);
  const analyser = ctx.createAnalyser();
  analyser.fftSize = 8192;
  analyser.smoothingTimeConstant = 0;
  source.connect(analyser);
  const bins = new Float32Array(analyser.frequencyBinCount);
  const binHz = ctx.sampleRate / analyser.fftSize;
  let frames = 0, hits = 0, peakHz = 0, peakDb = -Infinity, medianDb = -Infinity;
  const end = performance.now() + durationMs;
  while (performance.now() < end) {
    await new Promise((r) => setTimeout(r, 100));
    analyser.getFloatFrequencyData(bins);
    let peak = 1;
    for (let i = 1; i < bins.length; i++) if (bins[i] > bins[peak]) peak = i;
    const sorted = Array.from(bins).filter(Number.isFinite).sort((a, b) => a - b);
    frames++;
    peakHz = peak * binHz;
    peakDb = bins[peak];
    medianDb = sorted.length ? sorted[Math.floor(sorted.length / 2)] : -Infinity;
    if (Math.abs(peakHz - freqHz) <= toleranceHz && peakDb - medianDb >= minDb && peakDb > -80) hits++;
  }
  source.disconnect();
  sink.srcObject = null;
  await ctx.close();
  return { present: frames > 0 && hits >= frames / 2, frames, hits, peakHz, peakDb, medianDb, sampleRate: ctx.sampleRate };
}`;

/**
 * Listens to the MediaStream that `streamExpr` evaluates to in the page (e.g. `window.remoteStream`)
 * and says whether `freqHz` is its dominant tone.
 */
export async function detectToneInPage(
  page: PageLike,
  streamExpr: string,
  freqHz: number,
  options: InPageToneOptions = {},
): Promise<InPageToneResult> {
  const args = [
    streamExpr,
    String(freqHz),
    String(options.durationMs ?? 1500),
    String(options.toleranceHz ?? 25),
    String(options.minDbAboveMedian ?? 30),
  ];
  return page.evaluate<InPageToneResult>(`(${DETECTOR})(${args.join(', ')})`);
}

/**
 * Listens in windows of 1.5 s until `freqHz` is heard or `timeoutMs` has passed (audio can take a moment
 * to start after a call or a re-offer); the last window's result.
 */
export async function toneWithin(
  page: PageLike,
  streamExpr: string,
  freqHz: number,
  timeoutMs: number,
): Promise<InPageToneResult> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await detectToneInPage(page, streamExpr, freqHz);
    if (r.present || Date.now() > deadline) return r;
  }
}
