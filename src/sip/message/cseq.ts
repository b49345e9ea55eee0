// CSeq (RFC 3261 §20.16): CSeq = "CSeq" HCOLON 1*DIGIT LWS Method. §8.1.1.5: the sequence number MUST be
// expressible as a 32-bit unsigned integer and be less than 2**31.

import { err, ok, type Result, SipError } from '../errors.js';
import { isWs, TOKEN } from './chars.js';
import type { CSeq } from './types.js';

const MAX_SEQ = 2 ** 31 - 1;

function bad(value: string, why: string): Result<never> {
  return err(
    new SipError('SIP_PARSE_BAD_CSEQ', `bad CSeq (${why}): ${value.slice(0, 100)}`, { status: 400, field: 'CSeq' }),
  );
}

export function parseCSeq(value: string): Result<CSeq> {
  const len = value.length;
  let i = 0;
  while (i < len && isWs(value.charCodeAt(i))) i++;
  const d = i;
  let seq = 0;
  while (i < len) {
    const c = value.charCodeAt(i);
    if (c < 0x30 || c > 0x39) break;
    seq = seq * 10 + c - 0x30;
    if (seq > MAX_SEQ) return bad(value, 'number not below 2**31');
    i++;
  }
  if (i === d) return bad(value, 'number');
  const w = i;
  while (i < len && isWs(value.charCodeAt(i))) i++;
  if (i === w) return bad(value, 'no space before method');
  const m = i;
  while (i < len) {
    const c = value.charCodeAt(i);
    if (c >= 128 || TOKEN[c] !== 1) break;
    i++;
  }
  if (i === m) return bad(value, 'method');
  const method = value.slice(m, i);
  while (i < len && isWs(value.charCodeAt(i))) i++;
  if (i !== len) return bad(value, 'trailing characters');
  return ok({ seq, method });
}

export function formatCSeq(cseq: CSeq): string {
  return `${cseq.seq} ${cseq.method}`;
}
