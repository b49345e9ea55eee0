// The embedded SIP registrar and proxy (issue 7): the server composes an EmbeddedSipServer; everything else
// here is exported for tests and for the server's wiring (bindings listing, local services).

export { Authenticator, type AuthOutcome } from './authenticator.js';
export { bestResponse } from './best-response.js';
export { type HostResolver, systemResolver } from './contact-check.js';
export {
  EmbeddedSipServer,
  type EmbeddedSipServerEvents,
  type EmbeddedSipServerOptions,
  type Refusal,
} from './embedded-sip-server.js';
export { RegistrarError, type RegistrarErrorCode } from './errors.js';
export { type ExemptSources, sourceKey } from './exempt-sources.js';
export { type LocalService, routeUsersTo } from './local-service.js';
export type { Binding, BindingInfo, BindingRemovalReason } from './location-service.js';
export { DEFAULT_REGISTRAR_POLICY, type RegistrarPolicy } from './registrar.js';
