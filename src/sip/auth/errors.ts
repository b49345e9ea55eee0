// Errors of digest authentication (RFC 7616, RFC 8760 for SIP). Each carries a stable code and the SIP
// status a user agent reports or answers with.

export type AuthErrorCode =
  /** A WWW-Authenticate / Proxy-Authenticate / Authorization value that cannot be parsed. */
  | 'SIP_AUTH_BAD_HEADER'
  /** No challenge in a 401/407 uses an algorithm or qop this stack supports (RFC 7616 §3.3). */
  | 'SIP_AUTH_UNSUPPORTED'
  /** No credentials are configured for the realm of the challenge. */
  | 'SIP_AUTH_NO_CREDENTIALS'
  /** The credentials were refused: a new challenge without stale=true after we answered one (RFC 7616 §3.4). */
  | 'SIP_AUTH_REJECTED'
  /** Server side: the nonce is expired or not ours; answer with a new challenge with stale=true when valid. */
  | 'SIP_AUTH_STALE_NONCE'
  /** Server side: the response does not match, the user is unknown, or a nonce count was replayed. */
  | 'SIP_AUTH_INVALID'
  /** Server side: the digest `uri` is not the Request-URI (RFC 7616 §3.4.6: 400 Bad Request). */
  | 'SIP_AUTH_URI_MISMATCH'
  /**
   * Server side: the credentials are right, but the table of nonce counts is full of nonces still alive, so a
   * new nonce cannot be used without forgetting one that could then be replayed: come back later (503).
   */
  | 'SIP_AUTH_BUSY';

export class AuthError extends Error {
  readonly code: AuthErrorCode;
  /** The status to report to the user (the 401/407 that failed) or to answer with. */
  readonly status: number | undefined;
  /** SIP_AUTH_BUSY: seconds until the request can succeed (a Retry-After value). */
  readonly retryAfter: number | undefined;

  constructor(
    code: AuthErrorCode,
    message: string,
    opts: { status?: number; retryAfter?: number; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'AuthError';
    this.code = code;
    this.status = opts.status;
    this.retryAfter = opts.retryAfter;
  }
}
