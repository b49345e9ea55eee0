// Errors of webhook deliveries: why a backend's answer could not be used. Each is logged with its code; for
// `connect` and `call` the configured failure policy then decides (PARLEY_WEBHOOK_FAILURE_POLICY).

export type WebhookErrorCode =
  /** No answer within PARLEY_WEBHOOK_TIMEOUT_MS. */
  | 'WEBHOOK_TIMEOUT'
  /** The connection failed (refused, reset, DNS). */
  | 'WEBHOOK_UNREACHABLE'
  /** A 5xx, or a 3xx (redirects are not followed: the body is signed for this URL). */
  | 'WEBHOOK_BAD_STATUS'
  /** A 2xx whose body is not the JSON the webhook expects. */
  | 'WEBHOOK_BAD_ANSWER'
  /** An answer body over 64 KiB: not read further (a backend must not make the server buffer without bound). */
  | 'WEBHOOK_ANSWER_TOO_LARGE';

export class WebhookError extends Error {
  readonly code: WebhookErrorCode;
  readonly httpStatus: number | undefined;

  constructor(code: WebhookErrorCode, message: string, opts: { httpStatus?: number; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'WebhookError';
    this.code = code;
    this.httpStatus = opts.httpStatus;
  }
}
