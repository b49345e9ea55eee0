// User names given by people (login, authentication name, callee). RFC 3261 §25.1:
//   user = 1*( unreserved / escaped / user-unreserved );  user-unreserved = "&" / "=" / "+" / "$" / "," / ";" / "?" / "/"
// Everything else is %-escaped when it goes into a URI. A name that can never be a valid account (empty, with
// white space or control characters, absurdly long) is refused before anything is sent, with an error that
// names the field: a login with a space must fail at once, not leave a call stuck in PENDING.
import { SipError } from '../errors.js';

const ALLOWED = /^[A-Za-z0-9\-_.!~*'()&=+$,;?/]$/;
const MAX_USER_LENGTH = 256;

/** An error naming `field` when `value` can never be a SIP user name, else undefined. */
export function checkUserName(value: string, field: string): SipError | undefined {
  const fail = (why: string) =>
    new SipError('SIP_INVALID_USER', `${field} ${why}: ${JSON.stringify(value.slice(0, 64))}`, { field });
  if (value.length === 0) return fail('is empty');
  if (value.length > MAX_USER_LENGTH) return fail(`is longer than ${MAX_USER_LENGTH} characters`);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused here
  if (/[\u0000-\u001f\u007f]/.test(value)) return fail('contains a control character');
  if (/\s/.test(value)) return fail('contains white space');
  if (value.includes('@') || value.includes(':') || value.includes('<') || value.includes('>')) {
    return fail('contains "@", ":", "<" or ">"; give the user part only');
  }
  return undefined;
}

/** The user part as it goes into a URI: characters outside the §25.1 `user` set %-escaped (UTF-8). */
export function escapeUser(value: string): string {
  let out = '';
  for (const ch of value) {
    if (ALLOWED.test(ch)) out += ch;
    else for (const b of Buffer.from(ch, 'utf8')) out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
