// The WebSocket protocol between the browser SDK and the server: schemas, types, status names, error codes.
// Browser-safe: nothing here imports Node.
export * from './client-messages.js';
export * from './common.js';
export * from './errors.js';
export * from './parse-message.js';
export * from './server-messages.js';
export * from './sip-grammar.js';
