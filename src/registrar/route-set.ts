// Route and Record-Route handling of a proxy (RFC 3261 §16.4, §16.6 steps 4-7, §16.12): recognising our own
// Route entries, writing our Record-Route, and the next hop of a request.

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { splitHeaderList } from '../sip/message/header-list.js';
import type { SipRequest } from '../sip/message/message.js';
import { scanNameAddr } from '../sip/message/name-addr.js';
import type { SipUri } from '../sip/message/types.js';
import { parseUri } from '../sip/message/uri.js';
import { MAGIC_COOKIE } from '../sip/transaction/transaction-key.js';
import type { Address, Destination, TransportProtocol } from '../sip/transport/transport.js';
import type { LocalIdentity } from './local-identity.js';

/** Every Route value of a request, in order (several fields and comma lists alike). */
export function routeValues(request: SipRequest): string[] {
  const out: string[] = [];
  for (const f of request.headers.getAll('Route')) for (const v of splitHeaderList(f)) if (v !== '') out.push(v);
  return out;
}

export function setRoutes(request: SipRequest, routes: string[]): void {
  request.headers.remove('Route');
  for (const r of routes) request.headers.append('Route', r);
}

/** The URI of a Route / Record-Route value, or undefined. */
export function routeUri(value: string): SipUri | undefined {
  const na = scanNameAddr(value);
  if (!na.ok) return undefined;
  const u = parseUri(na.value.uri);
  return u.ok ? u.value : undefined;
}

/**
 * §16.4: "If the first value in the Route header field indicates this proxy, the proxy MUST remove that value
 * from the request." With double Record-Route (a transport change, see `recordRoute`) two values in a row name
 * us: both go. Also §16.4's strict-router case: a Request-URI that is our Record-Route value is replaced by the
 * last Route value. Returns our values that were removed (empty: the request does not follow a route through us).
 */
export function preprocessRoutes(request: SipRequest, identity: LocalIdentity): SipUri[] {
  const ours: SipUri[] = [];
  const ruri = parseUri(request.uri);
  const routes = routeValues(request);
  if (ruri.ok && identity.isUs(ruri.value) && routes.length > 0) {
    // "the proxy MUST replace the Request-URI in the request with the last value from the Route header field,
    // and remove that value from the Route header field" (a strict router sent it to us).
    const last = routes.pop()!;
    const na = scanNameAddr(last);
    if (na.ok) request.uri = na.value.uri;
    ours.push(ruri.value);
  }
  while (routes.length > 0) {
    const u = routeUri(routes[0]!);
    if (u === undefined || !identity.isUs(u)) break;
    routes.shift();
    ours.push(u);
  }
  setRoutes(request, routes);
  return ours;
}

/**
 * The dialog token of our Record-Route values: an HMAC of the Call-ID under the proxy's secret. An in-dialog
 * request may leave the domain only along a route set we recorded for its dialog (a value with its token), so
 * a To tag and a Route to us added to a fresh request do not make the proxy an open relay.
 */
export class RouteToken {
  /** The URI parameter our Record-Route values carry it in. */
  static readonly PARAM = 'dlg';
  private readonly secret: Buffer;

  constructor(secret: Buffer) {
    if (secret.length < 32) throw new RangeError('RouteToken secret must be at least 32 bytes');
    this.secret = secret;
  }

  forCallId(callId: string): string {
    return createHmac('sha256', this.secret).update(callId).digest('base64url').slice(0, 22);
  }

  /** True when one of `ours` (our removed Route values) carries the token of `callId`. */
  present(ours: readonly SipUri[], callId: string | undefined): boolean {
    if (callId === undefined) return false;
    const want = Buffer.from(this.forCallId(callId));
    return ours.some((u) => {
      const v = u.params.get(RouteToken.PARAM);
      if (typeof v !== 'string') return false;
      const got = Buffer.from(v);
      return got.length === want.length && timingSafeEqual(got, want);
    });
  }
}

/** The URI parameter `transport` as a transport (UDP when absent; sips: means TLS). */
export function uriTransport(uri: SipUri): TransportProtocol {
  if (uri.scheme === 'sips') return 'TLS';
  const t = uri.params.get('transport');
  const v = typeof t === 'string' ? t.toUpperCase() : 'UDP';
  return v === 'TCP' ? 'TCP' : v === 'TLS' ? 'TLS' : 'UDP';
}

/**
 * Where a URI is sent (RFC 3263 reduced to what a laptop needs): maddr or host, the port or the transport's
 * default, the transport parameter. DEVIATION: no NAPTR/SRV lookups; a host name goes to the transport as is.
 */
export function uriDestination(uri: SipUri): Destination {
  const transport = uriTransport(uri);
  const maddr = uri.params.get('maddr');
  const h = typeof maddr === 'string' ? maddr : uri.host;
  const host = h.startsWith('[') ? h.slice(1, -1) : h;
  return { host, port: uri.port ?? (transport === 'TLS' ? 5061 : 5060), transport };
}

/** A Record-Route / Route value naming this proxy on one transport (§16.6 step 4: with `lr`), with a token. */
export function ourRouteValue(sentBy: Address, transport: TransportProtocol, token?: string): string {
  const t = transport === 'UDP' ? '' : `;transport=${transport.toLowerCase()}`;
  const k = token === undefined ? '' : `;${RouteToken.PARAM}=${token}`;
  return `<sip:${sentBy.host}:${sentBy.port}${t};lr${k}>`;
}

/**
 * §16.6 step 4: Record-Route so that in-dialog requests come back through us. When the request arrives on one
 * transport and leaves on another, two values are inserted ("double record-routing"): the callee's route set
 * starts with the value of the outgoing transport, the caller's (the list reversed) with the incoming one.
 */
export function recordRoute(
  request: SipRequest,
  inbound: { transport: TransportProtocol; sentBy: Address },
  outbound: { transport: TransportProtocol; sentBy: Address },
  token?: string,
): void {
  const inValue = ourRouteValue(inbound.sentBy, inbound.transport, token);
  const outValue = ourRouteValue(outbound.sentBy, outbound.transport, token);
  if (inValue !== outValue) request.headers.prepend('Record-Route', inValue);
  request.headers.prepend('Record-Route', outValue);
}

/**
 * §16.11: a stateless proxy's branch must be the same for retransmissions of a request: derived here from the
 * incoming top Via's branch (what the ACK for a 2xx is forwarded with).
 */
export function statelessBranch(request: SipRequest): string {
  const top = splitHeaderList(request.headers.get('Via') ?? '')[0] ?? '';
  const digest = createHash('sha256').update(top).update(request.uri).digest('base64url').slice(0, 22);
  return `${MAGIC_COOKIE}${digest}`;
}
