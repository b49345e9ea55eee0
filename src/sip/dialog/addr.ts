// What dialogs read from name-addr values (RFC 3261 §20.10, §25.1), on top of the message layer's scanner:
// the URI text kept as written (a route set is sent back byte for byte as it was received, §12.1.2), the header
// parameters (tag), and the URI parameters (lr).
import { splitHeaderList } from '../message/header-list.js';
import { scanNameAddr } from '../message/name-addr.js';
import { formatParams, quote } from '../message/params.js';
import type { Params } from '../message/types.js';
import { parseUri } from '../message/uri.js';

export interface Addr {
  /** The display name, unquoted; undefined when none. */
  displayName?: string;
  /** The URI text without the angle brackets, as written. */
  uri: string;
  /** Header parameters after the URI (tag, expires...), names lower-cased. */
  params: Params;
}

/** Reads `"Bob" <sip:bob@x;lr>;tag=1` or `sip:bob@x;tag=1`; undefined when it is not one. */
export function parseAddr(value: string): Addr | undefined {
  const r = scanNameAddr(value);
  return r.ok ? r.value : undefined;
}

/** Always the name-addr form: `"display" <uri>;params`. */
export function formatAddr(a: Addr): string {
  const dn = a.displayName === undefined || a.displayName === '' ? '' : `${quote(a.displayName)} `;
  return `${dn}<${a.uri}>${formatParams(a.params)}`;
}

/** The URI parameters of a SIP URI (`sip:p.example.com;lr;transport=tcp`); empty when it does not parse. */
export function uriParams(uri: string): Params {
  const r = parseUri(uri);
  return r.ok ? r.value.params : new Map();
}

/** RFC 3261 §16.12.1.1: a URI with `lr` is a loose router; without it, a strict (RFC 2543) router. */
export function isLooseRouter(uri: string): boolean {
  return uriParams(uri).has('lr');
}

/** The elements of a header value that is a comma-separated list of name-addrs (Record-Route, Contact). */
export function splitAddrList(value: string): string[] {
  return splitHeaderList(value).filter((v) => v !== '');
}

/** The tag parameter of a From or To value. */
export function tagOf(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const t = parseAddr(value)?.params.get('tag');
  return t === null ? undefined : t;
}
