// The digest computation of RFC 7616 §3.4.1–§3.4.3, with the algorithms RFC 8760 brings to SIP.
//   A1 = username ":" realm ":" password                         (algorithm X)
//   A1 = H(username ":" realm ":" password) ":" nonce ":" cnonce (algorithm X-sess)
//   A2 = method ":" digest-uri                                   (qop=auth or no qop)
//   A2 = method ":" digest-uri ":" H(entity-body)               (qop=auth-int)
//   response = H(H(A1) ":" nonce ":" nc ":" cnonce ":" qop ":" H(A2))   (with qop)
//   response = H(H(A1) ":" nonce ":" H(A2))                            (RFC 2069 compatibility, no qop)
import { createHash } from 'node:crypto';

export type DigestAlgorithm = 'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess' | 'SHA-512-256' | 'SHA-512-256-sess';
export type DigestQop = 'auth' | 'auth-int';

const HASHES: Record<string, string> = { md5: 'md5', 'sha-256': 'sha256', 'sha-512-256': 'sha512-256' };

/** RFC 8760 §2.1: a UAC prefers the strongest algorithm the server offers. */
export const ALGORITHM_PREFERENCE: readonly DigestAlgorithm[] = [
  'SHA-512-256',
  'SHA-512-256-sess',
  'SHA-256',
  'SHA-256-sess',
  'MD5',
  'MD5-sess',
];

/** The algorithm named in a challenge (case-insensitive; absent means MD5, RFC 7616 §3.3), or undefined. */
export function toDigestAlgorithm(name: string | undefined): DigestAlgorithm | undefined {
  if (name === undefined) return 'MD5';
  const lower = name.toLowerCase();
  return ALGORITHM_PREFERENCE.find((a) => a.toLowerCase() === lower);
}

function hashName(algorithm: DigestAlgorithm): string {
  const base = algorithm.toLowerCase().replace(/-sess$/, '');
  return HASHES[base]!;
}

export function digestHash(algorithm: DigestAlgorithm, data: string | Buffer): string {
  return createHash(hashName(algorithm)).update(data).digest('hex');
}

export interface DigestInput {
  algorithm: DigestAlgorithm;
  username: string;
  realm: string;
  password: string;
  nonce: string;
  method: string;
  /** digest-uri: the Request-URI in SIP (RFC 3261 §22.4). */
  uri: string;
  qop?: DigestQop;
  /** 8 hex digits (`00000001`), required with qop. */
  nc?: string;
  cnonce?: string;
  /** The message body, for qop=auth-int. */
  body?: Buffer;
}

/** H(A1), also what a registrar may store instead of the password. */
export function digestHA1(i: Pick<DigestInput, 'algorithm' | 'username' | 'realm' | 'password' | 'nonce' | 'cnonce'>) {
  const base = digestHash(i.algorithm, `${i.username}:${i.realm}:${i.password}`);
  if (!i.algorithm.endsWith('-sess')) return base;
  return digestHash(i.algorithm, `${base}:${i.nonce}:${i.cnonce ?? ''}`);
}

/** The `response` value of RFC 7616 §3.4.1. */
export function digestResponse(i: DigestInput): string {
  const ha1 = digestHA1(i);
  const a2 =
    i.qop === 'auth-int'
      ? `${i.method}:${i.uri}:${digestHash(i.algorithm, i.body ?? Buffer.alloc(0))}`
      : `${i.method}:${i.uri}`;
  const ha2 = digestHash(i.algorithm, a2);
  if (i.qop === undefined) return digestHash(i.algorithm, `${ha1}:${i.nonce}:${ha2}`);
  return digestHash(i.algorithm, `${ha1}:${i.nonce}:${i.nc ?? ''}:${i.cnonce ?? ''}:${i.qop}:${ha2}`);
}
