// The SIP transaction layer (RFC 3261 §17, RFC 6026): the four state machines and the layer that matches
// messages to them.

export * from './invite-client-transaction.js';
export * from './invite-server-transaction.js';
export * from './non-invite-client-transaction.js';
export * from './non-invite-server-transaction.js';
export * from './transaction.js';
export * from './transaction-key.js';
export * from './transaction-layer.js';
