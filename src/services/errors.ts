// Errors of the service numbers (600 echo, 601 tone): values with a stable code.

export type ServiceErrorCode = 'SERVICE_NO_LISTEN_ADDRESS' | 'SERVICE_BAD_NUMBERS';

export class ServiceError extends Error {
  readonly code: ServiceErrorCode;

  constructor(code: ServiceErrorCode, message: string, opts: { cause?: unknown } = {}) {
    super(`[${code}] ${message}`, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'ServiceError';
    this.code = code;
  }
}
