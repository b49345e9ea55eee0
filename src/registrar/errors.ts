// Errors of the embedded registrar and proxy: values with a stable code and the SIP status they are answered
// with. Requests from the network never throw out of this part: each failure becomes a response.

export type RegistrarErrorCode =
  /** RFC 3261 §10.3 step 6: `*` with other contacts or a non-zero expiry. */
  | 'REGISTRAR_BAD_WILDCARD'
  /** A Contact that cannot be reached: bad URI, non-SIP scheme, port 0, unresolvable or unspecified host. */
  | 'REGISTRAR_BAD_CONTACT'
  /** §10.3 step 7: same Call-ID with a CSeq not higher than the binding's. */
  | 'REGISTRAR_CSEQ_OUT_OF_ORDER'
  /** §10.3 step 7, RFC 3261 §21.4.23: expiry below Min-Expires (423). */
  | 'REGISTRAR_INTERVAL_TOO_BRIEF'
  /** More contacts for one address-of-record than the configured cap. */
  | 'REGISTRAR_TOO_MANY_CONTACTS'
  /** The request is missing or has a malformed To, Call-ID, CSeq or Expires. */
  | 'REGISTRAR_BAD_REQUEST'
  /** The server could not start (port in use, bad configuration). */
  | 'REGISTRAR_START_FAILED';

export class RegistrarError extends Error {
  readonly code: RegistrarErrorCode;
  /** The SIP status the request is answered with. */
  readonly status: number;

  constructor(code: RegistrarErrorCode, message: string, opts: { status: number; cause?: unknown }) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'RegistrarError';
    this.code = code;
    this.status = opts.status;
  }
}
