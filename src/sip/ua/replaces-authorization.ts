// Who may replace a confirmed dialog (RFC 3891 §6.1): "The UAS MUST only accept a Replaces header ... if the
// ... request is authorized". Knowing a call's Call-ID and tags must not be enough to end it. Without an
// authenticated identity of the sender, we accept an INVITE with Replaces for a confirmed dialog only when
//   - its From URI is the replaced dialog's remote URI: the peer replaces its own call (another device of it,
//     or the same device re-routing it); or
//   - its Referred-By URI (RFC 3892) is the replaced dialog's remote URI: an attended transfer, where our peer in
//     the replaced dialog sent a REFER with Replaces to the party now calling us (RFC 5589 §7).
// Anything else is answered 403. Both identities are as asserted by the sender (or the proxy in front of it).
import { parseAddr } from '../dialog/addr.js';
import type { SipRequest } from '../message/message.js';
import type { Session } from './session.js';

/** True when `invite` may replace `target` (a confirmed dialog), per the rules above. */
export function replacesAuthorized(invite: SipRequest, target: Session): boolean {
  const peer = identity(target.dialog.remoteUri);
  if (peer === undefined) return false;
  return identity(invite.headers.get('From')) === peer || identity(invite.headers.get('Referred-By')) === peer;
}

/** The URI of a name-addr as `user@host` (sip and sips alike), host lower-cased, the user percent-decoded. */
function identity(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const uri = parseAddr(value)?.uri;
  const m = uri === undefined ? null : /^sips?:(?:([^@;?]*)@)?([^;?]+)/i.exec(uri.trim());
  if (m === null || m[2] === undefined) return undefined;
  return `${decode(m[1] ?? '')}@${m[2].toLowerCase()}`;
}

function decode(user: string): string {
  try {
    return decodeURIComponent(user);
  } catch {
    return user;
  }
}
