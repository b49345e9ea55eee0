// The keys transactions are found by: RFC 3261 §17.1.3 (responses to client transactions) and §17.2.3
// (requests to server transactions, with the RFC 2543 fallback), and the branch ids of §8.1.1.7.

import { randomBytes } from 'node:crypto';
import { err, ok, type Result, SipError } from '../errors.js';
import { parseCSeq } from '../message/cseq.js';
import type { SipMessage, SipRequest } from '../message/message.js';
import { scanNameAddr } from '../message/name-addr.js';
import type { Via } from '../message/types.js';
import { parseVia } from '../message/via.js';

/** §8.1.1.7: "The branch ID inserted by an element compliant with this specification MUST always begin with the
 * characters "z9hG4bK"." */
export const MAGIC_COOKIE = 'z9hG4bK';

/** A branch unique across space and time (§8.1.1.7): the magic cookie and 96 random bits from node:crypto. */
export function newBranch(): string {
  return MAGIC_COOKIE + randomBytes(12).toString('base64url');
}

/** The top Via of a message (the first element of the first Via field). */
export function topVia(message: SipMessage): Result<Via> {
  const value = message.headers.get('Via');
  if (value === undefined)
    return err(new SipError('SIP_PARSE_MISSING_HEADER', 'no Via', { status: 400, field: 'Via' }));
  const vias = parseVia(value);
  if (!vias.ok) return vias;
  const first = vias.value[0];
  if (first === undefined) return err(new SipError('SIP_PARSE_BAD_VIA', 'empty Via', { status: 400, field: 'Via' }));
  return ok(first);
}

function cseqOf(message: SipMessage): Result<{ seq: number; method: string }> {
  const value = message.headers.get('CSeq');
  if (value === undefined)
    return err(new SipError('SIP_PARSE_MISSING_HEADER', 'no CSeq', { status: 400, field: 'CSeq' }));
  return parseCSeq(value);
}

/** Key of a client transaction: §17.1.3 "the branch parameter in the top Via" and "the method parameter in the
 * CSeq header field". */
export function clientKey(branch: string, method: string): string {
  return `${branch}\u0000${method}`;
}

/** §17.1.3: the key a response is matched by. */
export function responseKey(message: SipMessage): Result<string> {
  const via = topVia(message);
  if (!via.ok) return via;
  const branch = via.value.params.get('branch');
  if (branch === undefined || branch === null) {
    return err(new SipError('SIP_PARSE_BAD_VIA', 'response without a branch', { status: 400, field: 'Via' }));
  }
  const cseq = cseqOf(message);
  if (!cseq.ok) return cseq;
  return ok(clientKey(branch, cseq.value.method));
}

/** The tag parameter of a From or To value, '' when absent or unreadable. */
export function tagOf(value: string | undefined): string {
  if (value === undefined) return '';
  const na = scanNameAddr(value);
  if (!na.ok) return '';
  return na.value.params.get('tag') ?? '';
}

export interface ServerKey {
  key: string;
  /** RFC 2543 fallback: the To tag must match too (checked against the transaction, not part of the key). */
  rfc2543: boolean;
}

/**
 * §17.2.3: the key a request is matched by. With the magic cookie: the branch, the sent-by of the top Via, and
 * the method, "except for ACK, where the method of the request that created the transaction is INVITE".
 * `asMethod` overrides the method (CANCEL matching, §9.2, uses INVITE).
 *
 * Without the cookie (RFC 2543 peers): "the Request-URI, To tag, From tag, Call-ID, CSeq, and top Via header
 * field match those of the INVITE request which created the transaction"; the To tag is compared separately.
 */
export function serverKey(request: SipRequest, asMethod?: string): Result<ServerKey> {
  const via = topVia(request);
  if (!via.ok) return via;
  const method = asMethod ?? (request.method === 'ACK' ? 'INVITE' : request.method);
  const branch = via.value.params.get('branch');
  if (typeof branch === 'string' && branch.startsWith(MAGIC_COOKIE)) {
    const sentBy = `${via.value.host.toLowerCase()}:${via.value.port ?? ''}`;
    return ok({ key: `3261\u0000${branch}\u0000${sentBy}\u0000${method}`, rfc2543: false });
  }
  const cseq = cseqOf(request);
  if (!cseq.ok) return cseq;
  const from = tagOf(request.headers.get('From'));
  const callId = request.headers.get('Call-ID') ?? '';
  // The top Via minus the parameters the receiving transport adds (received, rport), which a retransmission
  // may or may not carry.
  const viaText = `${via.value.transport} ${via.value.host.toLowerCase()}:${via.value.port ?? ''};${branch ?? ''}`;
  return ok({
    key: `2543\u0000${request.uri}\u0000${from}\u0000${callId}\u0000${cseq.value.seq}\u0000${viaText}\u0000${method}`,
    rfc2543: true,
  });
}
