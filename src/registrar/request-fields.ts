// Fields of a request the proxy reads (RFC 3261 §16.3, §12): Max-Forwards, the To tag (in a dialog or not), the
// From URI. Untrusted values never throw: a field that cannot be read gives 'bad', false or undefined.

import { SipRequest } from '../sip/message/message.js';
import { scanNameAddr } from '../sip/message/name-addr.js';
import type { SipUri } from '../sip/message/types.js';
import { parseUri } from '../sip/message/uri.js';

export function cloneRequest(r: SipRequest): SipRequest {
  return new SipRequest(r.method, r.uri, r.headers.clone(), r.body);
}

/** The Max-Forwards value, undefined when absent, 'bad' when not 0..255 (§20.22). */
export function maxForwards(r: SipRequest): number | undefined | 'bad' {
  const v = r.headers.get('Max-Forwards');
  if (v === undefined) return undefined;
  const t = v.trim();
  if (!/^\d{1,3}$/.test(t) || Number(t) > 255) return 'bad';
  return Number(t);
}

/** §12: a request with a To tag belongs to a dialog. */
export function hasToTag(r: SipRequest): boolean {
  const to = scanNameAddr(r.headers.get('To') ?? '');
  return to.ok && typeof to.value.params.get('tag') === 'string';
}

export function fromUri(r: SipRequest): SipUri | undefined {
  const from = scanNameAddr(r.headers.get('From') ?? '');
  if (!from.ok) return undefined;
  const u = parseUri(from.value.uri);
  return u.ok ? u.value : undefined;
}
