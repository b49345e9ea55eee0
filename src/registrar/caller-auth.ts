// Who may have the proxy send a request on (RFC 3261 §22.3, §16.4): the domain's users authenticate with 407 as
// themselves (the credentials' user is the From user), and an out-of-dialog request whose target leaves the
// domain is relayed only for such a user; anyone else gets 403 Relaying Denied (not an open relay). Failed
// authentications are limited per source address in the Authenticator (503 with Retry-After).

import type { SipRequest } from '../sip/message/message.js';
import type { SipUri } from '../sip/message/types.js';
import type { Logger } from '../sip/transport/logger.js';
import type { MessageSource } from '../sip/transport/transport.js';
import type { Authenticator } from './authenticator.js';
import type { LocalIdentity } from './local-identity.js';
import { fromUri } from './request-fields.js';

/** Answers the request with a final response; returns undefined so a caller can `return answer(...)`. */
export type Answer = (status: number, reason?: string, headers?: [string, string][]) => undefined;

export interface CallerAuthContext {
  auth: Authenticator;
  identity: LocalIdentity;
  /** False: the domain's users are not challenged, so nothing may be relayed out of the domain. */
  authenticateLocalUsers: boolean;
  logger: Logger;
}

/**
 * An out-of-dialog request whose target leaves the domain: it must come from a user of the domain (From) who
 * passes the 407 challenge as that user; anyone else gets 403 Relaying Denied. Answers and returns false when
 * the request may not go on.
 */
export function authorizeRelay(
  c: CallerAuthContext,
  request: SipRequest,
  fwd: SipRequest,
  source: MessageSource,
  answer: Answer,
): boolean {
  const from = fromUri(request);
  if (!c.authenticateLocalUsers || from === undefined || !c.identity.isOurDomain(from)) {
    c.logger.info({ method: request.method, uri: request.uri, source: source.host }, 'relaying denied');
    answer(403, 'Relaying Denied');
    return false;
  }
  return authenticateCaller(c, request, fwd, source, from, answer);
}

/**
 * §22.3: challenges (407) a request from a user of the domain and checks that the credentials are that user's
 * (a caller may only call as itself). Answers and returns false unless they are; consumes them (removes them
 * from the forwarded copy `fwd`) when they are.
 */
export function authenticateCaller(
  c: CallerAuthContext,
  request: SipRequest,
  fwd: SipRequest,
  source: MessageSource,
  from: SipUri,
  answer: Answer,
): boolean {
  const outcome = c.auth.authenticate(request, 'proxy', source.host, source.port);
  switch (outcome.kind) {
    case 'challenge':
      // §22.3: "a proxy server ... MAY challenge ... with a 407 (Proxy Authentication Required)".
      answer(
        407,
        undefined,
        c.auth.challenge(source.host, outcome.stale).map((v) => ['Proxy-Authenticate', v]),
      );
      return false;
    case 'throttled':
      // §21.5.4: come back later; the credentials were not checked.
      answer(503, 'Service Unavailable', [['Retry-After', String(outcome.retryAfter)]]);
      return false;
    case 'bad':
      answer(400, 'Bad Proxy-Authorization');
      return false;
    case 'ok':
      if (outcome.user === from.user) break;
      answer(403, 'Forbidden');
      return false;
    default:
      answer(403, 'Forbidden');
      return false;
  }
  c.auth.consume(fwd, 'proxy');
  return true;
}
