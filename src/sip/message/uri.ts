// SIP and SIPS URIs (RFC 3261 §19.1, ABNF §25.1) and tel URIs (RFC 3966, kept simple: number and parameters).
//   SIP-URI = "sip:" [ userinfo ] hostport uri-parameters [ headers ]
//   userinfo = ( user / telephone-subscriber ) [ ":" password ] "@"

import { err, ok, type Result, SipError } from '../errors.js';
import { escapeOutside, HNV, PARAMCHAR, PASSWORD, URIC, USER, unescapeIn } from './chars.js';
import { isHostname, isIPv4, isIPv6, parsePort } from './host.js';
import type { Params, SipUri } from './types.js';

function bad(text: string, why: string): Result<never> {
  return err(new SipError('SIP_PARSE_BAD_URI', `bad URI (${why}): ${text.slice(0, 200)}`, { status: 400 }));
}

function schemeOf(text: string): { scheme: string; at: number } | undefined {
  const colon = text.indexOf(':');
  if (colon <= 0) return undefined;
  const c0 = text.charCodeAt(0) | 0x20;
  if (c0 < 0x61 || c0 > 0x7a) return undefined;
  for (let i = 1; i < colon; i++) {
    const c = text.charCodeAt(i);
    const alnum = (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a);
    if (!alnum && c !== 0x2b && c !== 0x2d && c !== 0x2e) return undefined;
  }
  return { scheme: text.slice(0, colon).toLowerCase(), at: colon + 1 };
}

/**
 * True when text is an absoluteURI of some scheme (RFC 3261 §25.1 via RFC 2396): a scheme, ":" and URI
 * characters. Used to accept To/From/Contact values of schemes the stack does not interpret (RFC 4475 §3.3.2).
 */
export function isAbsoluteUri(text: string): boolean {
  const s = schemeOf(text);
  if (s === undefined || s.at >= text.length) return false;
  for (let i = s.at; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || URIC[c] !== 1) {
      const alnum = (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a);
      if (!alnum) return false;
    }
  }
  return true;
}

function parseUriParams(text: string, i: number, end: number, params: Params): boolean {
  // uri-parameters = *( ";" uri-parameter ); names compared case-insensitively, values kept as written.
  while (i < end) {
    const next = text.indexOf(';', i + 1);
    const stop = next < 0 || next > end ? end : next;
    let eq = i + 1;
    while (eq < stop && text.charCodeAt(eq) !== 0x3d) eq++;
    const hasValue = eq < stop;
    const name = text.slice(i + 1, hasValue ? eq : stop);
    if (unescapeIn(PARAMCHAR, name) === undefined) return false;
    if (hasValue) {
      const value = text.slice(eq + 1, stop);
      if (unescapeIn(PARAMCHAR, value) === undefined) return false;
      params.set(name.toLowerCase(), value);
    } else params.set(name.toLowerCase(), null);
    i = stop;
  }
  return true;
}

function parseUriHeaders(text: string, i: number, headers: Map<string, string>): boolean {
  // headers = "?" header *( "&" header ); header = hname "=" hvalue
  for (const part of text.slice(i + 1).split('&')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return false;
    const name = unescapeIn(HNV, part.slice(0, eq));
    const value = unescapeIn(HNV, part.slice(eq + 1), true);
    if (name === undefined || value === undefined) return false;
    headers.set(name, value);
  }
  return true;
}

function parseTel(text: string, at: number): Result<SipUri> {
  // RFC 3966: telephone-subscriber with parameters; the number is the "user".
  const semi = text.indexOf(';', at);
  const end = semi < 0 ? text.length : semi;
  const number = unescapeIn(PARAMCHAR, text.slice(at, end));
  if (number === undefined) return bad(text, 'tel number');
  const params: Params = new Map();
  if (semi >= 0 && !parseUriParams(text, semi, text.length, params)) return bad(text, 'tel parameter');
  return ok({ scheme: 'tel', user: number, host: '', params, headers: new Map() });
}

