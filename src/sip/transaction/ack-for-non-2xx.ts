// RFC 3261 §17.1.1.3: the ACK a client INVITE transaction sends itself for a 300-699 final response.

import { Headers } from '../message/headers.js';
import { SipRequest, type SipResponse } from '../message/message.js';

/**
 * "The ACK request constructed by the client transaction MUST contain values for the Call-ID, From, and
 * Request-URI that are equal to the values of those header fields in the request passed to the transport by
 * the client transaction (call this the 'original request'). The To header field in the ACK MUST equal the To
 * header field in the response being acknowledged. The ACK MUST contain a single Via header field, and this
 * MUST be equal to the top Via header field of the original request. The CSeq header field in the ACK MUST
 * contain the same value for the sequence number as was present in the original request, but the method
 * parameter MUST be equal to 'ACK'. If the INVITE request whose response is being acknowledged had Route
 * header fields, those header fields MUST appear in the ACK." The ACK carries no body.
 */
export function ackForNon2xx(invite: SipRequest, response: SipResponse): SipRequest {
  const h = new Headers();
  const topVia = firstListElement(invite.headers.get('Via') ?? '');
  h.append('Via', topVia);
  for (const route of invite.headers.getAll('Route')) h.append('Route', route);
  h.append('Max-Forwards', '70');
  h.append('From', invite.headers.get('From') ?? '');
  h.append('To', response.headers.get('To') ?? invite.headers.get('To') ?? '');
  h.append('Call-ID', invite.headers.get('Call-ID') ?? '');
  const seq = (invite.headers.get('CSeq') ?? '').trim().split(/\s+/)[0] ?? '';
  h.append('CSeq', `${seq} ACK`);
  h.append('Content-Length', '0');
  return new SipRequest('ACK', invite.uri, h);
}

/** The first element of a comma-separated header value (commas inside quotes or <> do not count). */
export function firstListElement(value: string): string {
  let quoted = false;
  let angle = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === '<') angle = true;
    else if (c === '>') angle = false;
    else if (c === ',' && !angle) return value.slice(0, i).trim();
  }
  return value.trim();
}
