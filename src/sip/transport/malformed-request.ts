// RFC 3261 §8.2 / issue 3 "Bad input": a request that fails to parse is answered 400 (505 for a version)
// when enough of it is readable to route a response (a Via) and to build one (From, To, Call-ID, CSeq), and
// dropped otherwise. This reads the header lines loosely, as the strict parser could not.

import { randomBytes } from 'node:crypto';
import type { SipError } from '../errors.js';
import { createResponse } from '../message/builders.js';
import { parseCSeq } from '../message/cseq.js';
import { headerKey } from '../message/header-names.js';
import { Headers } from '../message/headers.js';
import { SipRequest, type SipResponse } from '../message/message.js';
import { checkNameAddr } from '../message/name-addr.js';
import { parseVia } from '../message/via.js';

const NEEDED = ['from', 'to', 'call-id', 'cseq'];

/** The response to a malformed request, or undefined when it cannot (or must not) be answered. */
export function responseToMalformed(data: Buffer, error: SipError): SipResponse | undefined {
  if (error.status === undefined || error.status < 400) return undefined;
  const text = data.toString('utf8', 0, Math.min(data.length, 64 * 1024)).replace(/^[\r\n]+/, '');
  const headEnd = text.search(/\r?\n\r?\n/);
  const lines = (headEnd < 0 ? text : text.slice(0, headEnd)).split(/\r?\n/);
  const first = lines[0] ?? '';
  const method = /^([A-Za-z][!-~]*) /.exec(first)?.[1];
  // Responses are never answered; neither is an ACK (RFC 3261 §17.2.1: there is no response to an ACK).
  if (method === undefined || first.startsWith('SIP/') || method.toUpperCase() === 'ACK') return undefined;
  const h = new Headers();
  for (const raw of lines.slice(1)) {
    if (raw.startsWith(' ') || raw.startsWith('\t')) continue;
    const colon = raw.indexOf(':');
    if (colon <= 0) continue;
    const key = headerKey(raw.slice(0, colon).trim());
    const value = raw.slice(colon + 1).trim();
    if (key === 'via') h.append('Via', value);
    else if (NEEDED.includes(key) && h.get(key) === undefined) h.append(key, value);
  }
  // The response must itself be well-formed, or the client could not match it: what it copies must parse.
  const topVia = h.get('Via');
  if (topVia === undefined || !parseVia(topVia).ok) return undefined;
  if (NEEDED.some((k) => h.get(k) === undefined)) return undefined;
  const cseq = parseCSeq(h.get('CSeq') ?? '');
  if (!cseq.ok || cseq.value.method !== method) return undefined;
  if (
    checkNameAddr(h.get('From') ?? '', 'From') !== undefined ||
    checkNameAddr(h.get('To') ?? '', 'To') !== undefined
  ) {
    return undefined;
  }
  // The reason phrase carries the parser's message: printable ASCII only, on one line.
  const reason = error.message.replace(/[^\x20-\x7e]/g, '?').slice(0, 160);
  return createResponse(new SipRequest(method, '*', h), error.status, reason, {
    toTag: randomBytes(8).toString('hex'),
  });
}
