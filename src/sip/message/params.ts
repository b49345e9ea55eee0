// Header parameters (RFC 3261 §25.1 generic-param) shared by name-addr, Via, Content-Type and friends.
//   *( SEMI generic-param );  SEMI = SWS ";" SWS;  generic-param = token [ EQUAL gen-value ]
//   gen-value = token / host / quoted-string

import { isWs, TOKEN } from './chars.js';
import type { Params } from './types.js';

export interface ParamsScan {
  params: Params;
  /** Index of the first char after the parameters (trailing white space skipped). */
  end: number;
}

/**
 * Reads the end of a quoted-string that starts at s[i] === '"' (RFC 3261 §25.1: quoted-pair = "\" (%x00-09 /
 * %x0B-0C / %x0E-7F)). Returns the index after the closing quote, or -1 when it is not closed.
 */
export function quotedStringEnd(s: string, i: number, end = s.length): number {
  for (let j = i + 1; j < end; j++) {
    const c = s.charCodeAt(j);
    if (c === 0x5c) j++;
    else if (c === 0x22) return j + 1;
  }
  return -1;
}

/** The text of a quoted-string (with its quotes) with quoted-pairs resolved. */
export function unquote(q: string): string {
  const inner = q.slice(1, -1);
  if (!inner.includes('\\')) return inner;
  let out = '';
  for (let i = 0; i < inner.length; i++) {
    if (inner.charCodeAt(i) === 0x5c && i + 1 < inner.length) i++;
    out += inner[i];
  }
  return out;
}

/** A quoted-string for s: `"` and `\` escaped as quoted-pairs; CR and LF, which cannot be quoted, dropped. */
export function quote(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x0d || c === 0x0a) continue;
    if (c === 0x22 || c === 0x5c) out += '\\';
    out += s[i];
  }
  return `${out}"`;
}

function isValueChar(c: number): boolean {
  // token chars, plus ":" "[" "]" for an IPv6 host value (received=[2001:db8::9]).
  return (c < 128 && TOKEN[c] === 1) || c === 0x3a || c === 0x5b || c === 0x5d;
}

/**
 * Parses `;name=value;flag...` from s[i]. Stops (without error) at the first char that cannot continue the
 * list, e.g. "," between list elements; returns undefined on a malformed parameter (`;;`, `;=x`, `a=`).
 */
export function scanParams(s: string, i: number, end = s.length): ParamsScan | undefined {
  const params: Params = new Map();
  for (;;) {
    while (i < end && isWs(s.charCodeAt(i))) i++;
    if (i >= end || s.charCodeAt(i) !== 0x3b) return { params, end: i };
    i++;
    while (i < end && isWs(s.charCodeAt(i))) i++;
    const nameStart = i;
    while (i < end) {
      const c = s.charCodeAt(i);
      if (c >= 128 || TOKEN[c] !== 1) break;
      i++;
    }
    if (i === nameStart) return undefined;
    const name = s.slice(nameStart, i).toLowerCase();
    let j = i;
    while (j < end && isWs(s.charCodeAt(j))) j++;
    if (j < end && s.charCodeAt(j) === 0x3d) {
      j++;
      while (j < end && isWs(s.charCodeAt(j))) j++;
      const valueStart = j;
      if (j < end && s.charCodeAt(j) === 0x22) {
        j = quotedStringEnd(s, j, end);
        if (j < 0) return undefined;
      } else {
        while (j < end && isValueChar(s.charCodeAt(j))) j++;
        if (j === valueStart) return undefined;
      }
      params.set(name, s.slice(valueStart, j));
      i = j;
    } else {
      params.set(name, null);
    }
  }
}

/** `;name=value;flag` in insertion order. */
export function formatParams(params: Params): string {
  let out = '';
  for (const [k, v] of params) out += v === null ? `;${k}` : `;${k}=${v}`;
  return out;
}
