// Client side of SIP digest authentication: RFC 3261 §22.2 (401 -> Authorization) and §22.3
// (407 -> Proxy-Authorization), with RFC 7616 computation and RFC 8760 algorithms.
//
//   request ──▶ 401/407 with challenges ──▶ answer() ──▶ same request, CSeq+1, with credentials
//                                               │
//                     a new challenge without stale=true for a realm we just answered: rejected
import { randomBytes as cryptoRandomBytes } from 'node:crypto';
import { err, ok, type Result } from '../errors.js';
import { type AuthParams, formatAuthHeader, parseAuthHeader, parseAuthList } from '../message/auth-header.js';
import type { SipRequest, SipResponse } from '../message/message.js';
import {
  ALGORITHM_PREFERENCE,
  type DigestAlgorithm,
  type DigestQop,
  digestResponse,
  toDigestAlgorithm,
} from './digest-algorithm.js';
import { AuthError } from './errors.js';

export interface DigestCredentials {
  /** The authentication user name (RFC 7616 `username`), which may differ from the From user. */
  username: string;
  password: string;
  /** The realm these credentials are for; undefined means any realm without its own entry. */
  realm?: string;
}

/** A challenge this client can answer. */
export interface DigestChallenge {
  realm: string;
  nonce: string;
  algorithm: DigestAlgorithm;
  qop: DigestQop | undefined;
  opaque: string | undefined;
  stale: boolean;
}

export type AuthorizationHeaderName = 'Authorization' | 'Proxy-Authorization';

export interface DigestAnswer {
  header: AuthorizationHeaderName;
  /** Every value of that header for the retried request: the answered realms plus any others kept. */
  values: string[];
  /** True when every answered challenge was stale=true (a retry that is not a failure, RFC 7616 §3.3). */
  stale: boolean;
}

const MAX_NONCES = 64;

/** The challenges of one WWW-Authenticate / Proxy-Authenticate value that this client can answer. */
export function readDigestChallenges(value: string): DigestChallenge[] {
  const list = parseAuthList(value);
  if (!list.ok) return [];
  const out: DigestChallenge[] = [];
  for (const p of list.value) {
    const c = toChallenge(p);
    if (c !== undefined) out.push(c);
  }
  return out;
}

function toChallenge(p: AuthParams): DigestChallenge | undefined {
  if (p.scheme.toLowerCase() !== 'digest') return undefined;
  const realm = p.params.get('realm');
  const nonce = p.params.get('nonce');
  const algorithm = toDigestAlgorithm(p.params.get('algorithm'));
  if (realm === undefined || nonce === undefined || algorithm === undefined) return undefined;
  let qop: DigestQop | undefined;
  const qopList = p.params.get('qop');
  if (qopList !== undefined) {
    const offered = qopList.split(',').map((q) => q.trim().toLowerCase());
    // RFC 7616 §3.3: qop is a list; prefer auth (the body may change hop by hop in SIP).
    if (offered.includes('auth')) qop = 'auth';
    else if (offered.includes('auth-int')) qop = 'auth-int';
    else return undefined;
  }
  const stale = p.params.get('stale')?.toLowerCase() === 'true';
  return { realm, nonce, algorithm, qop, opaque: p.params.get('opaque'), stale };
}

export class DigestClient {
  private readonly credentials: DigestCredentials[];
  private readonly randomBytes: (n: number) => Buffer;
  /** RFC 7616 §3.4: nc counts the requests sent with one nonce. */
  private readonly nonceCounts = new Map<string, number>();

  constructor(
    credentials: DigestCredentials | DigestCredentials[],
    opts: { randomBytes?: (n: number) => Buffer } = {},
  ) {
    this.credentials = Array.isArray(credentials) ? credentials : [credentials];
    this.randomBytes = opts.randomBytes ?? cryptoRandomBytes;
  }

