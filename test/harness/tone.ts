// Tones for the far ends: a 16-bit PCM WAV writer (a sine of chosen frequency), a WAV reader, and a
// Goertzel detector that says whether a frequency dominates a recording.
import { readFileSync, writeFileSync } from 'node:fs';
import { HarnessError } from './errors.js';

export interface ToneOptions {
  freqHz: number;
  durationSec: number;
  sampleRate?: number;
  /** Peak amplitude, 0..1 of full scale. */
  amplitude?: number;
  channels?: number;
}

export interface Pcm {
  sampleRate: number;
  channels: number;
  /** Interleaved samples, normalised to -1..1. */
  samples: Float32Array;
}

/** Samples of a sine (mono, -1..1). */
export function sine(freqHz: number, sampleRate: number, count: number, amplitude = 0.5): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = amplitude * Math.sin((2 * Math.PI * freqHz * i) / sampleRate);
  return out;
}

/** Encodes interleaved -1..1 samples as a RIFF/WAVE file with 16-bit little-endian PCM. */
export function encodeWav(pcm: Pcm): Buffer {
  const dataBytes = pcm.samples.length * 2;
  const buf = Buffer.alloc(44 + dataBytes);
  buf.write('RIFF', 0, 'ascii');
  buf.writeUInt32LE(36 + dataBytes, 4);
  buf.write('WAVE', 8, 'ascii');
  buf.write('fmt ', 12, 'ascii');
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20); // PCM
  buf.writeUInt16LE(pcm.channels, 22);
  buf.writeUInt32LE(pcm.sampleRate, 24);
  buf.writeUInt32LE(pcm.sampleRate * pcm.channels * 2, 28);
  buf.writeUInt16LE(pcm.channels * 2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write('data', 36, 'ascii');
  buf.writeUInt32LE(dataBytes, 40);
  for (let i = 0; i < pcm.samples.length; i++) {
    const s = Math.max(-1, Math.min(1, pcm.samples[i] ?? 0));
    buf.writeInt16LE(Math.round(s * 32767), 44 + i * 2);
  }
  return buf;
}

/** Writes a WAV holding a sine tone (the same samples on every channel). */
export function writeToneWav(path: string, options: ToneOptions): void {
  const sampleRate = options.sampleRate ?? 48000;
  const channels = options.channels ?? 1;
  const mono = sine(options.freqHz, sampleRate, Math.round(sampleRate * options.durationSec), options.amplitude);
  const samples = new Float32Array(mono.length * channels);
  for (let i = 0; i < mono.length; i++) for (let c = 0; c < channels; c++) samples[i * channels + c] = mono[i] ?? 0;
  writeFileSync(path, encodeWav({ sampleRate, channels, samples }));
}

/**
 * Decodes a 16-bit PCM WAV (what baresip's sndfile module and the generator write). Walks the RIFF
 * chunks instead of assuming a 44-byte header; a data chunk whose size field was never finalised
 * (0 or 0xFFFFFFFF) is read to the end of the file.
 */
export function decodeWav(bytes: Buffer): Pcm {
  const bad = (why: string) => new HarnessError('HARNESS_BAD_WAV', why);
  if (bytes.length < 12 || bytes.toString('ascii', 0, 4) !== 'RIFF' || bytes.toString('ascii', 8, 12) !== 'WAVE') {
    throw bad('not a RIFF/WAVE file');
  }
  let offset = 12;
  let fmt: { format: number; channels: number; sampleRate: number; bits: number } | undefined;
  while (offset + 8 <= bytes.length) {
    const id = bytes.toString('ascii', offset, offset + 4);
    const size = bytes.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (body + 16 > bytes.length) throw bad('truncated fmt chunk');
      fmt = {
        format: bytes.readUInt16LE(body),
        channels: bytes.readUInt16LE(body + 2),
        sampleRate: bytes.readUInt32LE(body + 4),
        bits: bytes.readUInt16LE(body + 14),
      };
    } else if (id === 'data') {
      if (fmt === undefined) throw bad('data chunk before fmt chunk');
      // WAVE_FORMAT_EXTENSIBLE (0xFFFE) carries PCM too.
      if ((fmt.format !== 1 && fmt.format !== 0xfffe) || fmt.bits !== 16 || fmt.channels < 1) {
        throw bad(`unsupported format ${fmt.format}, ${fmt.bits} bits, ${fmt.channels} channels`);
      }
      const end = size === 0 || size === 0xffffffff ? bytes.length : Math.min(bytes.length, body + size);
      const count = Math.floor((end - body) / 2);
      const samples = new Float32Array(count);
      for (let i = 0; i < count; i++) samples[i] = bytes.readInt16LE(body + i * 2) / 32768;
      return { sampleRate: fmt.sampleRate, channels: fmt.channels, samples };
    }
    offset = body + size + (size % 2);
  }
  throw bad('no data chunk');
}

