// The words the page shows for a session and its calls: statuses a person can act on, who is at the other
// end, and whether a call has a picture. Pure functions of the SDK's public Call and statuses.
import { CALL_EVENT, CALL_STATUS, type Call, type CallInfo, SESSION_STATUS } from '../sdk/index.js';

const ENDED = new Set<string>([CALL_STATUS.FINISH, CALL_STATUS.FAILED, CALL_STATUS.BUSY]);
export const isLive = (c: Call): boolean => !ENDED.has(c.status());
export const isAnswered = (c: Call): boolean =>
  c.status() === CALL_STATUS.ESTABLISHED || c.status() === CALL_STATUS.HOLD;

/** The session status in words a person can act on, with the SIP reason when there is one. */
export function connectionText(status: string, why: string, aor: string): string {
  switch (status) {
    case SESSION_STATUS.PENDING:
    case SESSION_STATUS.CONNECTED:
      return `Connecting as ${aor}…`;
    case SESSION_STATUS.REGISTERED:
      return `Registered as ${aor}: ready to call and be called.`;
    case SESSION_STATUS.ESTABLISHED:
      return `Connected as ${aor} without registration: outgoing calls only.`;
    case SESSION_STATUS.FAILED:
      return /^40[13]\b/.test(why)
        ? `Registration refused: ${why}. Check the login, authentication name and password.`
        : `Failed: ${why || 'no reason given'}.`;
    default:
      return why;
  }
}

/** The SIP status and reason of a call's failure or finish, e.g. "486 Busy Here". */
export function failureText(call: Call): string {
  const info = call.getInfo();
  if (!info || (info.sipStatus === undefined && !info.sipReason)) return '';
  return [info.sipStatus, info.sipReason].filter((x) => x !== undefined && x !== '').join(' ');
}

/**
 * Whether the call has a picture to show: asked for video, and once answered, video from the other side
 * (an audio-only answer or offer leaves the camera unsent, so a preview would mislead).
 */
export function showsVideo(c: Call): boolean {
  if (!c.hasVideo()) return false;
  return !isAnswered(c) || (c.getRemoteMediaStream()?.getVideoTracks().length ?? 0) > 0;
}

/** Who is at the other end: the callee of an outgoing call, the caller (and their name) of an incoming one. */
export function peerName(c: Call): string {
  if (!c.isIncoming()) return c.callee();
  const name = c.visibleName();
  return name && name !== c.caller() ? `${name} (${c.caller()})` : c.caller();
}

export function describe(c: Call): string {
  return `${peerName(c)} · ${c.status()}`;
}

export const TRANSFER_EVENTS = [
  CALL_EVENT.TRANSFER_ACCEPTED,
  CALL_EVENT.TRANSFER_PROGRESS,
  CALL_EVENT.TRANSFER_SUCCEEDED,
  CALL_EVENT.TRANSFER_FAILED,
] as const;

const TRANSFER_WORDS: Record<(typeof TRANSFER_EVENTS)[number], string> = {
  TRANSFER_ACCEPTED: 'accepted, calling the target…',
  TRANSFER_PROGRESS: 'the target is ringing…',
  TRANSFER_SUCCEEDED: 'done: the target answered.',
  TRANSFER_FAILED: 'failed',
};

/** A transfer's progress (RFC 3515 NOTIFY) in words; a failure gives its SIP status and reason. */
export function transferText(ev: (typeof TRANSFER_EVENTS)[number], peer: string, info: CallInfo): string {
  const sip = [info.sipStatus, info.sipReason].filter((x) => x !== undefined && x !== '').join(' ');
  const why = ev === CALL_EVENT.TRANSFER_FAILED && sip ? ` (${sip})` : '';
  return `Transfer of ${peer}: ${TRANSFER_WORDS[ev]}${why}`;
}
