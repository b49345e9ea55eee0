// Server side of SIP digest authentication (RFC 3261 §22.4, RFC 7616 §3.3–§3.5), for the embedded registrar.
// The nonce carries its own issue time and an HMAC over it, so a server keeps no state per challenge:
//   nonce = base64url( issuedAt (8 bytes, ms) | random (8 bytes) | HMAC-SHA256(secret, issuedAt|random|bind)[0..16] )
// `bind` (optional, e.g. the client's IP address) ties a nonce to what it was issued to: answered from elsewhere,
// it is "not issued here" and challenged again. A guesser spoofing UDP source addresses (to spread its guesses
// over many per-address failure limits) never receives a nonce valid for a spoofed address.
// An expired nonce with a valid HMAC gets stale=true (the client retries without asking the user).
// The highest nonce count seen per nonce is remembered until the nonce expires, so a replay is refused. The table
// never forgets a nonce that is still alive (that would reopen its replay): when it is full of live nonces, the
// first use of another nonce is refused with SIP_AUTH_BUSY (503 with Retry-After) until the oldest expires. Only
// holders of a password can add entries (an entry is made after the digest matched).
// The digest `uri` must name the Request-URI (RFC 7616 §3.4.6), else SIP_AUTH_URI_MISMATCH (400).
import { createHmac, randomBytes as cryptoRandomBytes, timingSafeEqual } from 'node:crypto';
import { err, ok, type Result } from '../errors.js';
import { formatAuthHeader, parseAuthHeader } from '../message/auth-header.js';
import { type DigestAlgorithm, digestResponse, toDigestAlgorithm } from './digest-algorithm.js';
import { sameRequestUri } from './digest-uri.js';
import { AuthError } from './errors.js';

export interface DigestServerOptions {
  /** At least 32 random bytes, kept for the life of the process. */
  secret: Buffer;
  /** Milliseconds since the epoch (an injected clock in tests). */
  now: () => number;
  /** How long a nonce is accepted. Default 5 minutes. */
  nonceLifetimeMs?: number;
  /** Challenges offered, in order (RFC 8760 §2.4: one per algorithm). Default SHA-256 then MD5. */
  algorithms?: DigestAlgorithm[];
  /** Most live nonces whose counts are remembered; beyond it new nonces are refused (busy). Default 10000. */
  maxTrackedNonces?: number;
  randomBytes?: (n: number) => Buffer;
}

export interface VerifyRequest {
  method: string;
  /**
   * The Request-URI of the request, compared with the digest `uri` (RFC 7616 §3.4.6). Every server verifying a
   * real request must give it; without it the `uri` is not checked.
   */
  requestUri?: string;
  /** The Authorization or Proxy-Authorization value. */
  authorization: string;
  /** The realm this server authenticates. */
  realm: string;
  /** What the nonce must have been issued to (the `bind` given to challenge()); default none. */
  bind?: string;
  /** The password of a user of this realm, or undefined when there is no such user. */
  password: (username: string) => string | undefined;
  body?: Buffer;
}

export interface VerifiedUser {
  username: string;
  realm: string;
}

export class DigestServer {
  private readonly secret: Buffer;
  private readonly now: () => number;
  private readonly lifetime: number;
  private readonly algorithms: DigestAlgorithm[];
  private readonly maxTracked: number;
  private readonly randomBytes: (n: number) => Buffer;
  /** nonce -> [highest nc seen, expiry]; insertion order is first-use order (expiries nearly in order). */
  private readonly counts = new Map<string, [number, number]>();

  constructor(opts: DigestServerOptions) {
    if (opts.secret.length < 32) throw new RangeError('DigestServer secret must be at least 32 bytes');
    this.secret = opts.secret;
    this.now = opts.now;
    this.lifetime = opts.nonceLifetimeMs ?? 300_000;
    this.algorithms = opts.algorithms ?? ['SHA-256', 'MD5'];
    this.maxTracked = opts.maxTrackedNonces ?? 10_000;
    this.randomBytes = opts.randomBytes ?? cryptoRandomBytes;
  }

  /** The WWW-Authenticate (or Proxy-Authenticate) values for a 401/407: one per algorithm, one nonce. */
  challenge(realm: string, opts: { stale?: boolean; bind?: string } = {}): string[] {
    const nonce = this.makeNonce(opts.bind ?? '');
    return this.algorithms.map((algorithm) => {
      const params: [string, string][] = [
        ['realm', realm],
        ['nonce', nonce],
        ['algorithm', algorithm],
        ['qop', 'auth'],
      ];
      if (opts.stale) params.push(['stale', 'true']);
      return formatAuthHeader({ scheme: 'Digest', params: new Map(params) }, 'challenge');
    });
  }

