// Digest authentication of requests from the domain's users (RFC 3261 §22.4 for REGISTER with 401 /
// WWW-Authenticate, §22.3 for proxied requests with 407 / Proxy-Authenticate), on the stack's DigestServer:
// stateless HMAC-signed nonces, SHA-256 and MD5 challenges (SHA-256 first, RFC 8760 §2.4).
//
// No user enumeration before authentication fails: a known and an unknown user get the same challenge
// (same realm, same algorithms, a nonce of the same form), and credentials of an unknown user are checked
// against a throw-away password so that the work (and time) is the same as for a wrong password.
//
// Password guessing is limited per source address for every method (AuthFailureLimiter): over the limit, a
// request is answered 503 with Retry-After without its credentials being checked. Nonces are bound to the
// address they were sent to, so guesses cannot be spread over spoofed UDP source addresses.

import { randomBytes } from 'node:crypto';
import type { DigestAlgorithm } from '../sip/auth/digest-algorithm.js';
import { DigestServer } from '../sip/auth/digest-server.js';
import type { Clock } from '../sip/clock.js';
import { parseAuthHeader } from '../sip/message/auth-header.js';
import type { SipRequest } from '../sip/message/message.js';
import type { AuthFailureLimiter } from './auth-failure-limiter.js';

export type AuthOutcome =
  | { kind: 'ok'; user: string }
  /** No usable credentials for our realm, or a nonce not ours: challenge (stale=true for an expired nonce). */
  | { kind: 'challenge'; stale: boolean }
  /** The credentials name a user of the domain and are wrong. */
  | { kind: 'wrong-password'; user: string }
  /** The credentials name a user the domain does not have (checked like a wrong password). */
  | { kind: 'unknown-user'; user: string }
  /** Credentials that cannot be read, or computed for another Request-URI (400). */
  | { kind: 'bad'; reason: string }
  /**
   * Not checked now (503 with Retry-After, seconds): too many failures from this address, or the nonce-count
   * table is full of live nonces (a new nonce cannot be tracked without reopening a replay).
   */
  | { kind: 'throttled'; retryAfter: number; why: 'failures' | 'nonces' };

export interface AuthenticatorOptions {
  realm: string;
  users: ReadonlyMap<string, string>;
  /** Nonce times; a wall clock in production. */
  clock: Clock;
  nonceLifetimeMs?: number;
  /** Challenges offered, in order. Default SHA-256 then MD5 (RFC 8760 §2.4: most preferred first). */
  algorithms?: DigestAlgorithm[];
  /** Failed authentications per source address; absent: no limit. */
  failures?: AuthFailureLimiter;
  /** Called when a request is refused unchecked because its address failed too often. */
  onThrottled?: (sourceHost: string, request: SipRequest) => void;
  /** Most live nonces whose counts are tracked (DigestServer). Default 10000. */
  maxTrackedNonces?: number;
}

export type AuthKind = 'www' | 'proxy';

export class Authenticator {
  readonly realm: string;
  private readonly users: ReadonlyMap<string, string>;
  private readonly digest: DigestServer;
  private readonly failures: AuthFailureLimiter | undefined;
  private readonly onThrottled: ((sourceHost: string, request: SipRequest) => void) | undefined;
  /** Stands in for the password of an unknown user: never matches a digest anyone can compute. */
  private readonly decoy = randomBytes(32).toString('base64url');

  constructor(opts: AuthenticatorOptions) {
    this.realm = opts.realm;
    this.users = opts.users;
    this.failures = opts.failures;
    this.onThrottled = opts.onThrottled;
    const clock = opts.clock;
    this.digest = new DigestServer({
      secret: randomBytes(32),
      now: () => clock.now(),
      algorithms: opts.algorithms ?? ['SHA-256', 'MD5'],
      ...(opts.nonceLifetimeMs === undefined ? {} : { nonceLifetimeMs: opts.nonceLifetimeMs }),
      ...(opts.maxTrackedNonces === undefined ? {} : { maxTrackedNonces: opts.maxTrackedNonces }),
    });
  }

  /**
   * The WWW-Authenticate / Proxy-Authenticate values for a 401 / 407 to a request from `sourceHost`: the nonce is
   * valid from that address only (a guesser cannot spread guesses over spoofed addresses).
   */
  challenge(sourceHost: string, stale = false): string[] {
    return this.digest.challenge(this.realm, { stale, bind: sourceHost });
  }

  /** The header names of a kind: what the challenge goes in, what the credentials come in. */
  static headers(kind: AuthKind): { challenge: string; credentials: string; status: number } {
    return kind === 'www'
      ? { challenge: 'WWW-Authenticate', credentials: 'Authorization', status: 401 }
      : { challenge: 'Proxy-Authenticate', credentials: 'Proxy-Authorization', status: 407 };
  }

  /** The credentials value for our realm, if the request carries one. */
  credentialsFor(request: SipRequest, kind: AuthKind): string | undefined {
    for (const value of request.headers.getAll(Authenticator.headers(kind).credentials)) {
      const p = parseAuthHeader(value);
      if (!p.ok) return value; // let verify() report it as unreadable
      if (p.value.params.get('realm') === this.realm) return value;
    }
    return undefined;
  }

  /** Authenticates a request that came from `sourceHost` (the address failures are counted against). */
  authenticate(request: SipRequest, kind: AuthKind, sourceHost: string, sourcePort?: number): AuthOutcome {
    const wait = this.failures?.check(sourceHost, sourcePort);
    if (wait !== undefined) {
      this.onThrottled?.(sourceHost, request);
      return { kind: 'throttled', retryAfter: wait, why: 'failures' };
    }
    const authorization = this.credentialsFor(request, kind);
    if (authorization === undefined) return { kind: 'challenge', stale: false };
    let asked: string | undefined;
    let known = false;
    const r = this.digest.verify({
      method: request.method,
      requestUri: request.uri,
      authorization,
      realm: this.realm,
      bind: sourceHost,
      body: request.body,
      password: (username) => {
        asked = username;
        const pw = this.users.get(username);
        known = pw !== undefined;
        return pw ?? this.decoy;
      },
    });
    if (r.ok) return { kind: 'ok', user: r.value.username };
    switch (r.error.code) {
      case 'SIP_AUTH_STALE_NONCE':
        return { kind: 'challenge', stale: true };
      case 'SIP_AUTH_BAD_HEADER':
      case 'SIP_AUTH_URI_MISMATCH':
        return { kind: 'bad', reason: r.error.message };
      case 'SIP_AUTH_BUSY':
        return { kind: 'throttled', retryAfter: r.error.retryAfter ?? 1, why: 'nonces' };
      default:
        // The password is only asked for once realm, algorithm and nonce are ours: before that, a new challenge
        // (a nonce from before a restart is not the user's fault); after it, the digest did not match.
        if (asked === undefined) return { kind: 'challenge', stale: false };
        this.failures?.fail(sourceHost, sourcePort);
        return known ? { kind: 'wrong-password', user: asked } : { kind: 'unknown-user', user: asked };
    }
  }

  /** Removes the credentials for our realm before a request is forwarded (§22.3: they were consumed here). */
  consume(request: SipRequest, kind: AuthKind): void {
    const name = Authenticator.headers(kind).credentials;
    const keep = request.headers.getAll(name).filter((v) => {
      const p = parseAuthHeader(v);
      return !(p.ok && p.value.params.get('realm') === this.realm);
    });
    request.headers.remove(name);
    for (const v of keep) request.headers.append(name, v);
  }
}
