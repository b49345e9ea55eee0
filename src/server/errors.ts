// Errors of the server's session and call logic. Each carries the protocol code the browser receives in an
// `error` message, the field it concerns when there is one, and the SIP status when SIP said no.
import type { ProtocolErrorCode } from '../protocol/errors.js';

export class ServerError extends Error {
  readonly code: ProtocolErrorCode;
  readonly field: string | undefined;
  readonly sipStatus: number | undefined;

  constructor(
    code: ProtocolErrorCode,
    message: string,
    opts: { field?: string; sipStatus?: number; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'ServerError';
    this.code = code;
    this.field = opts.field;
    this.sipStatus = opts.sipStatus;
  }
}

/** Any thrown value as a ServerError: ours as they are, anything else is a bug reported as WS_INTERNAL. */
export function asServerError(e: unknown): ServerError {
  if (e instanceof ServerError) return e;
  return new ServerError('WS_INTERNAL', 'internal error', { cause: e });
}
