// The digest `uri` parameter against the Request-URI (RFC 2617 §3.2.2.5, RFC 7616 §3.4.6): "the server SHOULD
// check that the request-uri in the Request-Line and the digest-uri ... identify the same resource", so that
// credentials computed for one target cannot be replayed on a request to another. SIP URIs are compared with
// RFC 3261 §19.1.4; anything else (or a URI that does not parse) must match as written.

import { parseUri } from '../message/uri.js';

/** §19.1.4: these parameters, present in only one of two URIs, make them differ. */
const MUST_MATCH = ['user', 'ttl', 'method', 'maddr', 'transport'];

/** True when the digest `uri` and the Request-URI identify the same resource. */
export function sameRequestUri(digestUri: string, requestUri: string): boolean {
  if (digestUri === requestUri) return true;
  const a = parseUri(digestUri);
  const b = parseUri(requestUri);
  if (!a.ok || !b.ok) return false;
  const x = a.value;
  const y = b.value;
  // §19.1.4: scheme, userinfo (case-sensitive), host (case-insensitive) and port (as written) must be equal.
  if (x.scheme !== y.scheme || x.user !== y.user || x.password !== y.password) return false;
  if (x.host.toLowerCase() !== y.host.toLowerCase() || x.port !== y.port) return false;
  // "URI uri-parameter components are compared as follows: - Any uri-parameter appearing in both URIs must match.
  // - A user, ttl, or method uri-parameter appearing in only one URI never matches ... maddr ... transport".
  const value = (v: string | null | undefined) => (typeof v === 'string' ? v.toLowerCase() : v);
  for (const [name, v] of x.params) {
    if (y.params.has(name) && value(y.params.get(name)) !== value(v)) return false;
  }
  for (const name of MUST_MATCH) if (x.params.has(name) !== y.params.has(name)) return false;
  // "URI header components are never ignored": equal sets of headers with equal values.
  if (x.headers.size !== y.headers.size) return false;
  for (const [name, v] of x.headers) if (y.headers.get(name) !== v) return false;
  return true;
}
