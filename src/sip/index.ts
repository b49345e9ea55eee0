// The SIP stack's public API. The server hosts a UserAgent per SIP account on one SipEndpoint (one transport
// and one transaction layer for all) and reads typed events; nothing here knows media, HTTP or WebSockets.

export { DigestClient, type DigestCredentials } from './auth/digest.js';
export { DigestServer, type DigestServerOptions, type VerifiedUser } from './auth/digest-server.js';
export { AuthError, type AuthErrorCode } from './auth/errors.js';
export { type Clock, FakeClock, RealClock } from './clock.js';
export { Dialog, type DialogId, type DialogState } from './dialog/dialog.js';
export { SipError, type SipErrorCode } from './errors.js';
export { escapeUser, validateUser } from './message/user.js';
export type { ListenConfig } from './transport/transport-layer.js';
export type { DtmfTone } from './ua/dtmf.js';
export type { CallFailure, InviteClient, Progress } from './ua/invite-client.js';
export type { InviteServer } from './ua/invite-server.js';
export type { UaNetwork } from './ua/network.js';
export type { IncomingRefer, ReferProgress } from './ua/refer.js';
export type { RegistrationFailure } from './ua/registration.js';
export type { IncomingOffer, InfoReceived, RequestOutcome, Session, TerminatedInfo } from './ua/session.js';
export { SipEndpoint, type SipEndpointOptions } from './ua/sip-endpoint.js';
export { type SipStack, type SipStackOptions, startSipStack } from './ua/sip-stack.js';
export { destinationOf, StackNetwork, type StackNetworkOptions } from './ua/stack-network.js';
export { UserAgent, type UserAgentEvents, type UserAgentOptions } from './ua/user-agent.js';
export {
  type HostedUserAgentOptions,
  type SharedNetwork,
  UserAgentHost,
  type UserAgentHostOptions,
} from './ua/user-agent-host.js';
