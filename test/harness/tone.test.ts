import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { HarnessError } from './errors.js';
import { decodeWav, detectTone, detectToneInSamples, encodeWav, goertzelPower, sine, writeToneWav } from './tone.js';

const dir = mkdtempSync(join(tmpdir(), 'parley-tone-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Deterministic white noise in -amp..amp (a linear congruential generator: tests must not flake). */
function noise(count: number, amp: number, seed = 12345): Float32Array {
  const out = new Float32Array(count);
  let s = seed >>> 0;
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = amp * ((s / 0x100000000) * 2 - 1);
  }
  return out;
}

function mix(...parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts[0]?.length ?? 0);
  for (const p of parts) for (let i = 0; i < out.length; i++) out[i] = (out[i] ?? 0) + (p[i] ?? 0);
  return out;
}

describe('tone generator and Goertzel detector', () => {
  test('a generated 440 Hz WAV holds 440 Hz and not 880 Hz', () => {
    const path = join(dir, 'a440.wav');
    writeToneWav(path, { freqHz: 440, durationSec: 1, sampleRate: 8000 });
    const hit = detectTone(path, 440);
    assert.equal(hit.present, true);
    assert.equal(hit.blocks, 10);
    assert.equal(hit.blocksWithTone, 10);
    assert.ok(hit.ratio > 300, `ratio ${hit.ratio}`);
    assert.equal(detectTone(path, 880).present, false);
  });

  test('tones 50 Hz apart are told apart (1000 vs 1050 Hz at 48 kHz stereo)', () => {
    const path = join(dir, 'a1000.wav');
    writeToneWav(path, { freqHz: 1000, durationSec: 0.5, sampleRate: 48000, channels: 2, amplitude: 0.3 });
    assert.equal(detectTone(path, 1000).present, true);
    assert.equal(detectTone(path, 1050).present, false);
  });

  test('silence holds no tone', () => {
    const path = join(dir, 'silence.wav');
    writeFileSync(path, encodeWav({ sampleRate: 8000, channels: 1, samples: new Float32Array(8000) }));
    const result = detectTone(path, 440);
    assert.equal(result.present, false);
    assert.equal(result.rms, 0);
  });

  test('white noise holds no tone', () => {
    const result = detectToneInSamples(noise(16000, 0.5), 8000, 440);
    assert.equal(result.present, false);
    assert.ok(result.ratio < 5, `ratio ${result.ratio}`);
  });

  test('a tone under noise (SNR 0 dB) is still found', () => {
    const x = mix(sine(440, 8000, 16000, 0.3), noise(16000, 0.3 * Math.sqrt(3 / 2)));
    assert.equal(detectToneInSamples(x, 8000, 440).present, true);
    assert.equal(detectToneInSamples(x, 8000, 880).present, false);
  });

  test('both tones of a two-tone mix are found (DTMF-like)', () => {
    const x = mix(sine(697, 8000, 8000, 0.25), sine(1209, 8000, 8000, 0.25));
    assert.equal(detectToneInSamples(x, 8000, 697).present, true);
    assert.equal(detectToneInSamples(x, 8000, 1209).present, true);
    assert.equal(detectToneInSamples(x, 8000, 941).present, false);
  });

  test('goertzelPower of a full-scale sine is about A²/4', () => {
    const p = goertzelPower(sine(1000, 8000, 800, 1), 8000, 1000);
    assert.ok(Math.abs(p - 0.25) < 0.01, `power ${p}`);
  });

  test('encodeWav/decodeWav round-trip within one 16-bit step', () => {
    const samples = Float32Array.from([0, 0.5, -0.5, 0.999, -1]);
    const pcm = decodeWav(encodeWav({ sampleRate: 16000, channels: 1, samples }));
    assert.equal(pcm.sampleRate, 16000);
    assert.equal(pcm.channels, 1);
    assert.equal(pcm.samples.length, samples.length);
    for (const [i, s] of samples.entries()) assert.ok(Math.abs((pcm.samples[i] ?? 9) - s) < 1 / 16384);
  });

  test('decodeWav reads a data chunk whose size was never finalised', () => {
    const wav = encodeWav({ sampleRate: 8000, channels: 1, samples: sine(440, 8000, 800) });
    wav.writeUInt32LE(0, 40);
    assert.equal(decodeWav(wav).samples.length, 800);
  });

  test('decodeWav rejects what is not 16-bit PCM WAV with HARNESS_BAD_WAV', () => {
    const bad = (bytes: Buffer) =>
      assert.throws(
        () => decodeWav(bytes),
        (err: unknown) => err instanceof HarnessError && err.code === 'HARNESS_BAD_WAV',
      );
    bad(Buffer.from('not a wav at all'));
    bad(Buffer.alloc(0));
    const eightBit = encodeWav({ sampleRate: 8000, channels: 1, samples: new Float32Array(4) });
    eightBit.writeUInt16LE(8, 34);
    bad(eightBit);
    bad(encodeWav({ sampleRate: 8000, channels: 1, samples: new Float32Array(4) }).subarray(0, 30));
  });
});
