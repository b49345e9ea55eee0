// Structured logs: pino, one JSON line per event. Secrets never reach a line: passwords, Authorization
// headers and API keys are censored wherever they sit in the logged object.
import { type Logger, type LoggerOptions, pino } from 'pino';

export const REDACT_PATHS = [
  'password',
  '*.password',
  '*.*.password',
  'sipPassword',
  '*.sipPassword',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'apiKey',
  '*.apiKey',
  'webhookSecret',
  '*.webhookSecret',
  'registrarUsers',
  '*.registrarUsers',
];

export function createLogger(level: LoggerOptions['level'], destination?: pino.DestinationStream): Logger {
  const options: LoggerOptions = {
    level: level ?? 'info',
    base: { service: 'parley' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(options, destination) : pino(options);
}
