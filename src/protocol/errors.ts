// Errors of the WebSocket protocol: stable codes that the server puts into an `error` message and that the
// SDK surfaces to the application. Like ws's `WS_ERR_*`, each code says what went wrong and, where the
// socket must close, which close code (RFC 6455 §7.4.1) it maps to.

export type ProtocolErrorCode =
  /** The frame is not JSON, or not a JSON object with a string `type`. */
  | 'WS_BAD_MESSAGE'
  /** The `type` is not one this server knows. */
  | 'WS_UNKNOWN_TYPE'
  /** A field fails its schema or its grammar (a SIP user name with a space): `field` names it. */
  | 'WS_INVALID_FIELD'
  /** The `callId` names no call of this session. */
  | 'WS_UNKNOWN_CALL'
  /** A `call.start` reuses the id of a call that exists. */
  | 'WS_DUPLICATE_CALL'
  /** The message is valid but not now: a call before `connect`, `call.answer` on an outgoing call, etc. */
  | 'WS_OUT_OF_ORDER'
  /** More messages per second than the server allows: the message was dropped, the session stays up. */
  | 'WS_RATE_LIMITED'
  /** The SIP or media side failed to do what was asked; `message` says why. */
  | 'WS_OPERATION_FAILED'
  /** A bug on the server; logged there with the details. */
  | 'WS_INTERNAL';

/** RFC 6455 §7.4.1 close codes the server uses. */
export const CLOSE_CODES = {
  normal: 1000,
  goingAway: 1001,
  policyViolation: 1008,
  messageTooBig: 1009,
  internalError: 1011,
} as const;

/** A protocol error as a value: what the server replies with in an `error` message. */
export interface ProtocolError {
  code: ProtocolErrorCode;
  message: string;
  /** Dotted path of the offending field (`sipOptions.port`), or the phone page's field name (`sipLogin`). */
  field?: string;
}

export const protocolError = (code: ProtocolErrorCode, message: string, field?: string): ProtocolError =>
  field === undefined ? { code, message } : { code, message, field };
