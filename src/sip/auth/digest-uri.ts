// The digest `uri` parameter against the Request-URI (RFC 2617 §3.2.2.5, RFC 7616 §3.4.6): "the server SHOULD
// check that the request-uri in the Request-Line and the digest-uri ... identify the same resource", so that
// credentials computed for one target cannot be replayed on a request to another. SIP URIs are compared like
// RFC 3261 §19.1.4 (scheme, userinfo, host case-insensitive, port as written, headers, parameters present in
// both), except that a parameter present in only one of them is ignored: clients differ on whether the digest
// uri repeats `;transport=udp` or `;user=phone`, and the resource (who at which host) is the same. Anything else
// (or a URI that does not parse) must match as written. Note that sipp's [authentication] uses
// `sip:remote_ip:remote_port` unless given -auth_uri: refused with 400 for requests to another Request-URI.

import { parseUri } from '../message/uri.js';

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
  // "Any uri-parameter appearing in both URIs must match." (DEVIATION: one-sided ones are ignored, see above.)
  const value = (v: string | null | undefined) => (typeof v === 'string' ? v.toLowerCase() : v);
  for (const [name, v] of x.params) {
    if (y.params.has(name) && value(y.params.get(name)) !== value(v)) return false;
  }
  // "URI header components are never ignored": equal sets of headers with equal values.
  if (x.headers.size !== y.headers.size) return false;
  for (const [name, v] of x.headers) if (y.headers.get(name) !== v) return false;
  return true;
}
