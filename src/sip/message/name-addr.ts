// name-addr and addr-spec with header parameters: From, To, Contact, Route, Record-Route, Refer-To...
// RFC 3261 §25.1:  ( name-addr / addr-spec ) *( SEMI param );  name-addr = [ display-name ] LAQUOT addr-spec RAQUOT
//   display-name = *(token LWS) / quoted-string
// RFC 3261 §20.10: without angle brackets, every ";" parameter is a header parameter, and a URI holding
// ",", "?" or ";" MUST be enclosed in angle brackets.

import { err, ok, type Result, SipError } from '../errors.js';
import { isWs, TOKEN } from './chars.js';
import { splitHeaderList } from './header-list.js';
import { formatParams, quote, quotedStringEnd, scanParams, unquote } from './params.js';
import type { NameAddr, Params } from './types.js';
import { formatUri, isAbsoluteUri, parseUri } from './uri.js';

/** The syntax of a name-addr before its URI is interpreted. */
export interface NameAddrParts {
  displayName?: string;
  uri: string;
  params: Params;
}

function bad(text: string, why: string): Result<never> {
  return err(new SipError('SIP_PARSE_BAD_NAME_ADDR', `bad name-addr (${why}): ${text.slice(0, 200)}`, { status: 400 }));
}

/** Splits a name-addr / addr-spec into display name, URI text and parameters; the URI is not parsed. */
export function scanNameAddr(text: string): Result<NameAddrParts> {
  const len = text.length;
  let i = 0;
  while (i < len && isWs(text.charCodeAt(i))) i++;
  let displayName: string | undefined;
  let uri: string;
  let c = text.charCodeAt(i);
  if (c === 0x22) {
    const e = quotedStringEnd(text, i);
    if (e < 0) return bad(text, 'unclosed quote');
    displayName = unquote(text.slice(i, e));
    i = e;
    while (i < len && isWs(text.charCodeAt(i))) i++;
    c = text.charCodeAt(i);
    if (c !== 0x3c) return bad(text, 'no < after display name');
  } else if (c !== 0x3c) {
    // Either *(token LWS) "<" or an addr-spec: look for "<" after tokens and white space only.
    let j = i;
    while (j < len) {
      const d = text.charCodeAt(j);
      if ((d < 128 && TOKEN[d] === 1) || isWs(d)) j++;
      else break;
    }
    if (j < len && text.charCodeAt(j) === 0x3c) {
      if (j > i) displayName = text.slice(i, j).trim();
      i = j;
    }
  }
  if (text.charCodeAt(i) === 0x3c) {
    const close = text.indexOf('>', i + 1);
    if (close < 0) return bad(text, 'unclosed <');
    uri = text.slice(i + 1, close);
    i = close + 1;
  } else {
    const start = i;
    while (i < len) {
      const d = text.charCodeAt(i);
      if (d === 0x3b || isWs(d)) break;
      if (d === 0x2c || d === 0x3f) return bad(text, 'addr-spec with "," or "?" outside <>');
      i++;
    }
    uri = text.slice(start, i);
  }
  if (uri.length === 0) return bad(text, 'empty URI');
  const scan = scanParams(text, i);
  if (scan === undefined) return bad(text, 'parameter');
  if (scan.end !== len) return bad(text, 'trailing characters');
  const parts: NameAddrParts = { uri, params: scan.params };
  if (displayName !== undefined) parts.displayName = displayName;
  return ok(parts);
}

/** Checks a name-addr's syntax, accepting any absoluteURI scheme (an unknown scheme is not a syntax error). */
export function checkNameAddr(text: string, field: string): SipError | undefined {
  const parts = scanNameAddr(text);
  if (!parts.ok) return withField(parts.error, field);
  const u = parts.value.uri;
  const scheme = u.slice(0, 5).toLowerCase();
  if (scheme.startsWith('sip:') || scheme.startsWith('sips:') || scheme.startsWith('tel:')) {
    const r = parseUri(u);
    if (!r.ok) return withField(r.error, field);
  } else if (!isAbsoluteUri(u)) {
    return new SipError('SIP_PARSE_BAD_URI', `bad URI in ${field}: ${u.slice(0, 200)}`, { status: 400, field });
  }
  return undefined;
}

function withField(e: SipError, field: string): SipError {
  return new SipError(e.code, `${field}: ${e.message}`, { status: e.status, field });
}

/** Parses a name-addr or addr-spec (one list element) whose URI is sip:, sips: or tel:. */
export function parseNameAddr(text: string): Result<NameAddr> {
  const parts = scanNameAddr(text);
  if (!parts.ok) return parts;
  const uri = parseUri(parts.value.uri);
  if (!uri.ok) return uri;
  const na: NameAddr = { uri: uri.value, params: parts.value.params };
  if (parts.value.displayName !== undefined) na.displayName = parts.value.displayName;
  return ok(na);
}

/** Writes `"Display" <uri>;params`; the display name is always a quoted-string (RFC 3261 §25.1). */
export function formatNameAddr(na: NameAddr): string {
  const dn = na.displayName !== undefined && na.displayName !== '' ? `${quote(na.displayName)} ` : '';
  return `${dn}<${formatUri(na.uri)}>${formatParams(na.params)}`;
}

/**
 * Parses every element of one or more field values of a list header (Contact, Route, Record-Route, Path...),
 * in order (RFC 3261 §7.3.1). A Contact of "*" is not a name-addr: check for it before calling this.
 */
export function parseNameAddrList(values: string | readonly string[]): Result<NameAddr[]> {
  const out: NameAddr[] = [];
  for (const v of typeof values === 'string' ? [values] : values) {
    for (const el of splitHeaderList(v)) {
      const r = parseNameAddr(el);
      if (!r.ok) return r;
      out.push(r.value);
    }
  }
  return ok(out);
}
