// RIFF/WAVE reader for PCM 16-bit files (WAVE_FORMAT_PCM, or WAVE_FORMAT_EXTENSIBLE with the PCM subformat),
// any rate and channel count; channels are mixed to mono. Untrusted bytes: returns an error code, never throws.

export type WavErrorCode = 'MEDIA_WAV_NOT_RIFF' | 'MEDIA_WAV_NO_FORMAT' | 'MEDIA_WAV_NOT_PCM16' | 'MEDIA_WAV_NO_DATA';

export interface Wav {
  sampleRate: number;
  channels: number;
  /** Mono samples (channels averaged). */
  samples: Int16Array;
}

export type WavResult = { ok: true; value: Wav } | { ok: false; code: WavErrorCode; reason: string };

const WAVE_FORMAT_PCM = 1;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

function fail(code: WavErrorCode, reason: string): WavResult {
  return { ok: false, code, reason };
}

export function parseWav(bytes: Uint8Array): WavResult {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (bytes.length < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') {
    return fail('MEDIA_WAV_NOT_RIFF', 'not a RIFF/WAVE file');
  }
  let fmt: { format: number; channels: number; sampleRate: number; bits: number } | undefined;
  let data: Uint8Array | undefined;
  for (let at = 12; at + 8 <= bytes.length; ) {
    const id = tag(at);
    const size = view.getUint32(at + 4, true);
    const body = bytes.subarray(at + 8, Math.min(bytes.length, at + 8 + size));
    if (id === 'fmt ' && body.length >= 16) {
      const b = new DataView(body.buffer, body.byteOffset, body.byteLength);
      let format = b.getUint16(0, true);
      // WAVE_FORMAT_EXTENSIBLE: the subformat GUID's first two bytes are the format code.
      if (format === WAVE_FORMAT_EXTENSIBLE && body.length >= 26) format = b.getUint16(24, true);
      fmt = { format, channels: b.getUint16(2, true), sampleRate: b.getUint32(4, true), bits: b.getUint16(14, true) };
    } else if (id === 'data') {
      data = body; // a truncated last chunk is played as far as it goes
    }
    at += 8 + size + (size & 1); // chunks are padded to even sizes
  }
  if (fmt === undefined) return fail('MEDIA_WAV_NO_FORMAT', 'no fmt chunk');
  if (fmt.format !== WAVE_FORMAT_PCM || fmt.bits !== 16 || fmt.channels < 1 || fmt.sampleRate < 1000) {
    return fail(
      'MEDIA_WAV_NOT_PCM16',
      `format ${fmt.format}, ${fmt.bits} bits, ${fmt.channels} channels, ${fmt.sampleRate} Hz: only PCM 16-bit is played`,
    );
  }
  if (data === undefined || data.length < 2 * fmt.channels) return fail('MEDIA_WAV_NO_DATA', 'no audio data');
  const frames = Math.floor(data.length / (2 * fmt.channels));
  const d = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const samples = new Int16Array(frames);
  for (let i = 0; i < frames; i++) {
    let sum = 0;
    for (let c = 0; c < fmt.channels; c++) sum += d.getInt16((i * fmt.channels + c) * 2, true);
    samples[i] = Math.round(sum / fmt.channels);
  }
  return { ok: true, value: { sampleRate: fmt.sampleRate, channels: fmt.channels, samples } };
}

/** A PCM 16-bit mono or multi-channel WAV file's bytes (tests and fixtures). */
export function writeWav(samples: Int16Array, sampleRate: number, channels = 1): Uint8Array {
  const out = new Uint8Array(44 + samples.length * 2);
  const v = new DataView(out.buffer);
  const put = (at: number, s: string) => {
    for (let i = 0; i < 4; i++) out[at + i] = s.charCodeAt(i);
  };
  put(0, 'RIFF');
  v.setUint32(4, 36 + samples.length * 2, true);
  put(8, 'WAVE');
  put(12, 'fmt ');
  v.setUint32(16, 16, true);
  v.setUint16(20, WAVE_FORMAT_PCM, true);
  v.setUint16(22, channels, true);
  v.setUint32(24, sampleRate, true);
  v.setUint32(28, sampleRate * channels * 2, true);
  v.setUint16(32, channels * 2, true);
  v.setUint16(34, 16, true);
  put(36, 'data');
  v.setUint32(40, samples.length * 2, true);
  for (let i = 0; i < samples.length; i++) v.setInt16(44 + i * 2, samples[i] ?? 0, true);
  return out;
}
