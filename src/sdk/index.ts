// Parley's browser SDK: a web page becomes a SIP phone. Standard browser APIs only (WebSocket,
// RTCPeerConnection, getUserMedia), so it runs in Chrome, Edge, Firefox and Safari.
//
//   const session = Parley.createSession({ urlServer, sipOptions: { login, password, domain } })
//     .on(SESSION_STATUS.REGISTERED, () => session.createCall({ callee: '1002', remoteVideoDisplay }).call());

/**
 * The SIP grammar checks the SDK applies, for pages that mark a field while it is typed:
 * `sipUserProblem(login)` and `calleeProblem(callee)` return a sentence, or undefined when the value is fine;
 * `isSipHostPort(domain)` tells whether a domain or proxy is `host` or `host:port`.
 */
export { calleeProblem, isSipHostPort, sipUserProblem } from '../protocol/sip-grammar.js';
export { CALL_STATUS, type CallStatus, SESSION_STATUS, type SessionStatus } from '../protocol/status.js';
export {
  CALL_EVENT,
  Call,
  type CallEvent,
  type CallEventHandler,
  type CallInfo,
  type CallOptions,
  type MediaOptions,
} from './call.js';
export { ParleyError, type ParleyErrorCode } from './errors.js';
export type { DtmfType, SipHeaders, SipOptions, Transport } from './public-types.js';
export { Session, type SessionInfo, type SessionOptions } from './session.js';

import { Session, type SessionOptions } from './session.js';

/** Opens a session with a Parley server. Throws at once, naming the field, for a value that cannot work. */
export function createSession(options: SessionOptions): Session {
  return new Session(options);
}

export const version = '0.1.0';
