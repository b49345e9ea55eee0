// Errors the SDK throws at once for things the caller can fix, naming the field (`sipLogin`, `callee`),
// and the errors of requests the server refused (with the server's code).

export type ParleyErrorCode =
  /** A value the caller gave is not valid: `field` names it. */
  | 'INVALID_ARGUMENT'
  /** The session is not connected (or not registered) yet, or is gone. */
  | 'SESSION_NOT_READY'
  /** The call is in a state where this cannot be done. */
  | 'INVALID_STATE'
  /** The server did not answer in time. */
  | 'TIMEOUT'
  /** The server refused the request; `serverCode` is its WS_* code. */
  | 'SERVER_ERROR';

export class ParleyError extends Error {
  readonly code: ParleyErrorCode;
  readonly field: string | undefined;
  readonly serverCode: string | undefined;

  constructor(code: ParleyErrorCode, message: string, opts: { field?: string; serverCode?: string } = {}) {
    super(message);
    this.name = 'ParleyError';
    this.code = code;
    this.field = opts.field;
    this.serverCode = opts.serverCode;
  }
}

export const invalid = (field: string, problem: string): ParleyError =>
  new ParleyError('INVALID_ARGUMENT', `${field}: ${problem}`, { field });
