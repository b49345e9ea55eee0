// Reading the Contact values of a REGISTER (RFC 3261 §10.2.1, §20.10) and refusing those that point nowhere:
// a URI that is not sip:/sips:, port 0, an unspecified, multicast or broadcast address (isUnroutableAddress,
// the host or maddr), or a host name that
// does not resolve. A binding that cannot be reached would only make the proxy ring nothing.

import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { splitHeaderList } from '../sip/message/header-list.js';
import type { SipRequest } from '../sip/message/message.js';
import { scanNameAddr } from '../sip/message/name-addr.js';
import type { SipUri } from '../sip/message/types.js';
import { parseUri } from '../sip/message/uri.js';
import { RegistrarError } from './errors.js';
import { isUnroutableAddress } from './unroutable-address.js';

/** One Contact of a REGISTER. */
export interface ContactSpec {
  /** The URI as written, without the angle brackets. */
  uri: string;
  parsed: SipUri;
  /** §19.1.4 comparison key. */
  key: string;
  /** The `expires` header parameter, when present and numeric. */
  expires?: number;
  q: number;
  instance?: string;
}

export type ContactList = { wildcard: true } | { wildcard: false; contacts: ContactSpec[] };

/** Decides whether a host name resolves; injected in tests. */
export type HostResolver = (host: string) => Promise<boolean>;

/** Resolves with the system resolver (DNS, /etc/hosts) within `timeoutMs`. */
export function systemResolver(timeoutMs = 2000): HostResolver {
  return async (host) => {
    const signal = AbortSignal.timeout(timeoutMs);
    const timedOut = new Promise<boolean>((resolve) => signal.addEventListener('abort', () => resolve(false)));
    const found = lookup(host).then(
      () => true,
      () => false,
    );
    return Promise.race([found, timedOut]);
  };
}

/**
 * §19.1.4: two SIP URIs are equal when scheme, user, password, host (case-insensitive), port and the
 * transport, user, ttl, method and maddr parameters are equal. Good enough for binding identity.
 */
export function contactKey(uri: SipUri): string {
  const p = (k: string) => (uri.params.get(k) ?? '').toString().toLowerCase();
  return [
    uri.scheme,
    uri.user ?? '',
    uri.password ?? '',
    uri.host.toLowerCase(),
    uri.port ?? '',
    p('transport'),
    p('user'),
    p('ttl'),
    p('method'),
    p('maddr'),
  ].join('|');
}

function badContact(text: string, why: string): RegistrarError {
  return new RegistrarError('REGISTRAR_BAD_CONTACT', `Contact ${text.slice(0, 120)}: ${why}`, { status: 400 });
}

/** Reads every Contact of the request; `*` is reported as a wildcard (§10.2.2). */
export function readContacts(request: SipRequest): ContactList | RegistrarError {
  const values: string[] = [];
  for (const field of request.headers.getAll('Contact')) for (const v of splitHeaderList(field)) values.push(v);
  if (values.some((v) => v === '*')) {
    // §10.3 step 6: "*" must be the only Contact.
    if (values.length !== 1) {
      return new RegistrarError('REGISTRAR_BAD_WILDCARD', 'Contact * with other contacts', { status: 400 });
    }
    return { wildcard: true };
  }
  const contacts: ContactSpec[] = [];
  for (const value of values) {
    if (value === '') return badContact(value, 'empty');
    const na = scanNameAddr(value);
    if (!na.ok) return badContact(value, na.error.message);
    const uri = parseUri(na.value.uri);
    if (!uri.ok) return badContact(value, 'not a SIP URI');
    if (uri.value.scheme === 'tel') return badContact(value, 'a tel: URI cannot be reached');
    const spec: ContactSpec = { uri: na.value.uri, parsed: uri.value, key: contactKey(uri.value), q: 1 };
    const exp = na.value.params.get('expires');
    if (typeof exp === 'string' && /^\d{1,10}$/.test(exp)) spec.expires = Number(exp);
    const q = na.value.params.get('q');
    if (typeof q === 'string') {
      const n = Number(q);
      if (!/^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(q) || Number.isNaN(n)) return badContact(value, `bad q ${q}`);
      spec.q = n;
    }
    const instance = na.value.params.get('+sip.instance');
    if (typeof instance === 'string') spec.instance = instance.replace(/^"|"$/g, '');
    contacts.push(spec);
  }
  return { wildcard: false, contacts };
}

/** Undefined when the contact can be reached, else the error to answer 400 with. */
export async function checkReachable(contact: ContactSpec, resolve: HostResolver): Promise<RegistrarError | undefined> {
  const u = contact.parsed;
  if (u.port === 0) return badContact(contact.uri, 'port 0');
  const maddr = u.params.get('maddr');
  const host = typeof maddr === 'string' ? maddr : u.host;
  const bare = host.startsWith('[') ? host.slice(1, -1) : host;
  if (isIP(bare) !== 0)
    return isUnroutableAddress(bare) ? badContact(contact.uri, `address ${bare} is unreachable`) : undefined;
  if (!(await resolve(bare))) return badContact(contact.uri, `host ${bare} does not resolve`);
  return undefined;
}
