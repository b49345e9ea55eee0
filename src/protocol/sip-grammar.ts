// Checks of user input against the SIP grammar, shared by the server and the browser SDK (no Node imports),
// so that a login with a space fails at once, naming the field, instead of a call that stays PENDING
// (the reference document's known issue).

/**
 * RFC 3261 §25.1: user = 1*( unreserved / escaped / user-unreserved )
 *   unreserved = alphanum / mark ; mark = "-" / "_" / "." / "!" / "~" / "*" / "'" / "(" / ")"
 *   user-unreserved = "&" / "=" / "+" / "$" / "," / ";" / "?" / "/" ; escaped = "%" HEXDIG HEXDIG
 */
const SIP_USER = /^(?:[A-Za-z0-9\-_.!~*'()&=+$,;?/]|%[0-9A-Fa-f]{2})+$/;
/** RFC 3261 §25.1 hostname (labels of alphanum and "-"), IPv4address, or IPv6reference in brackets. */
const HOSTNAME =
  /^(?=.{1,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.?$/;
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const IPV6_REFERENCE = /^\[[0-9A-Fa-f:.]{2,45}\]$/;
/** A dialable number: digits with the visual separators people type, an optional leading "+" (RFC 3966). */
const NUMBER = /^\+?[0-9*#][0-9*#\-.() ]*$/;
const MAX_USER = 128;

export function isSipUser(value: string): boolean {
  return value.length <= MAX_USER && SIP_USER.test(value);
}

export function isSipHost(value: string): boolean {
  return IPV4.test(value) || IPV6_REFERENCE.test(value) || HOSTNAME.test(value);
}

/** `host` or `host:port`, as given for a domain or an outbound proxy. */
export function isSipHostPort(value: string): boolean {
  const m = /^(.*?)(?::(\d{1,5}))?$/.exec(value);
  if (!m?.[1]) return false;
  if (m[2] !== undefined && Number(m[2]) > 65535) return false;
  return isSipHost(m[1]);
}

/** Why a SIP user name is refused, in words a person can act on; undefined when it is valid. */
export function sipUserProblem(value: string): string | undefined {
  if (value.length === 0) return 'must not be empty';
  if (value.length > MAX_USER) return `must be at most ${MAX_USER} characters`;
  if (/\s/.test(value)) return 'must not contain spaces (RFC 3261 §25.1); put a display name in visibleName instead';
  if (/[<>]/.test(value)) return 'must not contain angle brackets (RFC 3261 §25.1)';
  if (value.includes('@')) return 'must be the user part only; put the domain in sipDomain';
  if (!SIP_USER.test(value))
    return 'contains characters not allowed in a SIP user name unless %-escaped (RFC 3261 §25.1)';
  return undefined;
}

/**
 * A callee as people give it: a number (`1002`, `+1 555 0100`), a SIP user (`alice`), `user@host`, or a
 * `sip:`/`sips:` URI. Returns the problem in words, or undefined when it can be dialled.
 */
export function calleeProblem(value: string): string | undefined {
  const v = value.trim();
  if (v.length === 0) return 'must not be empty';
  if (v.length > 256) return 'must be at most 256 characters';
  if (NUMBER.test(v) && /[0-9]/.test(v)) return undefined;
  const uri = /^(sips?):(.*)$/i.exec(v);
  const rest = uri ? (uri[2] ?? '') : v;
  const at = rest.lastIndexOf('@');
  if (at < 0) {
    if (uri) return 'a SIP URI needs user@host (RFC 3261 §19.1.1)';
    return isSipUser(v) ? undefined : 'must be a number, a SIP user name, user@host or a sip: URI';
  }
  const user = rest.slice(0, at);
  const hostPart = (rest.slice(at + 1).split(';')[0] ?? '').trim();
  if (!isSipUser(user)) return 'the user part is not a valid SIP user (RFC 3261 §25.1)';
  if (!isSipHostPort(hostPart)) return 'the host part is not a valid host (RFC 3261 §25.1)';
  return undefined;
}
