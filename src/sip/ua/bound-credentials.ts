// The account's digest credentials, bound to where they belong. A 401/407 can come from anyone we send a
// request to (the target of a REFER, a device answering in a dialog); answering it hands that party a digest
// response computed from the account's password (an offline dictionary attack on MD5, or a relay of the
// registrar's nonce to place calls as us). So a challenge is answered only when both hold:
//   1. the request's next hop (its first Route, else its Request-URI: RFC 3261 §8.1.2) is the account's domain
//      or its outbound proxy: the servers the account is configured for;
//   2. the challenge's realm is one the registrar challenged REGISTER with, once it has (before the first
//      REGISTER challenge, any realm at those hops).
// Any other challenge is not answered: the request ends with its 401/407 as the failure.
import type { DigestAnswer, DigestClient } from '../auth/digest.js';
import { readDigestChallenges } from '../auth/digest.js';
import { AuthError } from '../auth/errors.js';
import { err, type Result } from '../errors.js';
import type { SipRequest, SipResponse } from '../message/message.js';
import { destinationOf, uriDestination } from './stack-network.js';

/** What the user agent asks of its credentials (RFC 3261 §22.2, §22.3). */
export interface ChallengeAnswerer {
  answer(request: SipRequest, response: SipResponse): Result<DigestAnswer, AuthError>;
}

export class BoundCredentials implements ChallengeAnswerer {
  private readonly hosts: Set<string>;
  /** The realms the registrar challenged REGISTER with. */
  private readonly realms = new Set<string>();

  constructor(
    private readonly client: DigestClient,
    scope: { domain: string; outboundProxy?: string },
  ) {
    // Hosts without their ports: the domain may be `host:port` (sip:user@127.0.0.1:5070).
    this.hosts = new Set();
    for (const uri of [scope.domain, scope.outboundProxy]) {
      const host = uri === undefined ? undefined : uriDestination(withScheme(uri))?.host;
      if (host !== undefined) this.hosts.add(normalize(host));
    }
  }

  answer(request: SipRequest, response: SipResponse): Result<DigestAnswer, AuthError> {
    const hop = destinationOf(request)?.host;
    if (hop === undefined || !this.hosts.has(normalize(hop))) {
      return err(
        new AuthError(
          'SIP_AUTH_NO_CREDENTIALS',
          `challenge from ${hop ?? 'an unknown host'} not answered: the account's credentials are for ${[...this.hosts].join(', ')}`,
          { status: response.status },
        ),
      );
    }
    const header = response.status === 407 ? 'Proxy-Authenticate' : 'WWW-Authenticate';
    const realms = response.headers
      .getAll(header)
      .flatMap(readDigestChallenges)
      .map((c) => c.realm);
    if (request.method === 'REGISTER') {
      const a = this.client.answer(request, response);
      if (a.ok) for (const r of realms) this.realms.add(r);
      return a;
    }
    const foreign = realms.find((r) => this.realms.size > 0 && !this.realms.has(r));
    if (foreign !== undefined) {
      return err(
        new AuthError(
          'SIP_AUTH_NO_CREDENTIALS',
          `challenge for realm "${foreign}" not answered: the registrar's realm is ${[...this.realms].join(', ')}`,
          { status: response.status },
        ),
      );
    }
    return this.client.answer(request, response);
  }
}

function withScheme(uri: string): string {
  return /^sips?:/i.test(uri) ? uri : `sip:${uri}`;
}

function normalize(host: string): string {
  return host.replace(/^\[|\]$/g, '').toLowerCase();
}
