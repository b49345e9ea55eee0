// WWW-Authenticate / Proxy-Authenticate challenges and Authorization / Proxy-Authorization credentials
// (RFC 3261 §20.27/§20.44/§25.1, RFC 7616 §3.3-§3.4 for Digest, RFC 8760 for SHA-256 in SIP).
//   challenge = ("Digest" LWS digest-cln *(COMMA digest-cln)) / other-challenge
//   auth-param = auth-param-name EQUAL ( token / quoted-string )

import { err, ok, type Result, SipError } from '../errors.js';
import { isWs, TOKEN } from './chars.js';
import { quote, quotedStringEnd, unquote } from './params.js';

/** A challenge or credentials: the scheme and its parameters (names lower-cased, values unquoted). */
export interface AuthParams {
  scheme: string;
  params: Map<string, string>;
}

/** The Digest parameters a client reads from a challenge (RFC 7616 §3.3). */
export interface DigestChallenge {
  realm: string;
  nonce: string;
  opaque?: string;
  /** Upper-cased: MD5, MD5-SESS, SHA-256, SHA-256-SESS... (RFC 7616 §3.3: MD5 when absent). */
  algorithm: string;
  /** qop-options, e.g. ["auth", "auth-int"]; empty when the server offered none (RFC 2069 compatibility). */
  qop: string[];
  stale: boolean;
  domain?: string;
}

/** Digest credentials to send (RFC 7616 §3.4). */
export interface DigestCredentials {
  username: string;
  realm: string;
  nonce: string;
  uri: string;
  response: string;
  algorithm?: string;
  cnonce?: string;
  opaque?: string;
  qop?: string;
  /** Nonce count, written as 8 hex digits. */
  nc?: number;
}

function bad(value: string, why: string): Result<never> {
  return err(
    new SipError('SIP_PARSE_BAD_AUTH', `bad authentication header (${why}): ${value.slice(0, 200)}`, { status: 400 }),
  );
}

function tokenEnd(s: string, i: number): number {
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c >= 128 || TOKEN[c] !== 1) break;
    i++;
  }
  return i;
}

function skipWs(s: string, i: number): number {
  while (i < s.length && isWs(s.charCodeAt(i))) i++;
  return i;
}

/**
 * Parses every challenge (or credentials) of a field value. A value may hold several challenges
 * separated by commas; a new one starts where a token is followed by white space and another token.
 */
export function parseAuthList(value: string): Result<AuthParams[]> {
  const out: AuthParams[] = [];
  let i = skipWs(value, 0);
  let current: AuthParams | undefined;
  while (i < value.length) {
    const t = tokenEnd(value, i);
    if (t === i) return bad(value, 'expected a token');
    const afterToken = skipWs(value, t);
    if (value.charCodeAt(afterToken) !== 0x3d) {
      // A scheme name starts a new challenge.
      current = { scheme: value.slice(i, t), params: new Map() };
      out.push(current);
      i = afterToken;
      if (i < value.length && value.charCodeAt(i) === 0x2c) return bad(value, 'scheme without parameters');
      continue;
    }
    if (current === undefined) return bad(value, 'parameter before a scheme');
    const name = value.slice(i, t).toLowerCase();
    let j = skipWs(value, afterToken + 1);
    let v: string;
    if (value.charCodeAt(j) === 0x22) {
      const e = quotedStringEnd(value, j);
      if (e < 0) return bad(value, 'unclosed quote');
      v = unquote(value.slice(j, e));
      j = e;
    } else {
      const e = tokenEnd(value, j);
      // Some servers send unquoted values holding "/" or ":" (a uri); accept up to the next comma.
      let k = e;
      while (k < value.length && value.charCodeAt(k) !== 0x2c && !isWs(value.charCodeAt(k))) k++;
      if (k === j) return bad(value, `empty value for ${name}`);
      v = value.slice(j, k);
      j = k;
    }
    if (current.params.has(name)) return bad(value, `parameter ${name} twice`);
    current.params.set(name, v);
    i = skipWs(value, j);
    if (i < value.length) {
      if (value.charCodeAt(i) !== 0x2c) return bad(value, 'expected ","');
      i = skipWs(value, i + 1);
    }
  }
  if (out.length === 0) return bad(value, 'empty');
  return ok(out);
}

