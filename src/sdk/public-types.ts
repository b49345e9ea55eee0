// The SDK's public types, written as plain TypeScript: the protocol's TypeBox schemas stay out of the
// declarations a page's developer compiles against (dist/sdk/parley.d.ts needs no @sinclair/typebox).
// public-types.test.ts checks at compile time that each one matches the protocol's schema both ways.

/** SIP transport toward the user's SIP server. */
export type Transport = 'udp' | 'tcp' | 'tls';

/** How digits are sent: RFC 4733 telephone-events in the media (the name RFC 2833 users know) or SIP INFO. */
export type DtmfType = 'RFC2833' | 'INFO';

/** Extra headers for the INVITE: extension headers only (`X-...`, at most 32). */
export type SipHeaders = Record<string, string>;

/** The SIP account the session registers and calls with (the reference document's sipOptions). */
export interface SipOptions {
  /** The SIP user (the user part of the address of record). */
  login: string;
  /** The digest user name, when it is not the login. */
  authenticationName?: string;
  password?: string;
  /** The SIP domain (host part of the address of record). */
  domain: string;
  /** Where requests go when it is not the domain: `host` or `host:port`. */
  outboundProxy?: string;
  port?: number;
  transport?: Transport;
  /** Register the account (default true); false: outgoing calls only. */
  registerRequired?: boolean;
  visibleName?: string;
}
