// Errors of SDP negotiation: values with a stable code, the SIP status an answerer should reply with
// (RFC 3261 §21.4.26: 488 Not Acceptable Here when no media can be satisfied), and a reason that can be
// shown to a user ("No common audio codec: the browser offered opus, PCMU; the device offered G729").

export type SdpErrorCode =
  | 'SDP_PARSE_FAILED'
  | 'SDP_TOO_LARGE'
  | 'SDP_NO_MEDIA'
  | 'SDP_NO_COMMON_CODEC'
  | 'SDP_MISSING_ICE'
  | 'SDP_MISSING_FINGERPRINT'
  | 'SDP_MISSING_CONNECTION'
  | 'SDP_BAD_CONNECTION_ADDRESS'
  | 'SDP_ANSWER_MISMATCH'
  /** A re-offer cannot be answered from what the other leg negotiated: that leg must be asked again. */
  | 'SDP_RENEGOTIATION_NEEDED';

export class SdpError extends Error {
  readonly code: SdpErrorCode;
  /** The SIP status to answer an offer with (488), when the error came from negotiation. */
  readonly sipStatus: number;
  /** A sentence a user can read: what could not be agreed and what each side had. */
  readonly reason: string;

  constructor(code: SdpErrorCode, reason: string, opts: { sipStatus?: number; cause?: unknown } = {}) {
    super(`[${code}] ${reason}`, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'SdpError';
    this.code = code;
    this.reason = reason;
    this.sipStatus = opts.sipStatus ?? 488;
  }
}

export type Result<T, E = SdpError> = { ok: true; value: T } | { ok: false; error: E };

export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });
export const err = <E>(error: E): Result<never, E> => ({ ok: false, error });
