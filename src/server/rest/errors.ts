// Errors of the REST API (/rest-api): each has a stable code, the HTTP status it is answered with, and the
// request field it concerns when there is one. The body is always `{ error: { code, message, field? } }`.
import { ServerError } from '../errors.js';

export type RestErrorCode =
  /** The body is not JSON, or fails its schema: `field` names the offending property. */
  | 'REST_INVALID_BODY'
  /** `Authorization: Bearer <key>` is missing or wrong while PARLEY_API_KEY is set. */
  | 'REST_UNAUTHORIZED'
  /** No call with that callId, no session with that sessionId, or no call matching the filter. */
  | 'REST_NOT_FOUND'
  /** The callId is already in use. */
  | 'REST_DUPLICATE_CALL'
  /** The call is not in a state that allows the operation (hold before ESTABLISHED...). */
  | 'REST_CALL_STATE'
  /** The SIP side refused or did not answer (REGISTER 403, re-INVITE 488, REFER 405...): `sipStatus` says. */
  | 'REST_SIP_FAILED'
  /** The media plane cannot do it (no telephone-event negotiated, no such sound file...). */
  | 'REST_MEDIA_FAILED'
  /** The body is larger than the REST API accepts. */
  | 'REST_BODY_TOO_LARGE'
  /** Only `application/json` bodies are accepted. */
  | 'REST_UNSUPPORTED_MEDIA_TYPE'
  /** The feature is off in this server (the embedded registrar is not running). */
  | 'REST_NOT_AVAILABLE'
  /** A bug on the server; logged there with the details. */
  | 'REST_INTERNAL';

const HTTP_STATUS: Record<RestErrorCode, number> = {
  REST_INVALID_BODY: 400,
  REST_UNAUTHORIZED: 401,
  REST_NOT_FOUND: 404,
  REST_DUPLICATE_CALL: 409,
  REST_CALL_STATE: 409,
  REST_SIP_FAILED: 502,
  REST_MEDIA_FAILED: 422,
  REST_BODY_TOO_LARGE: 413,
  REST_UNSUPPORTED_MEDIA_TYPE: 415,
  REST_NOT_AVAILABLE: 404,
  REST_INTERNAL: 500,
};

export class RestError extends Error {
  readonly code: RestErrorCode;
  readonly statusCode: number;
  readonly field: string | undefined;
  readonly sipStatus: number | undefined;

  constructor(
    code: RestErrorCode,
    message: string,
    opts: { field?: string | undefined; sipStatus?: number | undefined; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'RestError';
    this.code = code;
    this.statusCode = HTTP_STATUS[code];
    this.field = opts.field;
    this.sipStatus = opts.sipStatus;
  }

  toJSON(): { error: { code: RestErrorCode; message: string; field?: string; sipStatus?: number } } {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.field !== undefined ? { field: this.field } : {}),
        ...(this.sipStatus !== undefined ? { sipStatus: this.sipStatus } : {}),
      },
    };
  }
}

/**
 * An error of the session/call logic as the REST client sees it: a call in the wrong state is a 409, a field
 * the call checks (a transfer target that is no SIP URI) a 400, a SIP refusal a 502. Anything else is ours.
 */
export function restErrorFrom(e: unknown): RestError {
  if (e instanceof RestError) return e;
  if (e instanceof ServerError) {
    const opts = { field: e.field, sipStatus: e.sipStatus, cause: e };
    switch (e.code) {
      case 'WS_INVALID_FIELD':
        return new RestError('REST_INVALID_BODY', e.message, opts);
      case 'WS_OUT_OF_ORDER':
        return new RestError('REST_CALL_STATE', e.message, { ...opts, field: 'callId' });
      case 'WS_UNKNOWN_CALL':
        return new RestError('REST_NOT_FOUND', e.message, opts);
      case 'WS_DUPLICATE_CALL':
        return new RestError('REST_DUPLICATE_CALL', e.message, opts);
      case 'WS_OPERATION_FAILED':
        return new RestError(e.sipStatus !== undefined ? 'REST_SIP_FAILED' : 'REST_MEDIA_FAILED', e.message, opts);
      default:
        return new RestError('REST_INTERNAL', 'internal error', { cause: e });
    }
  }
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('MEDIA_')) {
    return new RestError('REST_MEDIA_FAILED', (e as Error).message, { cause: e });
  }
  return new RestError('REST_INTERNAL', 'internal error', { cause: e });
}
