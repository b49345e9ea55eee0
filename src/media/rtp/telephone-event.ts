// RFC 4733 §2.3 telephone-event payload: event, E(nd) bit, volume, duration (in the event clock).
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  |     event     |E|R| volume    |          duration             |

import type { MediaErrorCode } from '../errors.js';

export interface TelephoneEvent {
  /** RFC 4733 §3.2: 0–9 digits, 10 '*', 11 '#', 12–15 A–D, 16 flash. */
  event: number;
  end: boolean;
  volume: number;
  duration: number;
}

const DIGITS = '0123456789*#ABCD';

export const eventToDigit = (event: number): string | undefined => (event === 16 ? '!' : DIGITS[event]);
export function digitToEvent(digit: string): number | undefined {
  if (digit === '!') return 16;
  const i = DIGITS.indexOf(digit.toUpperCase());
  return i < 0 ? undefined : i;
}

export function parseTelephoneEvent(
  buf: Uint8Array,
  offset: number,
  length: number,
): { ok: true; value: TelephoneEvent } | { ok: false; code: MediaErrorCode } {
  if (length < 4 || offset + 4 > buf.length) return { ok: false, code: 'MEDIA_DTMF_BAD_PAYLOAD' };
  const b1 = buf[offset + 1] as number;
  return {
    ok: true,
    value: {
      event: buf[offset] as number,
      end: (b1 & 0x80) !== 0,
      volume: b1 & 0x3f,
      duration: ((buf[offset + 2] as number) << 8) | (buf[offset + 3] as number),
    },
  };
}

export function writeTelephoneEvent(buf: Uint8Array, offset: number, e: TelephoneEvent): void {
  buf[offset] = e.event & 0xff;
  buf[offset + 1] = (e.end ? 0x80 : 0) | (e.volume & 0x3f);
  buf[offset + 2] = (e.duration >>> 8) & 0xff;
  buf[offset + 3] = e.duration & 0xff;
}

/** Rewrites the duration in place (clock-rate translation, RFC 4733 §2.5.1.3); saturates at 0xffff. */
export function scaleTelephoneEventDuration(buf: Uint8Array, offset: number, inRate: number, outRate: number): void {
  const d = ((buf[offset + 2] as number) << 8) | (buf[offset + 3] as number);
  const scaled = Math.min(0xffff, Math.round((d * outRate) / inRate));
  buf[offset + 2] = (scaled >>> 8) & 0xff;
  buf[offset + 3] = scaled & 0xff;
}
