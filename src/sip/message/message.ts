import { Headers } from './headers.js';

/** A SIP request (RFC 3261 §7.1). The Request-URI is kept as text; `parseUri` gives its structure. */
export class SipRequest {
  readonly kind = 'request' as const;
  method: string;
  uri: string;
  headers: Headers;
  body: Buffer;

  constructor(method: string, uri: string, headers: Headers = new Headers(), body: Buffer = Buffer.alloc(0)) {
    this.method = method;
    this.uri = uri;
    this.headers = headers;
    this.body = body;
  }
}

/** A SIP response (RFC 3261 §7.2). */
export class SipResponse {
  readonly kind = 'response' as const;
  status: number;
  reason: string;
  headers: Headers;
  body: Buffer;

  constructor(status: number, reason: string, headers: Headers = new Headers(), body: Buffer = Buffer.alloc(0)) {
    this.status = status;
    this.reason = reason;
    this.headers = headers;
    this.body = body;
  }
}

export type SipMessage = SipRequest | SipResponse;
