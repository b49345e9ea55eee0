// What the user agent needs from the layers below it (RFC 3261 §8 on top of §17 and §18): send a request in a
// new client transaction, send an ACK for a 2xx outside any transaction (§13.2.2.4), and receive requests with
// the server transaction that answers them. The transaction layer (src/sip/transaction) fills in the top Via
// with a fresh branch and chooses the destination from the Route set or the Request-URI (§8.1.2).
import type { SipError } from '../errors.js';
import type { SipRequest, SipResponse } from '../message/message.js';

/** The client transaction's user, as the transaction layer calls it back. */
export interface RequestCallbacks {
  /** Every response the UA must see: 1xx, the final response, and each 2xx retransmission to an INVITE. */
  receiveResponse(response: SipResponse): void;
  /** No final response: `SIP_TIMEOUT` (408, Timer B/F) or `SIP_TRANSPORT_ERROR` (503). */
  onError(error: SipError): void;
}

/** The server transaction of an incoming request. */
export interface ServerTransactionPort {
  respond(response: SipResponse): void;
}

/** A new request. ACKs for 2xx (no transaction) come with `tx` undefined (RFC 3261 §17.2.3, RFC 6026). */
export type IncomingRequestHandler = (request: SipRequest, tx: ServerTransactionPort | undefined) => void;

export interface UaNetwork {
  /**
   * Where this UA is reachable, for Contact (RFC 3261 §8.1.1.8). `user`, when given, is the Contact's user
   * part (a shared endpoint gives each UA its own, to route requests by Request-URI); else the UA's login.
   */
  readonly contact: { host: string; port: number; transport: 'UDP' | 'TCP' | 'TLS'; user?: string };
  /**
   * Sends `request` in a new client transaction (INVITE or non-INVITE by its method). The layer prepends the
   * top Via with a new branch to `request` itself, unless it already has one (a CANCEL carries its INVITE's
   * Via, RFC 3261 §9.1).
   */
  sendRequest(request: SipRequest, callbacks: RequestCallbacks): void;
  /** Sends an ACK for a 2xx: a new Via branch, no transaction (RFC 3261 §13.2.2.4, §17.1.1.3). */
  sendAck(ack: SipRequest): void;
  /** Installs the UA's handler of incoming requests. */
  onRequest(handler: IncomingRequestHandler): void;
  /** A dialog of this UA now exists (key of `dialogKey`): a shared endpoint routes its requests here. */
  dialogOpened?(key: string): void;
  /** That dialog ended. */
  dialogClosed?(key: string): void;
  /** The UA is closed and will not use the network again. */
  release?(): void;
}
