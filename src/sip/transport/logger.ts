// The logger the transport and transaction layers write to: pino-compatible (`logger.warn(obj, msg)`), injected.
// The stack never writes to the console.

export type LogFn = (obj: Record<string, unknown>, msg: string) => void;

export interface Logger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
}

const ignore: LogFn = () => undefined;

/** A logger that drops everything, for callers that give none. */
export const silentLogger: Logger = Object.freeze({ debug: ignore, info: ignore, warn: ignore, error: ignore });
