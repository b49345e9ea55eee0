// Building requests outside a dialog (RFC 3261 §8.1.1) and responses (§8.2.6).
import { randomBytes, randomUUID } from 'node:crypto';
import { createResponse as buildResponse } from '../message/builders.js';
import { Headers } from '../message/headers.js';
import { SipRequest, type SipResponse } from '../message/message.js';
import { REASON_PHRASES } from '../message/reason-phrases.js';

export interface OutOfDialogRequest {
  method: string;
  /** Request-URI. */
  uri: string;
  /** From value without tag (a tag is added). */
  from: string;
  /** To value. */
  to: string;
  contact?: string;
  /** Route values (an outbound proxy, `<sip:proxy;lr>`), RFC 3261 §8.1.1.1. */
  routes?: string[];
  callId?: string;
  cseq?: number;
  fromTag?: string;
  headers?: [string, string][];
  body?: Buffer;
  contentType?: string;
}

export function newCallId(): string {
  return randomUUID();
}

/** A first CSeq (§8.1.1.5: "MUST be less than 2**31"); small so that increments never overflow. */
export function initialCSeq(): number {
  return 1 + (randomBytes(2).readUInt16BE(0) % 10000);
}

export function createRequest(o: OutOfDialogRequest): SipRequest {
  const h = new Headers();
  for (const r of o.routes ?? []) h.append('Route', r);
  h.append('Max-Forwards', '70');
  h.append('From', `${o.from};tag=${o.fromTag ?? randomBytes(6).toString('hex')}`);
  h.append('To', o.to);
  h.append('Call-ID', o.callId ?? newCallId());
  h.append('CSeq', `${o.cseq ?? initialCSeq()} ${o.method}`);
  if (o.contact !== undefined) h.append('Contact', o.contact);
  for (const [k, v] of o.headers ?? []) h.append(k, v);
  const body = o.body ?? Buffer.alloc(0);
  if (body.length > 0) h.append('Content-Type', o.contentType ?? 'application/sdp');
  h.append('Content-Length', String(body.length));
  return new SipRequest(o.method, o.uri, h, body);
}

export interface ResponseOptions {
  reason?: string;
  /** Added to To when the request's To has none (§8.2.6.2); never on a 100. */
  toTag?: string;
  contact?: string;
  headers?: [string, string][];
  body?: Buffer;
  contentType?: string;
}

/**
 * RFC 3261 §8.2.6.2 (the message layer's builder: Via, From, To with tag, Call-ID, CSeq copied), plus what a UA
 * adds: §12.1.1 "the UAS MUST copy all Record-Route header field values from the request into" a response that
 * creates a dialog, our Contact, and the body with Content-Type and Content-Length.
 */
export function createResponse(request: SipRequest, status: number, o: ResponseOptions = {}): SipResponse {
  const headers: [string, string][] = [];
  if (status > 100 && status < 300 && (request.method === 'INVITE' || request.method === 'SUBSCRIBE')) {
    for (const rr of request.headers.getAll('Record-Route')) headers.push(['Record-Route', rr]);
  }
  if (o.contact !== undefined) headers.push(['Contact', o.contact]);
  headers.push(...(o.headers ?? []));
  const body = o.body ?? Buffer.alloc(0);
  if (body.length > 0) headers.push(['Content-Type', o.contentType ?? 'application/sdp']);
  headers.push(['Content-Length', String(body.length)]);
  const reason = o.reason ?? REASON_PHRASES[status] ?? 'Unknown';
  return buildResponse(request, status, reason, { toTag: o.toTag, headers, body });
}

/** A copy of a request for a retry (after 401/407, §22.2): new CSeq, no Via (the transaction layer adds one). */
export function cloneForRetry(request: SipRequest, cseq: number): SipRequest {
  const h = request.headers.clone();
  h.remove('Via');
  h.set('CSeq', `${cseq} ${request.method}`);
  return new SipRequest(request.method, request.uri, h, request.body);
}

export function cseqOf(m: { headers: Headers }): { seq: number; method: string } {
  const [n, method] = (m.headers.get('CSeq') ?? '').trim().split(/\s+/);
  return { seq: Number(n), method: method ?? '' };
}
