// How SIP responses become the CALL_STATUS the browser sees (the reference document's call statuses).
//
//   NEW ──call()──▶ PENDING ──100──▶ TRYING ──180──▶ RING ──183+SDP──▶ RING_MEDIA ──2xx──▶ ESTABLISHED ⇄ HOLD
//                      │               │      ──183──▶ SESSION_PROGRESS              │
//                      └───────────────┴──── 486/600 ──▶ BUSY                        └──BYE──▶ FINISH
//                                         other ≥ 300 ──▶ FAILED (sipStatus, sipReason)
//   incoming: RING ──answer──▶ ESTABLISHED; CANCEL or decline ──▶ FINISH
import type { CallStatus } from '../../protocol/common.js';

/** Statuses after which nothing changes. */
export const FINAL_STATUSES: ReadonlySet<CallStatus> = new Set<CallStatus>(['BUSY', 'FINISH', 'FAILED']);

export const isFinal = (s: CallStatus): boolean => FINAL_STATUSES.has(s);

/**
 * The status for a provisional response (RFC 3261 §21.1). Early media, once flowing, stays RING_MEDIA when a
 * later 180 has no SDP: the browser keeps playing it.
 */
export function statusForProvisional(status: number, hasSdp: boolean, current: CallStatus): CallStatus {
  if (status === 100) return current === 'PENDING' || current === 'NEW' ? 'TRYING' : current;
  if (hasSdp) return 'RING_MEDIA';
  if (current === 'RING_MEDIA') return current;
  if (status === 183) return 'SESSION_PROGRESS';
  return 'RING';
}

/**
 * The status for a final failure: 486 Busy Here and 600 Busy Everywhere are BUSY (RFC 3261 §21.4.24,
 * §21.6.1); 487 after our own CANCEL is the FINISH the user asked for; anything else FAILED.
 */
export function statusForFailure(status: number, cancelledByUs: boolean): CallStatus {
  if (status === 486 || status === 600) return 'BUSY';
  if (status === 487 && cancelledByUs) return 'FINISH';
  return 'FAILED';
}

/** RFC 3261 §21 reason phrases, for when a response (or the stack's own timeout) carries none. */
const PHRASES: Record<number, string> = {
  100: 'Trying',
  180: 'Ringing',
  183: 'Session Progress',
  200: 'OK',
  202: 'Accepted',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  407: 'Proxy Authentication Required',
  408: 'Request Timeout',
  480: 'Temporarily Unavailable',
  481: 'Call/Transaction Does Not Exist',
  484: 'Address Incomplete',
  486: 'Busy Here',
  487: 'Request Terminated',
  488: 'Not Acceptable Here',
  500: 'Server Internal Error',
  503: 'Service Unavailable',
  504: 'Server Time-out',
  600: 'Busy Everywhere',
  603: 'Decline',
  604: 'Does Not Exist Anywhere',
};

export function reasonPhrase(status: number, given?: string): string {
  if (given && given.trim() !== '') return given;
  return PHRASES[status] ?? '';
}
