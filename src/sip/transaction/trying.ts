// The 100 (Trying) a server transaction sends by itself (RFC 3261 §17.2.1), built per §8.2.6.

import { Headers } from '../message/headers.js';
import { type SipRequest, SipResponse } from '../message/message.js';

/**
 * §8.2.6.1: "the From field ... Call-ID ... CSeq ... and Via header fields of the response MUST equal" those of
 * the request, "the To header field of the response MUST equal" the request's (a 100 gets no tag, §8.2.6.2), and
 * "if there is a Timestamp header field in the request, it MUST be copied into the response".
 */
export function trying100(request: SipRequest): SipResponse {
  const h = new Headers();
  for (const via of request.headers.getAll('Via')) h.append('Via', via);
  for (const name of ['From', 'To', 'Call-ID', 'CSeq', 'Timestamp']) {
    const value = request.headers.get(name);
    if (value !== undefined) h.append(name, value);
  }
  h.append('Content-Length', '0');
  return new SipResponse(100, 'Trying', h);
}