/** Parses one challenge or credentials value (the first when the value holds several). */
export function parseAuthHeader(value: string): Result<AuthParams> {
  const r = parseAuthList(value);
  return r.ok ? ok(r.value[0]!) : r;
}

/** The Digest view of a challenge; an error when it is not Digest or lacks realm or nonce. */
export function toDigestChallenge(c: AuthParams): Result<DigestChallenge> {
  if (c.scheme.toLowerCase() !== 'digest') return bad(c.scheme, 'not a Digest challenge');
  const realm = c.params.get('realm');
  const nonce = c.params.get('nonce');
  if (realm === undefined) return bad(c.scheme, 'no realm');
  if (nonce === undefined) return bad(c.scheme, 'no nonce');
  const qop = c.params.get('qop');
  const d: DigestChallenge = {
    realm,
    nonce,
    algorithm: (c.params.get('algorithm') ?? 'MD5').toUpperCase(),
    qop:
      qop === undefined
        ? []
        : qop
            .split(',')
            .map((q) => q.trim().toLowerCase())
            .filter((q) => q.length > 0),
    stale: (c.params.get('stale') ?? '').toLowerCase() === 'true',
  };
  const opaque = c.params.get('opaque');
  if (opaque !== undefined) d.opaque = opaque;
  const domain = c.params.get('domain');
  if (domain !== undefined) d.domain = domain;
  return ok(d);
}

/** Parses a WWW-Authenticate / Proxy-Authenticate value holding a Digest challenge. */
export function parseDigestChallenge(value: string): Result<DigestChallenge> {
  const r = parseAuthList(value);
  if (!r.ok) return r;
  const digest = r.value.find((c) => c.scheme.toLowerCase() === 'digest');
  return digest === undefined ? bad(value, 'no Digest challenge') : toDigestChallenge(digest);
}

/**
 * Writes Digest credentials for Authorization / Proxy-Authorization (RFC 7616 §3.4): algorithm, qop and nc
 * unquoted, every other value a quoted-string.
 */
export function formatDigestCredentials(c: DigestCredentials): string {
  const parts = [
    `username=${quote(c.username)}`,
    `realm=${quote(c.realm)}`,
    `nonce=${quote(c.nonce)}`,
    `uri=${quote(c.uri)}`,
    `response=${quote(c.response)}`,
  ];
  if (c.algorithm !== undefined) parts.push(`algorithm=${c.algorithm}`);
  if (c.cnonce !== undefined) parts.push(`cnonce=${quote(c.cnonce)}`);
  if (c.opaque !== undefined) parts.push(`opaque=${quote(c.opaque)}`);
  if (c.qop !== undefined) parts.push(`qop=${c.qop}`);
  if (c.nc !== undefined) parts.push(`nc=${c.nc.toString(16).padStart(8, '0')}`);
  return `Digest ${parts.join(', ')}`;
}

// Parameters whose grammar is a token, never a quoted-string (RFC 7616 §3.3, §3.4).
const UNQUOTED = {
  challenge: new Set(['algorithm', 'stale']),
  credentials: new Set(['algorithm', 'qop', 'nc']),
};

/** Writes any challenge or credentials: the parameters of token grammar bare, the others quoted. */
export function formatAuthHeader(a: AuthParams, kind: 'challenge' | 'credentials'): string {
  const bare = UNQUOTED[kind];
  const parts: string[] = [];
  for (const [k, v] of a.params) parts.push(bare.has(k) ? `${k}=${v}` : `${k}=${quote(v)}`);
  return `${a.scheme} ${parts.join(', ')}`;
}
