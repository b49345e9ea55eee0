// Sample-rate conversion of a whole mono buffer (sound files are short; they are converted once, when a
// play starts). Downsampling first low-passes with a box filter one output period wide (a first zero at
// the new rate, so little folds back below the new Nyquist for speech and tones), then interpolates
// linearly between input samples.

export function resample(input: Int16Array, fromRate: number, toRate: number): Int16Array {
  if (fromRate === toRate || input.length === 0) return input.slice();
  const ratio = fromRate / toRate;
  let src: Float64Array = Float64Array.from(input);
  if (ratio > 1) {
    const width = Math.max(1, Math.round(ratio));
    const filtered = new Float64Array(src.length);
    let sum = 0;
    for (let i = 0; i < src.length; i++) {
      sum += src[i] ?? 0;
      if (i >= width) sum -= src[i - width] ?? 0;
      filtered[i] = sum / Math.min(width, i + 1);
    }
    // The box filter delays by (width - 1) / 2 samples; shift back so that timing is kept.
    const delay = Math.floor((width - 1) / 2);
    src = filtered.subarray(delay).length > 0 ? Float64Array.from(filtered.subarray(delay)) : filtered;
  }
  const length = Math.max(1, Math.floor((input.length * toRate) / fromRate));
  const out = new Int16Array(length);
  for (let i = 0; i < length; i++) {
    const pos = i * ratio;
    const j = Math.floor(pos);
    const frac = pos - j;
    const a = src[j] ?? src[src.length - 1] ?? 0;
    const b = src[j + 1] ?? a;
    out[i] = Math.max(-32768, Math.min(32767, Math.round(a + (b - a) * frac)));
  }
  return out;
}
