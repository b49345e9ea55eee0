// Local helper (the message layer's StreamParser returns parse errors without the bytes they came from):
// splits bytes a StreamParser has consumed into the byte range of each framed message, the same way it frames
// them (RFC 3261 §18.3: head up to the empty line, then Content-Length bytes; CRLF keep-alives between), so
// that the transport layer can read enough of a malformed request to answer 400.

import { findHeadEnd } from '../message/parser.js';

const CONTENT_LENGTH = /(?:^|\n)(?:content-length|l)[ \t]*:[ \t]*(\d{1,10})[ \t]*\r?(?:\n|$)/i;

/** The framed messages in `consumed`, in order; undefined when the bytes do not split cleanly. */
export function framedRanges(consumed: Buffer): Buffer[] | undefined {
  const out: Buffer[] = [];
  let i = 0;
  while (i < consumed.length) {
    while (i < consumed.length && (consumed[i] === 0x0d || consumed[i] === 0x0a)) i++;
    if (i >= consumed.length) break;
    const end = findHeadEnd(consumed, i);
    if (end === undefined) return undefined;
    const m = CONTENT_LENGTH.exec(consumed.toString('latin1', i, end.headEnd));
    const length = m === null ? 0 : Number(m[1]);
    const stop = end.bodyStart + length;
    if (stop > consumed.length) return undefined;
    out.push(consumed.subarray(i, stop));
    i = stop;
  }
  return out;
}
