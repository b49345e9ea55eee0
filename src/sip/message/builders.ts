// Building messages from parts. createResponse follows RFC 3261 §8.2.6.2: the response copies From,
// Call-ID, CSeq and every Via (same order) of the request, and its To; a To tag is added when the request had
// none and the response is not a 100. §8.2.6.1: a 100 (Trying) copies a Timestamp.

import { Headers } from './headers.js';
import { SipRequest, SipResponse } from './message.js';
import { REASON_PHRASES } from './reason-phrases.js';

export interface RequestParts {
  method: string;
  uri: string;
  /** Header fields in order, as [name, value]. */
  headers?: ReadonlyArray<readonly [string, string]>;
  body?: Buffer | string;
}

export function createRequest(parts: RequestParts): SipRequest {
  const h = new Headers();
  for (const [name, value] of parts.headers ?? []) h.append(name, value);
  const body =
    parts.body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(parts.body) ? parts.body : Buffer.from(parts.body);
  return new SipRequest(parts.method, parts.uri, h, body);
}

export interface ResponseOptions {
  /** Added to To when the request's To has no tag (ignored for 100). */
  toTag?: string;
  /** More header fields, as [name, value]. */
  headers?: ReadonlyArray<readonly [string, string]>;
  body?: Buffer | string;
}

function hasTag(to: string): boolean {
  // A ";tag=" after the closing ">" (or anywhere in an addr-spec, whose parameters are header parameters).
  const close = to.lastIndexOf('>');
  return /;\s*tag\s*=/i.test(close < 0 ? to : to.slice(close));
}

export function createResponse(
  request: SipRequest,
  status: number,
  reason?: string,
  opts: ResponseOptions = {},
): SipResponse {
  const h = new Headers();
  for (const f of request.headers) {
    const n = f.name.toLowerCase();
    if (n === 'via' || n === 'v') h.append('Via', f.value);
  }
  const from = request.headers.get('From');
  if (from !== undefined) h.append('From', from);
  let to = request.headers.get('To');
  if (to !== undefined) {
    if (status > 100 && opts.toTag !== undefined && !hasTag(to)) to = `${to};tag=${opts.toTag}`;
    h.append('To', to);
  }
  const callId = request.headers.get('Call-ID');
  if (callId !== undefined) h.append('Call-ID', callId);
  const cseq = request.headers.get('CSeq');
  if (cseq !== undefined) h.append('CSeq', cseq);
  if (status === 100) {
    const ts = request.headers.get('Timestamp');
    if (ts !== undefined) h.append('Timestamp', ts);
  }
  for (const [name, value] of opts.headers ?? []) h.append(name, value);
  const body =
    opts.body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(opts.body) ? opts.body : Buffer.from(opts.body);
  return new SipResponse(status, reason ?? REASON_PHRASES[status] ?? '', h, body);
}
