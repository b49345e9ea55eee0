// The settings of a Parley server: one row per setting, from which the loader, the TypeScript type
// and docs/configuration.md are all derived. Environment variables win over the file (PARLEY_CONFIG).
import { type Static, type TSchema, Type } from '@sinclair/typebox';

export interface Setting<S extends TSchema = TSchema> {
  /** The environment variable. */
  env: string;
  /** The value's TypeBox schema: what the loader checks after turning text into a value. */
  schema: S;
  /** What a valid value looks like, for error messages (`a range like 20000-20999`). */
  expected: string;
  /** Turns the text of an environment variable (or a string in the file) into a candidate value. */
  fromText: (text: string) => unknown;
  default?: Static<S>;
  /** Never logged nor printed. */
  secret?: boolean;
  doc: string;
}

const Port = Type.Integer({ minimum: 0, maximum: 65535 });
const Host = Type.String({ minLength: 1, maxLength: 253, pattern: '^[A-Za-z0-9.:\\-\\[\\]%]+$' });
const IpAddress = Type.String({
  pattern:
    '^(?:(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)$|^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*$',
});
const PortRange = Type.Object(
  { min: Type.Integer({ minimum: 1024, maximum: 65535 }), max: Type.Integer({ minimum: 1024, maximum: 65535 }) },
  { additionalProperties: false },
);
const RegistrarUser = Type.Object(
  {
    user: Type.String({ minLength: 1, maxLength: 64, pattern: "^[A-Za-z0-9\\-_.!~*'()+]+$" }),
    password: Type.String({ minLength: 1 }),
  },
  { additionalProperties: false },
);
const DigestAlgorithmName = Type.Union([Type.Literal('MD5'), Type.Literal('SHA-256')]);
const LogLevel = Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)));

const text = (t: string): unknown => t;
/** A keyword from a fixed list: spaces around it and the case do not matter. */
const keyword = (t: string): unknown => t.trim().toLowerCase();
/** Numbers only when the whole text is digits: `Number('')` is 0 and `Number('0x10')` is 16. */
const integer = (t: string): unknown => (/^\d+$/.test(t.trim()) ? Number(t.trim()) : t);
const onOff = (t: string): unknown => {
  const v = t.trim().toLowerCase();
  if (['on', 'true', '1', 'yes'].includes(v)) return true;
  if (['off', 'false', '0', 'no'].includes(v)) return false;
  return t;
};
/** `https://a.example,http://localhost:3000`: origins separated by commas. */
const originList = (t: string): unknown =>
  t
    .split(',')
    .map((o) => o.trim())
    .filter((o) => o !== '');
const range = (t: string): unknown => {
  const m = /^\s*(\d{1,5})\s*-\s*(\d{1,5})\s*$/.exec(t);
  if (!m) return t;
  const min = Number(m[1]);
  const max = Number(m[2]);
  return min <= max && max - min >= 1 ? { min, max } : t;
};
/** `1001:secret1,1002:secret2`; a password may contain ':' (split at the first one). */
const list = (t: string): unknown =>
  t
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');
const users = (t: string): unknown => {
  if (t.trim() === '') return [];
  const out: { user: string; password: string }[] = [];
  for (const item of t.split(',')) {
    const i = item.indexOf(':');
    if (i <= 0 || i === item.length - 1) return t;
    out.push({ user: item.slice(0, i).trim(), password: item.slice(i + 1) });
  }
  return out;
};