  /**
   * The credentials answering a 401 or 407 to `request`, to put on a copy of it with a new CSeq
   * (RFC 3261 §22.2). Fails when nothing can be answered or when the response refuses credentials we sent.
   */
  answer(request: SipRequest, response: SipResponse): Result<DigestAnswer, AuthError> {
    const proxy = response.status === 407;
    if (!proxy && response.status !== 401) {
      return err(new AuthError('SIP_AUTH_BAD_HEADER', `status ${response.status} is not a challenge`));
    }
    const header: AuthorizationHeaderName = proxy ? 'Proxy-Authorization' : 'Authorization';
    const challengeValues = response.headers.getAll(proxy ? 'Proxy-Authenticate' : 'WWW-Authenticate');
    const byRealm = new Map<string, DigestChallenge>();
    for (const c of challengeValues.flatMap(readDigestChallenges)) {
      const prev = byRealm.get(c.realm);
      // RFC 8760 §2.4: several challenges for one realm, one per algorithm; answer the preferred one.
      if (prev === undefined || rank(c.algorithm) < rank(prev.algorithm)) byRealm.set(c.realm, c);
    }
    if (byRealm.size === 0) {
      return err(
        new AuthError('SIP_AUTH_UNSUPPORTED', `no supported Digest challenge in ${response.status}`, {
          status: response.status,
        }),
      );
    }
    const sent = request.headers.getAll(header).map((v) => {
      const p = parseAuthHeader(v);
      return p.ok ? p.value : undefined;
    });
    const sentRealms = new Set(sent.map((p) => p?.params.get('realm')).filter((r) => r !== undefined));
    const values: string[] = [];
    let allStale = true;
    for (const c of byRealm.values()) {
      // RFC 7616 §3.3 stale: "the request was valid but the nonce was not": retry, not a failure.
      if (sentRealms.has(c.realm) && !c.stale) {
        return err(
          new AuthError('SIP_AUTH_REJECTED', `credentials for realm "${c.realm}" refused (${response.status})`, {
            status: response.status,
          }),
        );
      }
      if (!c.stale) allStale = false;
      const cred =
        this.credentials.find((k) => k.realm === c.realm) ?? this.credentials.find((k) => k.realm === undefined);
      if (cred === undefined) {
        return err(
          new AuthError('SIP_AUTH_NO_CREDENTIALS', `no credentials for realm "${c.realm}"`, {
            status: response.status,
          }),
        );
      }
      values.push(this.credentialsFor(c, cred, request));
    }
    // Credentials for realms not challenged again stay on the request (RFC 3261 §22.3).
    for (const p of sent) {
      const realm = p?.params.get('realm');
      if (p !== undefined && realm !== undefined && !byRealm.has(realm)) values.push(formatSent(p));
    }
    return ok({ header, values, stale: allStale });
  }

  private credentialsFor(c: DigestChallenge, cred: DigestCredentials, request: SipRequest): string {
    const params: [string, string][] = [
      ['username', cred.username],
      ['realm', c.realm],
      ['nonce', c.nonce],
      ['uri', request.uri],
    ];
    let nc: string | undefined;
    let cnonce: string | undefined;
    if (c.qop !== undefined) {
      nc = this.nextNonceCount(c.nonce);
      cnonce = this.randomBytes(16).toString('hex');
    }
    const response = digestResponse({
      algorithm: c.algorithm,
      username: cred.username,
      realm: c.realm,
      password: cred.password,
      nonce: c.nonce,
      method: request.method,
      uri: request.uri,
      qop: c.qop,
      nc,
      cnonce,
      body: request.body,
    });
    params.push(['response', response], ['algorithm', c.algorithm]);
    if (c.opaque !== undefined) params.push(['opaque', c.opaque]); // RFC 7616 §3.4: returned unchanged
    if (c.qop !== undefined) params.push(['qop', c.qop], ['nc', nc!], ['cnonce', cnonce!]);
    return formatAuthHeader({ scheme: 'Digest', params: new Map(params) }, 'credentials');
  }

  private nextNonceCount(nonce: string): string {
    const n = (this.nonceCounts.get(nonce) ?? 0) + 1;
    this.nonceCounts.delete(nonce);
    this.nonceCounts.set(nonce, n);
    if (this.nonceCounts.size > MAX_NONCES) {
      const oldest = this.nonceCounts.keys().next().value;
      if (oldest !== undefined) this.nonceCounts.delete(oldest);
    }
    return n.toString(16).padStart(8, '0');
  }
}

function rank(a: DigestAlgorithm): number {
  return ALGORITHM_PREFERENCE.indexOf(a);
}

function formatSent(p: AuthParams): string {
  return formatAuthHeader(p, 'credentials');
}