export function readWav(path: string): Pcm {
  return decodeWav(readFileSync(path));
}

/** First channel of interleaved samples. */
function firstChannel(pcm: Pcm): Float32Array {
  if (pcm.channels === 1) return pcm.samples;
  const out = new Float32Array(Math.floor(pcm.samples.length / pcm.channels));
  for (let i = 0; i < out.length; i++) out[i] = pcm.samples[i * pcm.channels] ?? 0;
  return out;
}

/** Goertzel: the power of `freqHz` in `x` (normalised by length², so a full-scale sine gives ~0.25·A²). */
export function goertzelPower(x: Float32Array, sampleRate: number, freqHz: number): number {
  const coeff = 2 * Math.cos((2 * Math.PI * freqHz) / sampleRate);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < x.length; i++) {
    const s0 = (x[i] ?? 0) + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return power / (x.length * x.length);
}

export interface ToneDetection {
  present: boolean;
  /** Power at the frequency over the block's mean power per bin (how much the tone dominates). */
  ratio: number;
  /** Power at the frequency (normalised) and the block's RMS level. */
  power: number;
  rms: number;
  /** Blocks analysed, and how many of them held the tone. */
  blocks: number;
  blocksWithTone: number;
}

export interface DetectOptions {
  /** Analysis block length (ms). 100 ms gives a 10 Hz bin: tones 50 Hz apart are told apart. */
  blockMs?: number;
  /** Power ratio above which a block holds the tone. */
  minRatio?: number;
  /** Blocks quieter than this RMS are silence and never hold a tone. */
  minRms?: number;
  /** Fraction of the non-silent blocks that must hold the tone. */
  minFraction?: number;
}

/**
 * Whether `freqHz` dominates the samples. Per block, the tone's share of the block's energy is
 * compared with an even spread over all bins: a pure sine scores ≈ N/2, white noise ≈ 1.
 */
export function detectToneInSamples(
  x: Float32Array,
  sampleRate: number,
  freqHz: number,
  options: DetectOptions = {},
): ToneDetection {
  const blockLen = Math.max(16, Math.round(((options.blockMs ?? 100) * sampleRate) / 1000));
  const minRatio = options.minRatio ?? 20;
  const minRms = options.minRms ?? 0.005;
  const minFraction = options.minFraction ?? 0.5;
  let blocks = 0;
  let loud = 0;
  let blocksWithTone = 0;
  let ratioSum = 0;
  let powerSum = 0;
  let energySum = 0;
  for (let start = 0; start + blockLen <= x.length; start += blockLen) {
    const block = x.subarray(start, start + blockLen);
    let energy = 0;
    for (let i = 0; i < block.length; i++) energy += (block[i] ?? 0) ** 2;
    const meanSquare = energy / block.length;
    blocks++;
    energySum += meanSquare;
    if (Math.sqrt(meanSquare) < minRms) continue;
    loud++;
    const power = goertzelPower(block, sampleRate, freqHz);
    // A bin of an N-point DFT of white noise with mean square m has |X|²/N² ≈ m/N.
    const ratio = power / (meanSquare / block.length);
    ratioSum += ratio;
    powerSum += power;
    if (ratio >= minRatio) blocksWithTone++;
  }
  const ratio = loud > 0 ? ratioSum / loud : 0;
  return {
    present: loud > 0 && blocksWithTone >= minFraction * loud,
    ratio,
    power: loud > 0 ? powerSum / loud : 0,
    rms: blocks > 0 ? Math.sqrt(energySum / blocks) : 0,
    blocks,
    blocksWithTone,
  };
}

/** Reads a WAV file and detects `freqHz` on its first channel. */
export function detectTone(wavPath: string, freqHz: number, options: DetectOptions = {}): ToneDetection {
  const pcm = readWav(wavPath);
  return detectToneInSamples(firstChannel(pcm), pcm.sampleRate, freqHz, options);
}
