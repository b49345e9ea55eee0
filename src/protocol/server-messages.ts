// Messages the server sends to the browser. Objects are open (extra fields allowed) so that an older SDK
// keeps working against a newer server.
import { type Static, type TObject, Type } from '@sinclair/typebox';
import {
  CallId,
  CallStatusSchema,
  DtmfType,
  IceCandidate,
  MessageId,
  Sdp,
  SessionStatusSchema,
  SipReason,
  SipStatus,
} from './common.js';

const sip = { sipStatus: Type.Optional(SipStatus), sipReason: Type.Optional(SipReason) };

export const SessionStatusMessage = Type.Object({
  type: Type.Literal('session.status'),
  id: MessageId,
  sessionId: Type.String(),
  status: SessionStatusSchema,
  ...sip,
});
export const CallIncomingMessage = Type.Object({
  type: Type.Literal('call.incoming'),
  id: MessageId,
  callId: CallId,
  caller: Type.String(),
  callee: Type.String(),
  visibleName: Type.String(),
  hasAudio: Type.Boolean(),
  hasVideo: Type.Boolean(),
  /** The server's offer for the browser (translated from the SIP side's offer). */
  sdp: Sdp,
});
export const CallStatusMessage = Type.Object({
  type: Type.Literal('call.status'),
  id: MessageId,
  callId: CallId,
  status: CallStatusSchema,
  ...sip,
});
export const CallSdpMessage = Type.Object({
  type: Type.Literal('call.sdp'),
  id: MessageId,
  callId: CallId,
  sdpType: Type.Union([Type.Literal('answer'), Type.Literal('offer')]),
  sdp: Sdp,
});
export const ServerCallIceMessage = Type.Object({
  type: Type.Literal('call.ice'),
  id: MessageId,
  callId: CallId,
  candidate: Type.Union([IceCandidate, Type.Null()]),
});
/** Transfer progress (RFC 3515 §2.4.5: the NOTIFY sipfrag's status line). */
export const CallTransferStatusMessage = Type.Object({
  type: Type.Literal('call.transfer'),
  id: MessageId,
  callId: CallId,
  status: Type.Union([
    Type.Literal('ACCEPTED'),
    Type.Literal('PROGRESS'),
    Type.Literal('SUCCEEDED'),
    Type.Literal('FAILED'),
  ]),
  ...sip,
});
export const ServerCallDtmfMessage = Type.Object({
  type: Type.Literal('call.dtmf'),
  id: MessageId,
  callId: CallId,
  digit: Type.String({ minLength: 1, maxLength: 1 }),
  dtmfType: DtmfType,
});
/** A request that carried an `id` was accepted (its effect follows as status messages). */
export const AckMessage = Type.Object({ type: Type.Literal('ack'), inReplyTo: Type.String() });
export const ErrorMessage = Type.Object({
  type: Type.Literal('error'),
  code: Type.String(),
  message: Type.String(),
  field: Type.Optional(Type.String()),
  inReplyTo: Type.Optional(Type.String()),
  callId: Type.Optional(Type.String()),
});
export const ServerPingMessage = Type.Object({ type: Type.Literal('ping'), id: MessageId });
export const ServerPongMessage = Type.Object({ type: Type.Literal('pong'), id: MessageId });

export const SERVER_MESSAGES = {
  'session.status': SessionStatusMessage,
  'call.incoming': CallIncomingMessage,
  'call.status': CallStatusMessage,
  'call.sdp': CallSdpMessage,
  'call.ice': ServerCallIceMessage,
  'call.transfer': CallTransferStatusMessage,
  'call.dtmf': ServerCallDtmfMessage,
  ack: AckMessage,
  error: ErrorMessage,
  ping: ServerPingMessage,
  pong: ServerPongMessage,
} as const satisfies Record<string, TObject>;

export type ServerMessageType = keyof typeof SERVER_MESSAGES;
export type ServerMessageOf<T extends ServerMessageType> = Static<(typeof SERVER_MESSAGES)[T]>;
export type ServerMessage = { [T in ServerMessageType]: ServerMessageOf<T> }[ServerMessageType];
