// Header values of the common shape `value *( SEMI generic-param )` (one list element): Content-Type
// (RFC 3261 §20.15), Content-Disposition (§20.11), Event and Subscription-State (RFC 6665 §8.4), Session-Expires
// (RFC 4028 §4), Replaces (RFC 3891 §6.1), Reason (RFC 3326 §2), Refer-Sub... Also RAck (RFC 3262 §7.2).

import { err, ok, type Result, SipError } from '../errors.js';
import { isWs, TOKEN } from './chars.js';
import { formatParams, scanParams } from './params.js';
import type { Params } from './types.js';

export interface ValueParams {
  /** The value before the first ";", as written, white space trimmed (`application/sdp`, `refer`, a Call-ID). */
  value: string;
  params: Params;
}

function bad(value: string, field: string | undefined): Result<never> {
  const opts: { status: number; field?: string } = { status: 400 };
  if (field !== undefined) opts.field = field;
  return err(new SipError('SIP_PARSE_BAD_HEADER', `bad ${field ?? 'header'} value: ${value.slice(0, 100)}`, opts));
}

/** Parses `value;name=value;flag`. The value may not hold white space, ";" or ","; `field` names the header in errors. */
export function parseValueParams(text: string, field?: string): Result<ValueParams> {
  const semi = text.indexOf(';');
  const value = (semi < 0 ? text : text.slice(0, semi)).trim();
  if (value.length === 0) return bad(text, field);
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (isWs(c) || c === 0x2c) return bad(text, field);
  }
  if (semi < 0) return ok({ value, params: new Map() });
  const scan = scanParams(text, semi);
  if (scan === undefined || scan.end !== text.length) return bad(text, field);
  return ok({ value, params: scan.params });
}

export function formatValueParams(v: ValueParams): string {
  return `${v.value}${formatParams(v.params)}`;
}

/** RFC 3262 §7.2: RAck = response-num LWS CSeq-num LWS Method. */
export interface RAck {
  rseq: number;
  cseq: number;
  method: string;
}

export function parseRAck(text: string): Result<RAck> {
  const parts = text.trim().split(/[ \t]+/);
  if (parts.length !== 3) return bad(text, 'RAck');
  const [rseq, cseq, method] = parts as [string, string, string];
  const inRange = (s: string) => /^\d{1,10}$/.test(s) && Number(s) <= 2 ** 32 - 1;
  if (!inRange(rseq) || !inRange(cseq)) return bad(text, 'RAck');
  for (let i = 0; i < method.length; i++) {
    const c = method.charCodeAt(i);
    if (c >= 128 || TOKEN[c] !== 1) return bad(text, 'RAck');
  }
  return ok({ rseq: Number(rseq), cseq: Number(cseq), method });
}

export function formatRAck(r: RAck): string {
  return `${r.rseq} ${r.cseq} ${r.method}`;
}
