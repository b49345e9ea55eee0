// Stream direction (RFC 3264 §5.1, §6.1) and hold (RFC 3264 §8.4).

import type { Direction } from './session-description.js';

/** The direction as seen from the other end: what I send, you receive (RFC 3264 §6.1). */
export function reverseDirection(d: Direction): Direction {
  if (d === 'sendonly') return 'recvonly';
  if (d === 'recvonly') return 'sendonly';
  return d;
}

const sends = (d: Direction) => d === 'sendrecv' || d === 'sendonly';
const receives = (d: Direction) => d === 'sendrecv' || d === 'recvonly';

function fromFlags(send: boolean, recv: boolean): Direction {
  if (send && recv) return 'sendrecv';
  if (send) return 'sendonly';
  if (recv) return 'recvonly';
  return 'inactive';
}

/**
 * RFC 3264 §6.1: the answer's direction for an offered direction, limited by what the answerer wants
 * (sendonly offer → recvonly or inactive answer; recvonly → sendonly or inactive; inactive → inactive).
 */
export function answerDirection(offered: Direction, wanted: Direction = 'sendrecv'): Direction {
  return fromFlags(receives(offered) && sends(wanted), sends(offered) && receives(wanted));
}

/** Whether a stream with this (local) direction lets media flow from the peer to us. */
export const mediaFlowsIn = (localDirection: Direction): boolean => receives(localDirection);
/** Whether a stream with this (local) direction lets us send media to the peer. */
export const mediaFlowsOut = (localDirection: Direction): boolean => sends(localDirection);

/** RFC 3264 §8.4: putting a stream on hold offers sendonly (or inactive if it was recvonly). */
export function holdDirection(current: Direction): Direction {
  return fromFlags(sends(current), false);
}
