// User names (the user part of a SIP URI) given by people: logins, authentication names, callees.
// RFC 3261 §25.1: user = 1*( unreserved / escaped / user-unreserved ). Anything outside those classes must be
// escaped as %HH (§19.1.2), so `escapeUser` makes any text sendable.
//
// DECISION: `validateUser` is stricter than the ABNF. Escaping would make "alice smith" a legal user
// ("alice%20smith"), but a person never means a space, angle brackets, an "@host" or a "sip:" prefix as part
// of a login: those are paste errors of a whole address, and sending them escaped produces a request the
// server rejects in ways the user never sees (the reference product's call stuck in PENDING because the
// login held a space). So these are refused up front, with an error that names the field:
//   - empty, or longer than 256 characters;
//   - white space or control characters (SP, HTAB, CR, LF, NUL, DEL and the other C0 controls);
//   - "<", ">" or '"' (a name-addr or display name was pasted);
//   - "@" (a whole address "user@host" was given where only the user belongs) and ":" (a "sip:" prefix or
//     "user:password").
// Everything else (non-ASCII letters, "#", "%", "+", ";"...) is accepted and escaped by `escapeUser` where the
// ABNF requires it. The text is taken as unescaped: "%" is sent as "%25".

import { err, ok, type Result, SipError } from '../errors.js';
import { escapeOutside, USER } from './chars.js';

export const MAX_USER_LENGTH = 256;

/** Escapes the characters that RFC 3261 §25.1 does not allow unescaped in a user part. */
export function escapeUser(user: string): string {
  return escapeOutside(USER, user);
}

function reason(c: number): string | undefined {
  if (c === 0x20) return 'a space';
  if (c < 0x20 || c === 0x7f) return 'a control character';
  if (c === 0x3c || c === 0x3e) return 'angle brackets';
  if (c === 0x22) return 'a double quote';
  if (c === 0x40) return 'an "@host" part (give the user name only)';
  if (c === 0x3a) return 'a ":" (give the user name only, without "sip:" or a password)';
  return undefined;
}

/**
 * Checks a user name typed by a person before anything is sent. `field` names the setting in the error
 * (`sipLogin`, `authenticationName`, `callee`) so that the user sees which one to fix.
 */
export function validateUser(user: string, field: string): Result<string> {
  if (user.length === 0) {
    return err(new SipError('SIP_INVALID_USER', `${field}: the SIP user name is empty`, { field }));
  }
  if (user.length > MAX_USER_LENGTH) {
    return err(
      new SipError('SIP_INVALID_USER', `${field}: the SIP user name is longer than ${MAX_USER_LENGTH} characters`, {
        field,
      }),
    );
  }
  for (let i = 0; i < user.length; i++) {
    const why = reason(user.charCodeAt(i));
    if (why !== undefined) {
      return err(
        new SipError(
          'SIP_INVALID_USER',
          `${field}: a SIP user name cannot contain ${why}: ${JSON.stringify(user.slice(0, 80))}`,
          { field },
        ),
      );
    }
  }
  return ok(user);
}
