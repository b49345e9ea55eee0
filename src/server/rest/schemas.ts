// The REST API's bodies, in TypeBox: the same schemas validate requests (rest-api.ts compiles them with
// TypeBox's compiler) and make the OpenAPI document (openapi.ts). Strict objects: an unknown property is
// refused by name, so that a typo (`calee`) is not silently ignored.
import { type Static, Type } from '@sinclair/typebox';
import { CallId, CallStatusSchema, DtmfDigits, DtmfType, SipHeaders, Transport } from '../../protocol/common.js';

const strict = { additionalProperties: false } as const;
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const SessionId = Type.String({ minLength: 1, maxLength: 64, description: 'The session id (a UUID).' });
const Text = (max: number, description: string) => Type.String({ maxLength: max, description });

/** A sound file of the server's sounds folder (PARLEY_SOUNDS_DIR): a WAV, PCM 16-bit or G.711, mono. */
export const Sound = Type.Object(
  {
    file: Type.String({
      minLength: 1,
      maxLength: 255,
      pattern: '^(?!(.*/)?\\.\\.?(/|$))[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$',
      description: 'Path of a WAV file inside the sounds folder (PARLEY_SOUNDS_DIR); no `..`, not absolute.',
    }),
    loop: Type.Optional(Type.Boolean({ description: 'Play it again and again (default: once, then silence).' })),
  },
  { ...strict, description: 'A WAV file played into the call.' },
);
export type Sound = Static<typeof Sound>;

export const CallIdBody = Type.Object({ callId: CallId }, strict);
export type CallIdBody = Static<typeof CallIdBody>;

export const StartupBody = Type.Object(
  {
    callId: Type.Optional({ ...CallId, description: 'Your id for the call; a UUID is chosen when absent.' }),
    callee: Text(256, 'A number or user (`1002`), `user@host`, or a `sip:` URI.'),
    sipLogin: Text(256, 'User part of the account: `sip:<sipLogin>@<sipDomain>`.'),
    sipAuthenticationName: Type.Optional(Text(256, 'Digest user name; sipLogin when absent.')),
    sipPassword: Type.Optional(Text(256, 'Digest password.')),
    sipDomain: Text(256, 'Host (and optional :port) of the SIP domain.'),
    sipOutboundProxy: Type.Optional(Text(256, 'host[:port] that requests go to first.')),
    sipPort: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, description: 'Port of the proxy or domain.' })),
    sipTransport: Type.Optional(Transport),
    sipRegisterRequired: Type.Optional(
      Type.Boolean({ description: 'REGISTER the account before calling (default false).' }),
    ),
    visibleName: Type.Optional(Text(128, 'display-name of From.')),
    hasAudio: Type.Optional(Type.Boolean({ description: 'Default true.' })),
    hasVideo: Type.Optional(Type.Boolean({ description: 'Must be false: a call from the server carries audio.' })),
    sipHeaders: Type.Optional(SipHeaders),
    sound: Type.Optional(Sound),
  },
  strict,
);
export type StartupBody = Static<typeof StartupBody>;

export const TransferBody = Type.Object(
  { callId: CallId, target: Text(256, 'Where the peer is sent (blind transfer, RFC 3515): a number or SIP URI.') },
  strict,
);
export type TransferBody = Static<typeof TransferBody>;

export const DtmfBody = Type.Object(
  {
    callId: CallId,
    dtmf: DtmfDigits,
    type: Type.Optional({ ...DtmfType, description: 'RFC2833 (RFC 4733 events, default) or INFO.' }),
    durationMs: Type.Optional(Type.Integer({ minimum: 40, maximum: 2000, description: 'Per digit, default 160.' })),
  },
  strict,
);
export type DtmfBody = Static<typeof DtmfBody>;

export const InjectSoundBody = Type.Object(
  {
    callId: CallId,
    sound: Sound,
    toward: Type.Optional(
      Type.Union([Type.Literal('sip'), Type.Literal('browser')], {
        description: 'Who hears it: the SIP side (default) or the browser.',
      }),
    ),
  },
  strict,
);
export type InjectSoundBody = Static<typeof InjectSoundBody>;

export const FindBody = Type.Object(
  {
    callId: Type.Optional(CallId),
    sessionId: Type.Optional(SessionId),
    status: Type.Optional(CallStatusSchema),
    caller: Type.Optional(Text(256, 'Exact caller user.')),
    callee: Type.Optional(Text(256, 'Exact callee as dialled.')),
  },
  { ...strict, description: 'Every given property must match.' },
);
export type FindBody = Static<typeof FindBody>;

export const EmptyBody = Type.Object({}, { ...strict, description: 'No properties; the body may be left out.' });

export const SessionIdBody = Type.Object({ sessionId: SessionId }, strict);
export type SessionIdBody = Static<typeof SessionIdBody>;

// ─── answers ────────────────────────────────────────────────────────────────────────────────────────────

export const CallView = Type.Object({
  callId: Type.String(),
  sessionId: Type.String({ description: 'The WebSocket session, or the internal session of a REST call.' }),
  origin: Type.Union([Type.Literal('browser'), Type.Literal('rest')]),
  incoming: Type.Boolean(),
  caller: Type.String(),
  callee: Type.String(),
  visibleName: Type.String(),
  status: CallStatusSchema,
  sipStatus: Nullable(Type.Integer()),
  sipReason: Nullable(Type.String()),
  hasAudio: Type.Boolean(),
  hasVideo: Type.Boolean(),
  audioCodec: Nullable(Type.String()),
  videoCodec: Nullable(Type.String()),
  startedAt: Type.String({ format: 'date-time' }),
  establishedAt: Nullable(Type.String({ format: 'date-time' })),
});
export type CallView = Static<typeof CallView>;

export const ConnectionView = Type.Object({
  sessionId: Type.String(),
  status: Type.String({ description: 'NEW, ESTABLISHED, REGISTERED, UNREGISTERED, FAILED or DISCONNECTED.' }),
  login: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  callIds: Type.Array(Type.String()),
});
export type ConnectionView = Static<typeof ConnectionView>;

export const BindingView = Type.Object({
  user: Type.String(),
  aor: Type.String(),
  contact: Type.String(),
  q: Type.Number(),
  expiresIn: Type.Integer({ description: 'Seconds left.' }),
  callId: Type.String(),
  cseq: Type.Integer(),
  transport: Type.String(),
  source: Type.String(),
  userAgent: Type.Optional(Type.String()),
  updatedAt: Type.String({ format: 'date-time' }),
});

export const ErrorBody = Type.Object({
  error: Type.Object({
    code: Type.String({ description: 'Stable code: REST_INVALID_BODY, REST_NOT_FOUND, ... (docs/rest-api.md).' }),
    message: Type.String(),
    field: Type.Optional(Type.String({ description: 'The request property at fault.' })),
    sipStatus: Type.Optional(Type.Integer()),
  }),
});
