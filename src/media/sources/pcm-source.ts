// What a leg can play from the server itself, as plain data (it crosses to a worker thread by structured
// clone), and the PCM generators behind it: silence, a tone, a WAV file (resampled, once or looped), and
// DTMF digits as in-band dual tones (ITU-T Q.23 frequencies).

import { resample } from './resample.js';
import { parseWav, type WavErrorCode } from './wav.js';

export type MediaSource =
  | { type: 'silence' }
  /** A sine; `levelDbfs` default -12 dBFS. */
  | { type: 'tone'; frequencyHz: number; levelDbfs?: number }
  /** A RIFF/WAVE file's bytes, PCM 16-bit, any rate and channel count. */
  | { type: 'wav'; data: Uint8Array }
  /** Each digit's dual tone for `toneMs` (default 200), then `gapMs` of silence (default 100). */
  | { type: 'dtmf'; digits: string; toneMs?: number; gapMs?: number };

export interface PcmSource {
  /** Fills `out` with the next samples; returns false once the source has ended (the rest of out is silence). */
  read(out: Int16Array): boolean;
}

/** ITU-T Q.23: the row (low) and column (high) frequency of each key. */
export const DTMF_FREQUENCIES: Readonly<Record<string, readonly [number, number]>> = {
  '1': [697, 1209],
  '2': [697, 1336],
  '3': [697, 1477],
  A: [697, 1633],
  '4': [770, 1209],
  '5': [770, 1336],
  '6': [770, 1477],
  B: [770, 1633],
  '7': [852, 1209],
  '8': [852, 1336],
  '9': [852, 1477],
  C: [852, 1633],
  '*': [941, 1209],
  '0': [941, 1336],
  '#': [941, 1477],
  D: [941, 1633],
};

const amplitude = (dbfs: number) => 32767 * 10 ** (dbfs / 20);

class SilenceSource implements PcmSource {
  read(out: Int16Array): boolean {
    out.fill(0);
    return true;
  }
}

/** Sums sines with a running phase, so frames join without clicks. */
class ToneSource implements PcmSource {
  #n = 0;
  constructor(
    readonly frequencies: readonly number[],
    readonly sampleRate: number,
    readonly amplitude: number,
  ) {}

  read(out: Int16Array): boolean {
    for (let i = 0; i < out.length; i++, this.#n++) {
      let v = 0;
      for (const f of this.frequencies) v += Math.sin((2 * Math.PI * f * this.#n) / this.sampleRate);
      out[i] = Math.round(v * this.amplitude);
    }
    return true;
  }
}

class BufferSource implements PcmSource {
  #at = 0;
  constructor(
    readonly samples: Int16Array,
    readonly loop: boolean,
  ) {}

  read(out: Int16Array): boolean {
    for (let i = 0; i < out.length; i++) {
      if (this.#at >= this.samples.length) {
        if (!this.loop) {
          out.fill(0, i);
          return i > 0;
        }
        this.#at = 0;
      }
      out[i] = this.samples[this.#at++] ?? 0;
    }
    return true;
  }
}

/** The samples of DTMF digits: each digit's two tones at -10 dBFS each, then a gap. */
export function dtmfSamples(digits: string, sampleRate: number, toneMs = 200, gapMs = 100): Int16Array {
  const parts: Int16Array[] = [];
  for (const d of digits.toUpperCase()) {
    const f = DTMF_FREQUENCIES[d];
    if (f === undefined) continue;
    const tone = new Int16Array(Math.round((toneMs * sampleRate) / 1000));
    new ToneSource(f, sampleRate, amplitude(-10)).read(tone);
    parts.push(tone, new Int16Array(Math.round((gapMs * sampleRate) / 1000)));
  }
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export type PcmSourceResult =
  | { ok: true; value: PcmSource }
  | { ok: false; code: WavErrorCode | 'MEDIA_BAD_SOURCE'; reason: string };

/** Builds the generator for a source at `sampleRate` (the codec's). `loop` repeats WAV and DTMF sources. */
export function createPcmSource(source: MediaSource, sampleRate: number, loop = false): PcmSourceResult {
  switch (source.type) {
    case 'silence':
      return { ok: true, value: new SilenceSource() };
    case 'tone': {
      const f = source.frequencyHz;
      if (!(f > 0 && f < sampleRate / 2)) {
        return { ok: false, code: 'MEDIA_BAD_SOURCE', reason: `tone ${f} Hz is outside 0..${sampleRate / 2} Hz` };
      }
      return { ok: true, value: new ToneSource([f], sampleRate, amplitude(Math.min(0, source.levelDbfs ?? -12))) };
    }
    case 'wav': {
      const wav = parseWav(source.data);
      if (!wav.ok) return wav;
      return { ok: true, value: new BufferSource(resample(wav.value.samples, wav.value.sampleRate, sampleRate), loop) };
    }
    case 'dtmf': {
      const samples = dtmfSamples(source.digits, sampleRate, source.toneMs, source.gapMs);
      if (samples.length === 0) return { ok: false, code: 'MEDIA_BAD_SOURCE', reason: 'no DTMF digit to play' };
      return { ok: true, value: new BufferSource(samples, loop) };
    }
  }
}