  /**
   * Checks credentials. Errors: SIP_AUTH_STALE_NONCE (challenge again with stale=true),
   * SIP_AUTH_INVALID (challenge again, or 403 after repeated failures), SIP_AUTH_BAD_HEADER (400).
   */
  verify(req: VerifyRequest): Result<VerifiedUser, AuthError> {
    const parsed = parseAuthHeader(req.authorization);
    const p = parsed.ok ? parsed.value : undefined;
    if (p === undefined || p.scheme.toLowerCase() !== 'digest') {
      return err(
        new AuthError('SIP_AUTH_BAD_HEADER', 'Authorization is not a Digest credentials value', { status: 400 }),
      );
    }
    const get = (k: string) => p.params.get(k);
    const username = get('username');
    const realm = get('realm');
    const nonce = get('nonce');
    const uri = get('uri');
    const response = get('response');
    const algorithm = toDigestAlgorithm(get('algorithm'));
    if (username === undefined || realm === undefined || nonce === undefined || uri === undefined || !response) {
      return err(new AuthError('SIP_AUTH_BAD_HEADER', 'Digest credentials lack a required parameter', { status: 400 }));
    }
    if (algorithm === undefined || !this.algorithms.includes(algorithm)) {
      return err(new AuthError('SIP_AUTH_INVALID', `algorithm ${get('algorithm')} not offered`, { status: 401 }));
    }
    if (realm !== req.realm)
      return err(new AuthError('SIP_AUTH_INVALID', `realm "${realm}" is not ours`, { status: 401 }));
    // RFC 7616 §3.4.6: "If the request-target [and the uri] do not match, the server SHOULD return a 400 (Bad
    // Request) error" (RFC 2617 §3.2.2.5: "identify the same resource"). Checked before the password is used.
    if (req.requestUri !== undefined && !sameRequestUri(uri, req.requestUri)) {
      return err(
        new AuthError('SIP_AUTH_URI_MISMATCH', `digest uri ${uri.slice(0, 100)} is not the Request-URI`, {
          status: 400,
        }),
      );
    }
    const issued = this.checkNonce(nonce, req.bind ?? '');
    if (issued === undefined) return err(new AuthError('SIP_AUTH_INVALID', 'nonce not issued here', { status: 401 }));
    const qop = get('qop');
    const nc = get('nc');
    const cnonce = get('cnonce');
    // This server always offers qop=auth; RFC 7616 §3.4 makes qop, nc and cnonce mandatory in the answer.
    if (qop !== 'auth' || nc === undefined || !/^[0-9a-fA-F]{8}$/.test(nc) || !cnonce) {
      return err(new AuthError('SIP_AUTH_BAD_HEADER', 'qop=auth with nc and cnonce required', { status: 400 }));
    }
    const password = req.password(username);
    if (password === undefined) return err(new AuthError('SIP_AUTH_INVALID', 'unknown user', { status: 401 }));
    const expected = digestResponse({
      algorithm,
      username,
      realm,
      password,
      nonce,
      method: req.method,
      uri,
      qop: 'auth',
      nc,
      cnonce,
    });
    const a = Buffer.from(expected, 'utf8');
    const b = Buffer.from(response.toLowerCase(), 'utf8');
    if (a.length !== b.length || !timingSafeEqual(a, b)) {
      return err(new AuthError('SIP_AUTH_INVALID', 'digest response does not match', { status: 401 }));
    }
    // Expiry is checked after the response so that only a holder of the password learns "stale".
    if (this.now() > issued + this.lifetime) {
      return err(new AuthError('SIP_AUTH_STALE_NONCE', 'nonce expired', { status: 401 }));
    }
    const counted = this.acceptCount(nonce, Number.parseInt(nc, 16), issued + this.lifetime);
    if (counted === 'replayed') {
      return err(new AuthError('SIP_AUTH_INVALID', `nonce count ${nc} replayed`, { status: 401 }));
    }
    if (typeof counted === 'number') {
      return err(
        new AuthError('SIP_AUTH_BUSY', `${this.counts.size} live nonces tracked`, {
          status: 503,
          retryAfter: Math.max(1, Math.ceil(counted / 1000)),
        }),
      );
    }
    return ok({ username, realm });
  }

  private makeNonce(bind: string): string {
    const head = Buffer.alloc(16);
    head.writeBigUInt64BE(BigInt(Math.max(0, Math.floor(this.now()))), 0);
    this.randomBytes(8).copy(head, 8);
    return Buffer.concat([head, this.mac(head, bind)]).toString('base64url');
  }

  private mac(head: Buffer, bind: string): Buffer {
    return createHmac('sha256', this.secret).update(head).update(bind, 'utf8').digest().subarray(0, 16);
  }

  /** The issue time of a nonce made here for `bind`, or undefined. */
  private checkNonce(nonce: string, bind: string): number | undefined {
    if (nonce.length !== 43) return undefined;
    const raw = Buffer.from(nonce, 'base64url');
    if (raw.length !== 32) return undefined;
    const head = raw.subarray(0, 16);
    if (!timingSafeEqual(raw.subarray(16), this.mac(head, bind))) return undefined;
    return Number(head.readBigUInt64BE(0));
  }

  /**
   * Records nonce count `nc` for `nonce`: 'ok', 'replayed' (not above the highest seen), or the milliseconds until
   * a slot frees when the table is full of live nonces and this one is new. Only expired entries are dropped.
   */
  private acceptCount(nonce: string, nc: number, expiry: number): 'ok' | 'replayed' | number {
    const now = this.now();
    const seen = this.counts.get(nonce);
    if (seen !== undefined) {
      if (nc <= seen[0]) return 'replayed';
      seen[0] = nc;
      return 'ok';
    }
    // Cheap in the usual case: entries are in first-use order, so the expired ones are mostly at the front.
    for (const [n, [, exp]] of this.counts) {
      if (exp >= now) break;
      this.counts.delete(n);
    }
    if (this.counts.size >= this.maxTracked) {
      // A nonce used late sits behind younger ones: sweep the whole table before refusing.
      let soonest = Number.POSITIVE_INFINITY;
      for (const [n, [, exp]] of this.counts) {
        if (exp < now) this.counts.delete(n);
        else soonest = Math.min(soonest, exp);
      }
      if (this.counts.size >= this.maxTracked) return soonest - now + 1;
    }
    this.counts.set(nonce, [nc, expiry]);
    return 'ok';
  }
}
