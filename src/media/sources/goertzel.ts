// The Goertzel algorithm: the power of one frequency in a block of samples, for detecting tones (DTMF
// digits, ITU-T Q.23/Q.24 frequencies) in decoded audio without a full FFT.

/** Normalised power (0..~1 for a full-scale sine) of `frequencyHz` in `samples` (16-bit) at `sampleRate`. */
export function goertzelPower(samples: ArrayLike<number>, sampleRate: number, frequencyHz: number): number {
  const n = samples.length;
  if (n === 0) return 0;
  const coeff = 2 * Math.cos((2 * Math.PI * frequencyHz) / sampleRate);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const s0 = (samples[i] ?? 0) / 32768 + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return (4 * power) / (n * n);
}

/** The fraction of the signal's energy at `frequencyHz` (robust against level). */
export function toneRatio(samples: ArrayLike<number>, sampleRate: number, frequencyHz: number): number {
  let energy = 0;
  for (let i = 0; i < samples.length; i++) energy += ((samples[i] ?? 0) / 32768) ** 2;
  if (energy === 0) return 0;
  // A sine of amplitude A has energy n*A²/2 and Goertzel power A²: ratio = power * n / (2 * energy).
  return (goertzelPower(samples, sampleRate, frequencyHz) * samples.length) / (2 * energy);
}
