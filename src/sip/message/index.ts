// The SIP message layer: parse, serialize and build messages; typed views of the header values.

export * from './auth-header.js';
export * from './builders.js';
export * from './cseq.js';
export * from './header-list.js';
export * from './header-names.js';
export * from './headers.js';
export * from './host.js';
export * from './message.js';
export * from './name-addr.js';
export * from './params.js';
export * from './parser.js';
export * from './reason-phrases.js';
export * from './serializer.js';
export * from './stream-parser.js';
export * from './types.js';
export * from './uri.js';
export * from './user.js';
export * from './value-params.js';
export * from './via.js';