/** Parses a sip:, sips: or tel: URI. Another scheme is SIP_PARSE_UNSUPPORTED_URI_SCHEME (status 416). */
export function parseUri(text: string): Result<SipUri> {
  const s = schemeOf(text);
  if (s === undefined) return bad(text, 'no scheme');
  if (s.scheme === 'tel') return parseTel(text, s.at);
  if (s.scheme !== 'sip' && s.scheme !== 'sips') {
    return err(
      new SipError('SIP_PARSE_UNSUPPORTED_URI_SCHEME', `unsupported URI scheme ${s.scheme.slice(0, 40)}`, {
        status: 416,
      }),
    );
  }
  const scheme = s.scheme;
  const len = text.length;
  // The userinfo ends at the last "@": "@" is never unescaped in user, password, parameters or headers, while
  // "?" and ";" may appear in a user (user-unreserved), so the headers start at the first "?" after it.
  const atSign = text.lastIndexOf('@');
  const q = text.indexOf('?', Math.max(atSign, s.at));
  const end = q < 0 ? len : q;
  let i = s.at;
  let user: string | undefined;
  let password: string | undefined;
  if (atSign >= i) {
    const colon = text.indexOf(':', i);
    const userEnd = colon >= 0 && colon < atSign ? colon : atSign;
    user = unescapeIn(USER, text.slice(i, userEnd));
    if (user === undefined) return bad(text, 'user');
    if (userEnd < atSign) {
      password = unescapeIn(PASSWORD, text.slice(userEnd + 1, atSign), true);
      if (password === undefined) return bad(text, 'password');
    }
    i = atSign + 1;
  }
  let host: string;
  if (text.charCodeAt(i) === 0x5b) {
    const close = text.indexOf(']', i);
    if (close < 0 || close > end || !isIPv6(text.slice(i + 1, close))) return bad(text, 'IPv6 reference');
    host = text.slice(i, close + 1);
    i = close + 1;
  } else {
    const h = i;
    while (i < end) {
      const c = text.charCodeAt(i);
      if (c === 0x3a || c === 0x3b) break;
      i++;
    }
    if (!isHostname(text, h, i) && !isIPv4(text, h, i)) return bad(text, 'host');
    host = text.slice(h, i);
  }
  let port: number | undefined;
  if (i < end && text.charCodeAt(i) === 0x3a) {
    const p = i + 1;
    i = p;
    while (i < end && text.charCodeAt(i) !== 0x3b) i++;
    const v = parsePort(text, p, i);
    if (v < 0) return bad(text, 'port');
    port = v;
  }
  const params: Params = new Map();
  if (i < end) {
    if (text.charCodeAt(i) !== 0x3b) return bad(text, 'after host');
    if (!parseUriParams(text, i, end, params)) return bad(text, 'parameter');
  }
  const headers = new Map<string, string>();
  if (q >= 0 && !parseUriHeaders(text, q, headers)) return bad(text, 'header');
  const uri: SipUri = { scheme, host, params, headers };
  if (user !== undefined) uri.user = user;
  if (password !== undefined) uri.password = password;
  if (port !== undefined) uri.port = port;
  return ok(uri);
}

/** Writes a URI, escaping user, password and header values per RFC 3261 §25.1. */
export function formatUri(uri: SipUri): string {
  let out = `${uri.scheme}:`;
  if (uri.scheme === 'tel') out += escapeOutside(PARAMCHAR, uri.user ?? '');
  else {
    if (uri.user !== undefined) {
      out += escapeOutside(USER, uri.user);
      if (uri.password !== undefined) out += `:${escapeOutside(PASSWORD, uri.password)}`;
      out += '@';
    }
    out += uri.host;
    if (uri.port !== undefined) out += `:${uri.port}`;
  }
  for (const [k, v] of uri.params) out += v === null ? `;${k}` : `;${k}=${v}`;
  let sep = '?';
  for (const [k, v] of uri.headers) {
    out += `${sep}${escapeOutside(HNV, k)}=${escapeOutside(HNV, v)}`;
    sep = '&';
  }
  return out;
}
