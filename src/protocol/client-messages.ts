// Messages the browser sends to the server. Each is defined once here; the server validates every frame
// against these schemas and the SDK builds its messages from the same types.
import { type Static, type TObject, Type } from '@sinclair/typebox';
import { CallId, DtmfDigits, DtmfType, IceCandidate, MessageId, Sdp, SipHeaders, Transport } from './common.js';

const strict = { additionalProperties: false } as const;
const callMessage = <T extends string>(type: T) => ({ type: Type.Literal(type), id: MessageId, callId: CallId });

/** The SIP account the session registers and calls with (the reference document's sipOptions). */
export const SipOptions = Type.Object(
  {
    login: Type.String({ maxLength: 256 }),
    authenticationName: Type.Optional(Type.String({ maxLength: 256 })),
    password: Type.Optional(Type.String({ maxLength: 256 })),
    domain: Type.String({ maxLength: 256 }),
    outboundProxy: Type.Optional(Type.String({ maxLength: 256 })),
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
    transport: Type.Optional(Transport),
    registerRequired: Type.Optional(Type.Boolean()),
    visibleName: Type.Optional(Type.String({ maxLength: 128 })),
  },
  strict,
);
export type SipOptions = Static<typeof SipOptions>;

export const ConnectMessage = Type.Object(
  {
    type: Type.Literal('connect'),
    id: MessageId,
    sipOptions: SipOptions,
    appKey: Type.Optional(Type.String({ maxLength: 256 })),
    custom: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Type.Unknown(), { maxProperties: 32 })),
  },
  strict,
);
export const DisconnectMessage = Type.Object({ type: Type.Literal('disconnect'), id: MessageId }, strict);

export const CallStartMessage = Type.Object(
  {
    ...callMessage('call.start'),
    callee: Type.String({ maxLength: 256 }),
    visibleName: Type.Optional(Type.String({ maxLength: 128 })),
    hasAudio: Type.Optional(Type.Boolean()),
    hasVideo: Type.Optional(Type.Boolean()),
    /** The browser's offer; ICE candidates follow in `call.ice` as they are gathered. */
    sdp: Sdp,
    sipHeaders: Type.Optional(SipHeaders),
  },
  strict,
);
export const CallAnswerMessage = Type.Object(
  { ...callMessage('call.answer'), sdp: Sdp, hasVideo: Type.Optional(Type.Boolean()) },
  strict,
);
export const CallIceMessage = Type.Object(
  { ...callMessage('call.ice'), candidate: Type.Union([IceCandidate, Type.Null()]) },
  strict,
);
/**
 * The page's reply to the server's `call.sdp` offer (a re-offer from the SIP side that the browser must
 * agree to, such as a codec change): its answer (`sdp`), or `rejected` with a `reason` when the browser could
 * not apply the offer. The server checks that an answer has its `sdp`.
 */
export const ClientCallSdpMessage = Type.Object(
  {
    ...callMessage('call.sdp'),
    sdpType: Type.Union([Type.Literal('answer'), Type.Literal('rejected')]),
    sdp: Type.Optional(Sdp),
    reason: Type.Optional(Type.String({ maxLength: 256 })),
  },
  strict,
);
export const CallHangupMessage = Type.Object(
  {
    ...callMessage('call.hangup'),
    /** For an incoming call not yet answered: the final response (default 603 Decline, RFC 3261 §21.6.2). */
    sipStatus: Type.Optional(Type.Union([Type.Literal(480), Type.Literal(486), Type.Literal(603)])),
  },
  strict,
);
export const CallHoldMessage = Type.Object(callMessage('call.hold'), strict);
export const CallUnholdMessage = Type.Object(callMessage('call.unhold'), strict);
export const CallTransferMessage = Type.Object(
  {
    ...callMessage('call.transfer'),
    /** Blind transfer (RFC 3515): the target's number or SIP URI. */
    target: Type.Optional(Type.String({ maxLength: 256 })),
    /** Attended transfer (RFC 3891 Replaces): the other call of this session to join this one with. */
    replacesCallId: Type.Optional(CallId),
  },
  strict,
);
export const CallDtmfMessage = Type.Object(
  {
    ...callMessage('call.dtmf'),
    digits: DtmfDigits,
    dtmfType: Type.Optional(DtmfType),
    durationMs: Type.Optional(Type.Integer({ minimum: 40, maximum: 2000 })),
  },
  strict,
);
export const CallMuteMessage = Type.Object(
  {
    ...callMessage('call.mute'),
    kind: Type.Union([Type.Literal('audio'), Type.Literal('video')]),
    muted: Type.Boolean(),
  },
  strict,
);
export const ClientPingMessage = Type.Object({ type: Type.Literal('ping'), id: MessageId }, strict);
export const ClientPongMessage = Type.Object({ type: Type.Literal('pong'), id: MessageId }, strict);

/** Every client message by its `type`: the server looks the schema up here. */
export const CLIENT_MESSAGES = {
  connect: ConnectMessage,
  disconnect: DisconnectMessage,
  'call.start': CallStartMessage,
  'call.answer': CallAnswerMessage,
  'call.ice': CallIceMessage,
  'call.sdp': ClientCallSdpMessage,
  'call.hangup': CallHangupMessage,
  'call.hold': CallHoldMessage,
  'call.unhold': CallUnholdMessage,
  'call.transfer': CallTransferMessage,
  'call.dtmf': CallDtmfMessage,
  'call.mute': CallMuteMessage,
  ping: ClientPingMessage,
  pong: ClientPongMessage,
} as const satisfies Record<string, TObject>;

export type ClientMessageType = keyof typeof CLIENT_MESSAGES;
export type ClientMessageOf<T extends ClientMessageType> = Static<(typeof CLIENT_MESSAGES)[T]>;
export type ClientMessage = { [T in ClientMessageType]: ClientMessageOf<T> }[ClientMessageType];
