// Structured views of the header values and URIs that the stack reads (RFC 3261 §19, §20, §25).
// Parameters keep their order; a parameter without a value (`;lr`) maps to null. Parameter names are
// compared case-insensitively and stored lower-cased; values are kept as written.

export type Params = Map<string, string | null>;

/** RFC 3261 §19.1 SIP and SIPS URI (and `tel:` per RFC 3966, user part only). */
export interface SipUri {
  scheme: 'sip' | 'sips' | 'tel';
  /** Unescaped user part (RFC 3261 §19.1.2); undefined when the URI has none. */
  user?: string;
  password?: string;
  /** Host as written; IPv6 references keep their brackets (`[2001:db8::1]`). */
  host: string;
  port?: number;
  params: Params;
  /** URI headers (`?Replaces=...`), unescaped values. */
  headers: Map<string, string>;
}

/** RFC 3261 §20.10/§20.20/§20.39: name-addr or addr-spec with header parameters (tag, expires, q...). */
export interface NameAddr {
  displayName?: string;
  uri: SipUri;
  params: Params;
}

/** RFC 3261 §20.42 one Via value. */
export interface Via {
  /** `SIP/2.0` */
  protocol: string;
  /** Upper-cased transport: UDP, TCP, TLS, WS, WSS, SCTP. */
  transport: string;
  host: string;
  port?: number;
  /** branch, received, rport (null when present without a value), maddr, ttl... */
  params: Params;
}

/** RFC 3261 §20.16 */
export interface CSeq {
  seq: number;
  method: string;
}

/** Size and count limits applied to every parse of untrusted bytes. */
export interface ParseLimits {
  /** Largest message accepted, start line, headers and body. */
  maxMessageBytes: number;
  maxHeaderCount: number;
  maxHeaderLineBytes: number;
}

export const DEFAULT_PARSE_LIMITS: ParseLimits = Object.freeze({
  maxMessageBytes: 64 * 1024,
  maxHeaderCount: 256,
  maxHeaderLineBytes: 8 * 1024,
});