export const SETTINGS = {
  httpHost: {
    env: 'PARLEY_HTTP_HOST',
    schema: Host,
    expected: 'a host name or IP address',
    fromText: text,
    default: '127.0.0.1',
    doc: 'Address the HTTP server listens on: WebSocket at `/ws`, the SDK at `/sdk/`, the phone page at `/`, `/health`, `/metrics`, `/rest-api`.',
  },
  httpPort: {
    env: 'PARLEY_HTTP_PORT',
    schema: Port,
    expected: 'a port number 0-65535',
    fromText: integer,
    default: 8080,
    doc: 'HTTP port (0 picks a free one; the chosen URL is printed at start).',
  },
  sipHost: {
    env: 'PARLEY_SIP_HOST',
    schema: Host,
    expected: 'a host name or IP address',
    fromText: text,
    default: '127.0.0.1',
    doc: "The gateway's own SIP address (UDP and TCP) towards the users' SIP servers.",
  },
  sipPort: {
    env: 'PARLEY_SIP_PORT',
    schema: Port,
    expected: 'a port number 0-65535',
    fromText: integer,
    default: 5070,
    doc: "The gateway's SIP port, UDP and TCP, shared by every browser session's account (each registers its own Contact on it). Not 5060, which the embedded registrar takes by default. 0 picks a free port.",
  },
  sipTlsPort: {
    env: 'PARLEY_SIP_TLS_PORT',
    schema: Port,
    expected: 'a port number 0-65535',
    fromText: integer,
    doc: "The gateway's SIP over TLS port, when `PARLEY_SIP_TLS_CERT` and `PARLEY_SIP_TLS_KEY` are set (default: the SIP port + 1; 0 picks a free port).",
  },
  sipTlsCert: {
    env: 'PARLEY_SIP_TLS_CERT',
    schema: Type.String({ minLength: 1 }),
    expected: 'a file path',
    fromText: text,
    doc: 'PEM certificate (chain) file of the SIP TLS listener; with `PARLEY_SIP_TLS_KEY`, accounts may use `transport: tls`.',
  },
  sipTlsKey: {
    env: 'PARLEY_SIP_TLS_KEY',
    schema: Type.String({ minLength: 1 }),
    expected: 'a file path',
    fromText: text,
    doc: 'PEM private key file of the SIP TLS listener.',
  },
  mediaIp: {
    env: 'PARLEY_MEDIA_IP',
    schema: IpAddress,
    expected: 'an IPv4 or IPv6 address',
    fromText: text,
    default: '127.0.0.1',
    doc: 'The address put into SDP and ICE candidates; the address peers send media to. 127.0.0.1 works on a machine with only loopback.',
  },
  mediaPorts: {
    env: 'PARLEY_MEDIA_PORTS',
    schema: PortRange,
    expected: 'a range like 20000-20999 (ports 1024-65535, low-high)',
    fromText: range,
    default: { min: 20000, max: 20999 },
    doc: 'UDP ports for media (RTP/RTCP and WebRTC), as `low-high`.',
  },
  sipMediaEncryption: {
    env: 'PARLEY_SIP_MEDIA_ENCRYPTION',
    schema: Type.Union([Type.Literal('none'), Type.Literal('sdes')]),
    expected: 'none or sdes',
    fromText: keyword,
    default: 'none',
    doc:
      'Media encryption of the calls Parley places toward SIP. `none`: plain RTP (`RTP/AVP`). `sdes`: SRTP keyed ' +
      'in the SDP (RFC 4568): the offer is `RTP/SAVP` with an `a=crypto` line per suite (AES_CM_128_HMAC_SHA1_80, ' +
      'AEAD_AES_128_GCM), and an answer without `a=crypto` fails the call (488) rather than sending plain RTP; use ' +
      'it only over SIP TLS or a trusted network, since the keys travel in the SDP. Incoming `RTP/SAVP` offers are ' +
      'answered with SDES whatever this says.',
  },
  mediaPacketPath: {
    env: 'PARLEY_MEDIA_PACKET_PATH',
    schema: Type.Union([Type.Literal('auto'), Type.Literal('native'), Type.Literal('js')]),
    expected: 'auto, native or js',
    fromText: keyword,
    default: 'auto',
    doc:
      'Which code moves media packets. `native`: the C packet path built by `npm run build` ' +
      '(build/native; SRTP on the OpenSSL Node.js is built with, UDP read in batches; about half the CPU per ' +
      'packet): the server refuses to start if it is not built. `js`: the TypeScript path (node:dgram, ' +
      'src/media/srtp). `auto`: native when built, else js (the log says which at startup).',
  },
  apiKey: {
    env: 'PARLEY_API_KEY',
    schema: Type.String({ minLength: 8, maxLength: 512 }),
    expected: 'a key of at least 8 characters',
    fromText: text,
    secret: true,
    doc: 'When set, every `/rest-api` request must carry `Authorization: Bearer <key>`. Required when `PARLEY_HTTP_HOST` is not a loopback address: the server refuses to start with the REST API open on the network.',
  },
  webhookUrl: {
    env: 'PARLEY_WEBHOOK_URL',
    schema: Type.String({ pattern: '^https?://[^\\s]+$', maxLength: 2048 }),
    expected: 'an http:// or https:// URL',
    fromText: text,
    doc: "The application backend's URL that receives webhooks (connect, call, events).",
  },
  webhookSecret: {
    env: 'PARLEY_WEBHOOK_SECRET',
    schema: Type.String({ minLength: 16, maxLength: 512 }),
    expected: 'a secret of at least 16 characters',
    fromText: text,
    secret: true,
    doc: 'Key of the HMAC-SHA256 signature of webhook bodies.',
  },
  webhookTimeoutMs: {
    env: 'PARLEY_WEBHOOK_TIMEOUT_MS',
    schema: Type.Integer({ minimum: 100, maximum: 60000 }),
    expected: 'milliseconds, 100-60000',
    fromText: integer,
    default: 5000,
    doc: 'How long a webhook may take before the configured policy applies.',
  },
  webhookFailurePolicy: {
    env: 'PARLEY_WEBHOOK_FAILURE_POLICY',
    schema: Type.Union([Type.Literal('deny'), Type.Literal('allow')]),
    expected: 'deny or allow',
    fromText: text,
    default: 'deny',
    doc: 'What a `connect` or `call` webhook that times out, cannot be reached or answers 5xx decides (docs/rest-api.md).',
  },
  webhookRetries: {
    env: 'PARLEY_WEBHOOK_RETRIES',
    schema: Type.Integer({ minimum: 0, maximum: 10 }),
    expected: 'an integer 0-10',
    fromText: integer,
    default: 3,
    doc: 'Retries of an event webhook that failed (after 1 s, 2 s, 4 s...); `connect` and `call` are not retried.',
  },
  soundsDir: {
    env: 'PARLEY_SOUNDS_DIR',
    schema: Type.String({ minLength: 1 }),
    expected: 'a folder path',
    fromText: text,
    default: 'sounds',
    doc: 'Folder of the WAV files that `/rest-api/call/startup` and `/call/inject_sound` may name.',
  },
  logLevel: {
    env: 'PARLEY_LOG_LEVEL',
    schema: LogLevel,
    expected: 'one of fatal, error, warn, info, debug, trace, silent',
    fromText: text,
    default: 'info',
    doc: 'pino log level. Logs are JSON lines on standard output.',
  },
  registrar: {
    env: 'PARLEY_REGISTRAR',
    schema: Type.Boolean(),
    expected: 'on or off',
    fromText: onOff,
    default: true,
    doc: 'Run the embedded SIP registrar and proxy (`off` when Parley is a gateway to your own SIP server only).',
  },
  registrarHost: {
    env: 'PARLEY_REGISTRAR_HOST',
    schema: Host,
    expected: 'a host name or IP address',
    fromText: text,
    default: '127.0.0.1',
    doc: 'Address of the embedded registrar.',
  },
  registrarPort: {
    env: 'PARLEY_REGISTRAR_PORT',
    schema: Port,
    expected: 'a port number 0-65535',
    fromText: integer,
    default: 5060,
    doc: 'Port of the embedded registrar, UDP and TCP.',
  },
  registrarUsers: {
    env: 'PARLEY_REGISTRAR_USERS',
    schema: Type.Array(RegistrarUser, { maxItems: 10000 }),
    expected: 'a list like 1001:secret1,1002:secret2',
    fromText: users,
    secret: true,
    doc: 'Users of the embedded registrar. Unset: demo users 1001-1010 with generated passwords, saved in the data folder.',
  },
  registrarDigestAlgorithms: {
    env: 'PARLEY_REGISTRAR_DIGEST',
    schema: Type.Array(DigestAlgorithmName, { minItems: 1, maxItems: 2, uniqueItems: true }),
    expected: 'MD5, SHA-256 or both, comma-separated, in the order offered',
    fromText: list,
    default: ['MD5'],
    doc:
      'Digest algorithms the embedded registrar challenges with (RFC 8760), in that order. MD5 alone by default: ' +
      'common softphones (baresip 1.0 among them) fail to register when any SHA-256 challenge is offered. ' +
      '`SHA-256,MD5` is stronger for user agents that answer SHA-256.',
  },
  dataDir: {
    env: 'PARLEY_DATA_DIR',
    schema: Type.String({ minLength: 1 }),
    expected: 'a folder path',
    fromText: text,
    default: '.parley',
    doc: 'Folder for state Parley writes (the generated demo accounts).',
  },
  wsMaxPayload: {
    env: 'PARLEY_WS_MAX_PAYLOAD',
    schema: Type.Integer({ minimum: 4096, maximum: 16777216 }),
    expected: 'bytes, 4096-16777216',
    fromText: integer,
    default: 262144,
    doc: 'Largest WebSocket message accepted; a larger one closes the socket with 1009.',
  },
  wsMessagesPerSecond: {
    env: 'PARLEY_WS_MESSAGES_PER_SECOND',
    schema: Type.Integer({ minimum: 1, maximum: 100000 }),
    expected: 'an integer 1-100000',
    fromText: integer,
    default: 100,
    doc: 'Messages per second a browser may send (ICE candidates included); more are answered with WS_RATE_LIMITED.',
  },
  wsPingIntervalMs: {
    env: 'PARLEY_WS_PING_INTERVAL_MS',
    schema: Type.Integer({ minimum: 100, maximum: 600000 }),
    expected: 'milliseconds, 100-600000',
    fromText: integer,
    default: 5000,
    doc: 'Keep-alive: the server pings each browser this often; one that has not answered the previous ping by then is gone, and its calls are hung up.',
  },
  wsAllowedOrigins: {
    env: 'PARLEY_WS_ALLOWED_ORIGINS',
    schema: Type.Array(Type.String({ pattern: '^(\\*|https?://[^\\s/,]+/?)$', maxLength: 2048 }), { maxItems: 1000 }),
    expected: 'a list like https://app.example.com,http://localhost:3000, or *',
    fromText: originList,
    doc: 'Pages of other origins that may open `/ws` (checked against cross-site WebSocket hijacking). Unset: only pages this server serves (Origin matching the Host header); `*`: any. Clients sending no Origin (not browsers) are always let in. A refused one is closed with code 1008 and a reason naming the origin.',
  },
  wsMaxSessions: {
    env: 'PARLEY_WS_MAX_SESSIONS',
    schema: Type.Integer({ minimum: 1, maximum: 1000000 }),
    expected: 'an integer 1-1000000',
    fromText: integer,
    default: 10000,
    doc: 'WebSocket sessions open at once; one more is closed with code 1013 (Try Again Later) and a reason.',
  },
  wsMaxSessionsPerIp: {
    env: 'PARLEY_WS_MAX_SESSIONS_PER_IP',
    schema: Type.Integer({ minimum: 1, maximum: 1000000 }),
    expected: 'an integer 1-1000000',
    fromText: integer,
    default: 1000,
    doc: 'WebSocket sessions open at once from one IP address; one more is closed with code 1013 and a reason.',
  },
  maxMediaSessions: {
    env: 'PARLEY_MAX_MEDIA_SESSIONS',
    schema: Type.Integer({ minimum: 1, maximum: 1000000 }),
    expected: 'an integer 1-1000000',
    fromText: integer,
    default: 1000,
    doc: 'Calls with media open at once over all sessions; an incoming INVITE beyond it is answered 503 Service Unavailable, an outgoing call fails with 503, before any media is opened.',
  },
  maxCallsPerSession: {
    env: 'PARLEY_MAX_CALLS_PER_SESSION',
    schema: Type.Integer({ minimum: 1, maximum: 1000 }),
    expected: 'an integer 1-1000',
    fromText: integer,
    default: 16,
    doc: 'Calls one session may have at once, incoming (ringing or waiting) included; an incoming INVITE beyond it is answered 486 Busy Here before any media is opened.',
  },
} satisfies Record<string, Setting>;

type Settings = typeof SETTINGS;
type Value<K extends keyof Settings> = Static<Settings[K]['schema']>;
type Required = { [K in keyof Settings]: Settings[K] extends { default: unknown } ? K : never }[keyof Settings];

/** The validated configuration the server runs with. */
export type ParleyConfig = { [K in Required]: Value<K> } & { [K in Exclude<keyof Settings, Required>]?: Value<K> };
export type SettingKey = keyof Settings;
