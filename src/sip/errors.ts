// Errors of the SIP stack: values with a stable code, the SIP status a caller should answer with
// (when there is one), and the cause. Parsers of untrusted bytes return them; they never throw them.

export type SipErrorCode =
  // message layer (RFC 3261 §7, §25)
  | 'SIP_PARSE_TOO_LARGE'
  | 'SIP_PARSE_TOO_MANY_HEADERS'
  | 'SIP_PARSE_BAD_START_LINE'
  | 'SIP_PARSE_BAD_VERSION'
  | 'SIP_PARSE_BAD_METHOD'
  | 'SIP_PARSE_BAD_STATUS'
  | 'SIP_PARSE_BAD_HEADER'
  | 'SIP_PARSE_BAD_URI'
  | 'SIP_PARSE_BAD_NAME_ADDR'
  | 'SIP_PARSE_BAD_VIA'
  | 'SIP_PARSE_BAD_CSEQ'
  | 'SIP_PARSE_BAD_CONTENT_LENGTH'
  | 'SIP_PARSE_MISSING_HEADER'
  | 'SIP_PARSE_INCOMPLETE'
  | 'SIP_PARSE_UNSUPPORTED_URI_SCHEME'
  | 'SIP_PARSE_BAD_AUTH'
  // user input checked before anything is sent
  | 'SIP_INVALID_USER'
  | 'SIP_INVALID_URI'
  // transport and transaction layer (RFC 3261 §17, §18)
  | 'SIP_TRANSPORT_ERROR'
  | 'SIP_TIMEOUT'
  | 'SIP_TRANSACTION_TERMINATED'
  // user agent
  | 'SIP_AUTH_FAILED'
  | 'SIP_DIALOG_NOT_FOUND'
  | 'SIP_REQUEST_PENDING'
  | 'SIP_CLOSED'
  // shared endpoint (many user agents on one listener)
  | 'SIP_CONTACT_IN_USE'
  | 'SIP_TRANSPORT_UNAVAILABLE';

export class SipError extends Error {
  readonly code: SipErrorCode;
  /** The SIP status a user agent should answer with, or that a caller should report (408 for a timeout). */
  readonly status: number | undefined;
  /** The header or field the error concerns, when there is one (`Via`, `sipLogin`). */
  readonly field: string | undefined;

  constructor(code: SipErrorCode, message: string, opts: { status?: number; field?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'SipError';
    this.code = code;
    this.status = opts.status;
    this.field = opts.field;
  }
}

export type Result<T, E = SipError> = { ok: true; value: T } | { ok: false; error: E };

export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });
export const err = <E>(error: E): Result<never, E> => ({ ok: false, error });
