// Sends a request and answers its 401/407 challenges with the digest client (RFC 3261 §22.2, §22.3):
// the request goes again with a new CSeq and credentials; a challenge that refuses our credentials, or a
// third retry, ends in the challenge response being passed up as the final response.
import type { SipError } from '../errors.js';
import type { SipRequest, SipResponse } from '../message/message.js';
import type { UaContext } from './context.js';
import { cloneForRetry } from './message-factory.js';

export interface SendCallbacks {
  /** The request actually on the wire (the first one, then each authorized retry). */
  sent?(request: SipRequest): void;
  /** Asked before answering a challenge; false passes the 401/407 up instead (the call was cancelled). */
  mayRetry?(): boolean;
  /** Each response that is not an answered challenge. */
  response(response: SipResponse, request: SipRequest): void;
  error(error: SipError, request: SipRequest): void;
}

const MAX_AUTH_RETRIES = 3;

/**
 * Sends `request`; `nextCSeq` gives the sequence number of a retry (the dialog's or the registration's).
 * Challenged requests are retried while the digest client can answer (stale nonces included).
 */
export function sendWithAuth(ctx: UaContext, request: SipRequest, nextCSeq: () => number, cb: SendCallbacks): void {
  let retries = 0;
  const send = (req: SipRequest) => {
    cb.sent?.(req);
    let answered = false;
    ctx.network.sendRequest(req, {
      receiveResponse: (res) => {
        const challenged = res.status === 401 || res.status === 407;
        if (
          challenged &&
          !answered &&
          ctx.auth !== undefined &&
          retries < MAX_AUTH_RETRIES &&
          cb.mayRetry?.() !== false
        ) {
          const a = ctx.auth.answer(req, res);
          if (a.ok) {
            answered = true;
            retries++;
            const retry = cloneForRetry(req, nextCSeq());
            retry.headers.remove(a.value.header);
            for (const v of a.value.values) retry.headers.append(a.value.header, v);
            ctx.logger.debug({ method: req.method, status: res.status, stale: a.value.stale }, 'answering challenge');
            send(retry);
            return;
          }
          ctx.logger.warn({ method: req.method, status: res.status, code: a.error.code }, a.error.message);
        }
        if (answered) return; // a retransmitted challenge after we retried
        cb.response(res, req);
      },
      onError: (e) => cb.error(e, req),
    });
  };
  send(request);
}
