// SDP negotiation: parse, write, derive offers/answers across the gateway. Knows no sockets.
export * from './codec.js';
export * from './codec-intersection.js';
export * from './connection-address.js';
export * from './description-writer.js';
export * from './direction.js';
export * from './errors.js';
export * from './gateway-negotiation.js';
export * from './payload-type-map.js';
export * from './session-description.js';
export * from './transport-answer.js';
