// The SIP transport layer (RFC 3261 §18): UDP, TCP, TLS and the TransportLayer that composes them.

export * from './logger.js';
export * from './stream-transport.js';
export * from './transport.js';
export * from './transport-layer.js';
export * from './transport-tcp.js';
export * from './transport-tls.js';
export * from './transport-udp.js';
