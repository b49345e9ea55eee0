// ITU-T G.711 (11/88) companding of 16-bit linear PCM: μ-law (PCMU, RTP PT 0) and A-law (PCMA, PT 8),
// RFC 3551 §4.5.14. Encoders follow the segment formulas of G.711 Tables 1a/2a (as in the ITU reference and
// Sun's g711.c); decoders use 256-entry tables built once from the same formulas.

const ULAW_BIAS = 0x84;
const ULAW_CLIP = 32635;
const ALAW_SEG_END = [0x1f, 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff];

/** G.711 Table 2a: a 16-bit sample to its μ-law byte (bits inverted on the wire). */
export function linearToUlaw(sample: number): number {
  let s = Math.max(-32768, Math.min(32767, Math.round(sample)));
  const sign = s < 0 ? 0x80 : 0;
  if (s < 0) s = -s;
  if (s > ULAW_CLIP) s = ULAW_CLIP;
  s += ULAW_BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

function ulawDecode(byte: number): number {
  const u = ~byte & 0xff;
  const exponent = (u >> 4) & 0x07;
  const magnitude = ((((u & 0x0f) << 3) + ULAW_BIAS) << exponent) - ULAW_BIAS;
  return u & 0x80 ? -magnitude : magnitude;
}

/** G.711 Table 1a: a 16-bit sample to its A-law byte (even bits inverted, 0x55). */
export function linearToAlaw(sample: number): number {
  let pcm = Math.max(-32768, Math.min(32767, Math.round(sample))) >> 3; // 13-bit
  let mask: number;
  if (pcm >= 0) mask = 0xd5;
  else {
    mask = 0x55;
    pcm = -pcm - 1;
  }
  let seg = 0;
  while (seg < 8 && pcm > (ALAW_SEG_END[seg] ?? 0)) seg++;
  if (seg >= 8) return 0x7f ^ mask;
  const aval = (seg << 4) | (seg < 2 ? (pcm >> 1) & 0x0f : (pcm >> seg) & 0x0f);
  return aval ^ mask;
}

function alawDecode(byte: number): number {
  const a = byte ^ 0x55;
  let t = (a & 0x0f) << 4;
  const seg = (a & 0x70) >> 4;
  if (seg === 0) t += 8;
  else {
    t += 0x108;
    if (seg > 1) t <<= seg - 1;
  }
  return a & 0x80 ? t : -t;
}

const ULAW_TABLE = Int16Array.from({ length: 256 }, (_, i) => ulawDecode(i));
const ALAW_TABLE = Int16Array.from({ length: 256 }, (_, i) => alawDecode(i));

export const ulawToLinear = (byte: number): number => ULAW_TABLE[byte & 0xff] ?? 0;
export const alawToLinear = (byte: number): number => ALAW_TABLE[byte & 0xff] ?? 0;

export type G711Law = 'PCMU' | 'PCMA';

/** Encodes `samples` into `out` (one byte per sample). */
export function encodeG711(law: G711Law, samples: Int16Array, out: Uint8Array): void {
  const f = law === 'PCMU' ? linearToUlaw : linearToAlaw;
  for (let i = 0; i < samples.length; i++) out[i] = f(samples[i] ?? 0);
}

/** Decodes a G.711 payload to 16-bit samples. */
export function decodeG711(law: G711Law, payload: Uint8Array): Int16Array {
  const table = law === 'PCMU' ? ULAW_TABLE : ALAW_TABLE;
  const out = new Int16Array(payload.length);
  for (let i = 0; i < payload.length; i++) out[i] = table[payload[i] ?? 0] ?? 0;
  return out;
}
