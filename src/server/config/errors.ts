// Errors of the configuration: every bad value is named by the variable or file key it came from.

export type ConfigErrorCode = 'CONFIG_INVALID' | 'CONFIG_FILE_UNREADABLE' | 'CONFIG_FILE_NOT_JSON';

export interface ConfigProblem {
  /** The environment variable (`PARLEY_MEDIA_PORTS`) or the file key (`parley.json: mediaPorts`). */
  field: string;
  message: string;
}

export class ConfigError extends Error {
  readonly code: ConfigErrorCode;
  readonly problems: readonly ConfigProblem[];

  constructor(code: ConfigErrorCode, problems: ConfigProblem[], opts: { cause?: unknown } = {}) {
    super(
      problems.map((p) => `${p.field}: ${p.message}`).join('\n'),
      opts.cause === undefined ? undefined : { cause: opts.cause },
    );
    this.name = 'ConfigError';
    this.code = code;
    this.problems = problems;
  }
}
