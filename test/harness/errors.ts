// Errors of the test harness, with stable codes so a failing test says which peer let it down.

export type HarnessErrorCode =
  | 'HARNESS_TIMEOUT'
  | 'HARNESS_PROCESS_EXITED'
  | 'HARNESS_PROCESS_SPAWN'
  | 'HARNESS_BAD_CONFIG'
  | 'HARNESS_CTRL_PROTOCOL'
  | 'HARNESS_CTRL_COMMAND'
  | 'HARNESS_BAD_WAV'
  | 'HARNESS_BROWSER';

export class HarnessError extends Error {
  readonly code: HarnessErrorCode;

  constructor(code: HarnessErrorCode, message: string, options?: { cause?: unknown }) {
    super(`[${code}] ${message}`, options);
    this.name = 'HarnessError';
    this.code = code;
  }
}

/** Resolves/rejects like `promise`, or rejects with HARNESS_TIMEOUT after `ms`; never leaves a timer behind. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HarnessError('HARNESS_TIMEOUT', `${what}: no result within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
