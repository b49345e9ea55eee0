// Building blocks of the WebSocket protocol's schemas; the status names shared with the SDK are in status.ts.
import { type Static, Type } from '@sinclair/typebox';

import { CALL_STATUS, SESSION_STATUS } from './status.js';

export { CALL_STATUS, type CallStatus, SESSION_STATUS, type SessionStatus } from './status.js';

const literals = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)));

export const SessionStatusSchema = literals(Object.values(SESSION_STATUS));
export const CallStatusSchema = literals(Object.values(CALL_STATUS));

/** Correlates a request with its `ack` or `error` reply. */
export const MessageId = Type.Optional(Type.String({ minLength: 1, maxLength: 64 }));
/** Chosen by whoever creates the call (the SDK for outgoing calls, the server for incoming ones). */
export const CallId = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._~:@+-]+$' });
/** An SDP body (RFC 8866); bounded so that one message cannot hold the server's memory. */
export const Sdp = Type.String({ minLength: 1, maxLength: 65536 });

/** RTCIceCandidateInit (W3C webrtc-pc §4.8.1.1); `null` ends the candidates (RFC 8838 §8.2). */
export const IceCandidate = Type.Object(
  {
    candidate: Type.String({ maxLength: 1024 }),
    sdpMid: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
    sdpMLineIndex: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 64 }), Type.Null()])),
    usernameFragment: Type.Optional(Type.Union([Type.String({ maxLength: 256 }), Type.Null()])),
  },
  { additionalProperties: false },
);
export type IceCandidate = Static<typeof IceCandidate>;

/** Extra headers for the INVITE: extension headers only (`X-...`), RFC 3261 §20 headers are the stack's. */
export const SipHeaders = Type.Record(
  Type.String({ pattern: '^[Xx]-[A-Za-z0-9-]{1,64}$' }),
  Type.String({ maxLength: 1024 }),
  {
    maxProperties: 32,
    additionalProperties: false,
  },
);
export type SipHeaders = Static<typeof SipHeaders>;

export const Transport = literals(['udp', 'tcp', 'tls'] as const);
export type Transport = Static<typeof Transport>;

export const DtmfType = literals(['RFC2833', 'INFO'] as const);
export type DtmfType = Static<typeof DtmfType>;

/** RFC 4733 §3.2 events 0-15: 0-9, *, #, A-D. */
export const DtmfDigits = Type.String({ minLength: 1, maxLength: 64, pattern: '^[0-9A-Da-d*#]+$' });

export const SipStatus = Type.Integer({ minimum: 100, maximum: 699 });
export const SipReason = Type.String({ maxLength: 256 });
