// host = hostname / IPv4address / IPv6reference (RFC 3261 §25.1), with the corrected IPv6 ABNF of RFC 5118 §4.5.

import { HOSTNAME } from './chars.js';

export function isIPv4(s: string, from = 0, to = s.length): boolean {
  let parts = 0;
  let i = from;
  while (i <= to) {
    let j = i;
    let v = 0;
    while (j < to && s.charCodeAt(j) >= 0x30 && s.charCodeAt(j) <= 0x39) {
      v = v * 10 + s.charCodeAt(j) - 0x30;
      j++;
    }
    if (j === i || j - i > 3 || v > 255) return false;
    parts++;
    if (j === to) return parts === 4;
    if (s.charCodeAt(j) !== 0x2e || parts === 4) return false;
    i = j + 1;
  }
  return false;
}

function isHex4(s: string): boolean {
  if (s.length < 1 || s.length > 4) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) | 0x20;
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) return false;
  }
  return true;
}

/** Counts the 16-bit groups of a hexseq (an IPv4 tail, allowed only at the very end, counts 2); -1 when bad. */
function groups(seq: string, ipv4Allowed: boolean): number {
  if (seq === '') return 0;
  const parts = seq.split(':');
  let n = 0;
  for (let k = 0; k < parts.length; k++) {
    const p = parts[k]!;
    if (ipv4Allowed && k === parts.length - 1 && p.includes('.')) {
      if (!isIPv4(p)) return -1;
      n += 2;
    } else if (isHex4(p)) n++;
    else return -1;
  }
  return n;
}

/**
 * IPv6address = hexpart [ ":" IPv4address ]; hexpart = hexseq / hexseq "::" [ hexseq ] / "::" [ hexseq ].
 * RFC 5118 §4.5: the RFC 3261 ABNF wrongly allowed "2001:db8:::192.0.2.1" (three colons); it is refused here.
 */
export function isIPv6(s: string): boolean {
  if (s.length < 2 || s.length > 45) return false;
  const dbl = s.indexOf('::');
  if (dbl < 0) return groups(s, true) === 8;
  if (s.indexOf('::', dbl + 1) >= 0) return false;
  const head = s.slice(0, dbl);
  const tail = s.slice(dbl + 2);
  const h = groups(head, false);
  const t = groups(tail, true);
  return h >= 0 && t >= 0 && h + t <= 7;
}

/** hostname = *( domainlabel "." ) toplabel [ "." ], checked loosely: alphanum, "-", ".", "_". */
export function isHostname(s: string, from = 0, to = s.length): boolean {
  if (from >= to) return false;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || HOSTNAME[c] !== 1) return false;
  }
  return true;
}

/** A host as it may appear in a URI or Via: hostname, IPv4 address, or bracketed IPv6 reference. */
export function isHost(s: string): boolean {
  if (s.charCodeAt(0) === 0x5b) return s.charCodeAt(s.length - 1) === 0x5d && isIPv6(s.slice(1, -1));
  return isHostname(s);
}

/** Parses a port (1*DIGIT, at most 65535); -1 when bad. */
export function parsePort(s: string, from = 0, to = s.length): number {
  if (from >= to || to - from > 5) return -1;
  let v = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return -1;
    v = v * 10 + c - 0x30;
  }
  return v > 65535 ? -1 : v;
}
