// Building requests outside a dialog (RFC 3261 §8.1.1) and responses (§8.2.6).
import { randomBytes, randomUUID } from 'node:crypto';
import { Headers } from '../message/headers.js';
import { SipRequest, SipResponse } from '../message/message.js';

/** RFC 3261 §21: the reason phrases the UA sends. */
export const REASON_PHRASES: Readonly<Record<number, string>> = {
  100: 'Trying',
  180: 'Ringing',
  181: 'Call Is Being Forwarded',
  183: 'Session Progress',
  200: 'OK',
  202: 'Accepted',
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  420: 'Bad Extension',
  422: 'Session Interval Too Small',
  480: 'Temporarily Unavailable',
  481: 'Call/Transaction Does Not Exist',
  486: 'Busy Here',
  487: 'Request Terminated',
  488: 'Not Acceptable Here',
  491: 'Request Pending',
  500: 'Server Internal Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
  603: 'Decline',
};

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
 * RFC 3261 §8.2.6.2: "the From field of the response MUST equal the From header field of the request. The
 * Call-ID ... CSeq ... Via header field values ... MUST equal", To equal plus a tag. §12.1.1: a response that
 * creates a dialog copies the Record-Route values.
 */
export function createResponse(request: SipRequest, status: number, o: ResponseOptions = {}): SipResponse {
  const h = new Headers();
  for (const v of request.headers.getAll('Via')) h.append('Via', v);
  h.append('From', request.headers.get('From') ?? '');
  let to = request.headers.get('To') ?? '';
  if (status > 100 && o.toTag !== undefined && !/;\s*tag=/i.test(to)) to = `${to};tag=${o.toTag}`;
  h.append('To', to);
  h.append('Call-ID', request.headers.get('Call-ID') ?? '');
  h.append('CSeq', request.headers.get('CSeq') ?? '');
  const ts = request.headers.get('Timestamp');
  if (ts !== undefined && status === 100) h.append('Timestamp', ts);
  if (status > 100 && status < 300 && (request.method === 'INVITE' || request.method === 'SUBSCRIBE')) {
    for (const rr of request.headers.getAll('Record-Route')) h.append('Record-Route', rr);
  }
  if (o.contact !== undefined) h.append('Contact', o.contact);
  for (const [k, v] of o.headers ?? []) h.append(k, v);
  const body = o.body ?? Buffer.alloc(0);
  if (body.length > 0) h.append('Content-Type', o.contentType ?? 'application/sdp');
  h.append('Content-Length', String(body.length));
  return new SipResponse(status, o.reason ?? REASON_PHRASES[status] ?? 'Unknown', h, body);
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
