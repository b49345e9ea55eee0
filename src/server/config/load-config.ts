// Loads the configuration: defaults, then the JSON file named by PARLEY_CONFIG, then environment variables.
// Every value is checked against its TypeBox schema; all bad values are reported together, each named
// by where it came from (`PARLEY_MEDIA_PORTS: expected a range like 20000-20999`).
import { readFileSync } from 'node:fs';
import { Value } from '@sinclair/typebox/value';
import { ConfigError, type ConfigProblem } from './errors.js';
import { type ParleyConfig, SETTINGS, type Setting, type SettingKey } from './settings.js';

export interface ConfigSources {
  env: Record<string, string | undefined>;
  /** Reads the config file; injected by tests. */
  readFile?: (path: string) => string;
}

const KEYS = Object.keys(SETTINGS) as SettingKey[];

function readConfigFile(path: string, readFile: (path: string) => string): Record<string, unknown> {
  let text: string;
  try {
    text = readFile(path);
  } catch (cause) {
    throw new ConfigError(
      'CONFIG_FILE_UNREADABLE',
      [{ field: 'PARLEY_CONFIG', message: `cannot read ${path}: ${(cause as Error).message}` }],
      { cause },
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new ConfigError(
      'CONFIG_FILE_NOT_JSON',
      [{ field: 'PARLEY_CONFIG', message: `${path} is not JSON: ${(cause as Error).message}` }],
      { cause },
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError('CONFIG_FILE_NOT_JSON', [
      { field: 'PARLEY_CONFIG', message: `${path} must hold a JSON object` },
    ]);
  }
  return value as Record<string, unknown>;
}

/** The file may give `registrarUsers` as `{ "1001": "secret" }` as well as the list form. */
function normalizeFileValue(key: SettingKey, value: unknown): unknown {
  if (key === 'registrarUsers' && typeof value === 'object' && value !== null && !Array.isArray(value)) {
    return Object.entries(value).map(([user, password]) => ({ user, password }));
  }
  return value;
}

export function loadConfig(sources: ConfigSources): ParleyConfig {
  const { env } = sources;
  const readFile = sources.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  const problems: ConfigProblem[] = [];
  const out: Record<string, unknown> = {};
  const filePath = env.PARLEY_CONFIG?.trim() || undefined;
  const file = filePath ? readConfigFile(filePath, readFile) : {};

  for (const name of Object.keys(file)) {
    if (!(KEYS as string[]).includes(name)) {
      problems.push({ field: `${filePath}: ${name}`, message: `unknown setting; known: ${KEYS.join(', ')}` });
    }
  }
  for (const key of KEYS) {
    const setting: Setting = SETTINGS[key];
    const envText = env[setting.env];
    let field: string;
    let candidate: unknown;
    if (envText !== undefined && envText !== '') {
      field = setting.env;
      candidate = setting.fromText(envText);
    } else if (Object.hasOwn(file, key)) {
      field = `${filePath}: ${key}`;
      const raw = normalizeFileValue(key, file[key]);
      candidate = typeof raw === 'string' ? setting.fromText(raw) : raw;
    } else {
      if (setting.default !== undefined) out[key] = structuredClone(setting.default);
      continue;
    }
    if (Value.Check(setting.schema, candidate)) out[key] = candidate;
    else problems.push({ field, message: `expected ${setting.expected}` });
  }
  if (problems.length === 0) crossCheck(out as ParleyConfig, env, problems);
  if (problems.length > 0) throw new ConfigError('CONFIG_INVALID', problems);
  return out as ParleyConfig;
}

function crossCheck(config: ParleyConfig, env: ConfigSources['env'], problems: ConfigProblem[]): void {
  const sameHost =
    config.registrarHost === config.sipHost || config.registrarHost === '0.0.0.0' || config.sipHost === '0.0.0.0';
  if (config.registrar && sameHost && config.registrarPort === config.sipPort && config.sipPort !== 0) {
    const field = env.PARLEY_REGISTRAR_PORT ? 'PARLEY_REGISTRAR_PORT' : 'PARLEY_SIP_PORT';
    problems.push({ field, message: `the registrar and the gateway cannot both use SIP port ${config.sipPort}` });
  }
  if ((config.sipTlsCert === undefined) !== (config.sipTlsKey === undefined)) {
    const field = config.sipTlsCert === undefined ? 'PARLEY_SIP_TLS_CERT' : 'PARLEY_SIP_TLS_KEY';
    problems.push({ field, message: 'SIP over TLS needs both PARLEY_SIP_TLS_CERT and PARLEY_SIP_TLS_KEY' });
  }
  // The REST API starts calls, injects sound and lists sessions: never open to the network without a key.
  if (config.apiKey === undefined && !isLoopback(config.httpHost)) {
    problems.push({
      field: 'PARLEY_API_KEY',
      message: `must be set when PARLEY_HTTP_HOST (${config.httpHost}) is not a loopback address: the REST API would be open to the network`,
    });
  }
  const names = new Set<string>();
  for (const u of config.registrarUsers ?? []) {
    if (names.has(u.user))
      problems.push({ field: 'PARLEY_REGISTRAR_USERS', message: `user ${u.user} is listed twice` });
    names.add(u.user);
  }
}

/** 127.0.0.0/8, ::1 or localhost: reachable from this machine only. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === '::ffff:127.0.0.1';
}

/** The configuration with secrets masked, for the start-up log line. */
export function redactConfig(config: ParleyConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of KEYS) {
    const value = config[key];
    if (value === undefined) continue;
    out[key] = (SETTINGS[key] as Setting).secret ? '[redacted]' : value;
  }
  return out;
}
