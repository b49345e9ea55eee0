// Via (RFC 3261 §20.42, ABNF §25.1):
//   Via = ( "Via" / "v" ) HCOLON via-parm *(COMMA via-parm)
//   via-parm = sent-protocol LWS sent-by *( SEMI via-params )
//   sent-protocol = protocol-name SLASH protocol-version SLASH transport;  sent-by = host [ COLON port ]

import { err, ok, type Result, SipError } from '../errors.js';
import { isWs, TOKEN } from './chars.js';
import { isHostname, isIPv4, isIPv6, parsePort } from './host.js';
import { formatParams, scanParams } from './params.js';
import type { Via } from './types.js';

function bad(value: string, why: string): Result<never> {
  return err(
    new SipError('SIP_PARSE_BAD_VIA', `bad Via (${why}): ${value.slice(0, 200)}`, { status: 400, field: 'Via' }),
  );
}

function skipWs(s: string, i: number): number {
  while (i < s.length && isWs(s.charCodeAt(i))) i++;
  return i;
}

function token(s: string, i: number): number {
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c >= 128 || TOKEN[c] !== 1) break;
    i++;
  }
  return i;
}

/** A received/maddr value: an IP address, or a bracketed IPv6 reference (RFC 5118 §4.5 leniency). */
function isAddress(v: string): boolean {
  if (v.charCodeAt(0) === 0x5b) return v.endsWith(']') && isIPv6(v.slice(1, -1));
  return isIPv4(v) || isIPv6(v) || isHostname(v);
}

/** Parses a Via field value, which may hold several via-parms. */
export function parseVia(value: string): Result<Via[]> {
  const out: Via[] = [];
  const len = value.length;
  let i = 0;
  for (;;) {
    i = skipWs(value, i);
    let j = token(value, i);
    if (j === i) return bad(value, 'protocol name');
    const name = value.slice(i, j);
    i = skipWs(value, j);
    if (value.charCodeAt(i) !== 0x2f) return bad(value, 'sent-protocol');
    i = skipWs(value, i + 1);
    j = token(value, i);
    if (j === i) return bad(value, 'protocol version');
    const version = value.slice(i, j);
    i = skipWs(value, j);
    if (value.charCodeAt(i) !== 0x2f) return bad(value, 'sent-protocol');
    i = skipWs(value, i + 1);
    j = token(value, i);
    if (j === i) return bad(value, 'transport');
    const transport = value.slice(i, j).toUpperCase();
    i = skipWs(value, j);
    let host: string;
    if (value.charCodeAt(i) === 0x5b) {
      const close = value.indexOf(']', i);
      if (close < 0 || !isIPv6(value.slice(i + 1, close))) return bad(value, 'IPv6 sent-by');
      host = value.slice(i, close + 1);
      i = close + 1;
    } else {
      j = i;
      while (j < len) {
        const c = value.charCodeAt(j);
        if (c === 0x3a || c === 0x3b || c === 0x2c || isWs(c)) break;
        j++;
      }
      if (!isHostname(value, i, j)) return bad(value, 'sent-by host');
      host = value.slice(i, j);
      i = j;
    }
    const via: Via = { protocol: `${name}/${version}`.toUpperCase(), transport, host, params: new Map() };
    i = skipWs(value, i);
    if (value.charCodeAt(i) === 0x3a) {
      i = skipWs(value, i + 1);
      j = i;
      while (j < len && value.charCodeAt(j) >= 0x30 && value.charCodeAt(j) <= 0x39) j++;
      const port = parsePort(value, i, j);
      if (port < 0) return bad(value, 'port');
      via.port = port;
      i = j;
    }
    const scan = scanParams(value, i);
    if (scan === undefined) return bad(value, 'parameter');
    via.params = scan.params;
    for (const k of ['received', 'maddr'] as const) {
      const v = scan.params.get(k);
      if (v !== undefined && (v === null || !isAddress(v))) return bad(value, k);
    }
    const rport = scan.params.get('rport');
    if (rport !== undefined && rport !== null && parsePort(rport) < 0) return bad(value, 'rport');
    const ttl = scan.params.get('ttl');
    if (ttl !== undefined && (ttl === null || !/^\d{1,3}$/.test(ttl) || Number(ttl) > 255)) return bad(value, 'ttl');
    out.push(via);
    i = scan.end;
    if (i >= len) return ok(out);
    if (value.charCodeAt(i) !== 0x2c) return bad(value, 'after via-parm');
    i++;
  }
}

/** Writes one via-parm: `SIP/2.0/UDP host:port;branch=...`. */
export function formatVia(via: Via): string {
  const port = via.port === undefined ? '' : `:${via.port}`;
  return `${via.protocol}/${via.transport} ${via.host}${port}${formatParams(via.params)}`;
}
