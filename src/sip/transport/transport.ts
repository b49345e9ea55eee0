// The transport layer's vocabulary (RFC 3261 §18): where a message goes, where one came from, and the
// interface each transport (UDP, TCP, TLS) implements. Transports frame and parse bytes; the TransportLayer
// above them applies §18.2.1 (received/rport) and §18.2.2 (where responses go).

import type { EventEmitter } from 'node:events';
import type { SipError } from '../errors.js';
import type { SipMessage } from '../message/message.js';

export type TransportProtocol = 'UDP' | 'TCP' | 'TLS';

export interface Address {
  host: string;
  port: number;
}

/** Where to send a message: the result of RFC 3263 resolution (or a configured outbound proxy). */
export interface Destination extends Address {
  transport: TransportProtocol;
}

/** Where a received message came from: the remote address, the local one, and the connection (TCP, TLS). */
export interface MessageSource extends Destination {
  local: Address;
  /** The connection the message arrived on (reliable transports); responses go back on it (§18.2.2). */
  connectionId?: string;
}

export interface TransportEvents {
  /** A message parsed from the network. */
  message: [message: SipMessage, source: MessageSource];
  /**
   * Bytes that could not be parsed into a message. `data` holds the framed bytes when they are known (a UDP
   * datagram, or one framed TCP message) so that the layer above can try to answer 400; undefined otherwise.
   */
  messageError: [error: SipError, data: Buffer | undefined, source: MessageSource];
  /** RFC 5626 §3.5.1: a CRLF pong arrived on a connection we pinged. */
  pong: [connectionId: string, remote: Address];
  /** A connection (TCP, TLS) was opened, accepted or closed. */
  connectionOpened: [connectionId: string, remote: Address];
  connectionClosed: [connectionId: string, remote: Address];
}

export interface SendOptions {
  /** Prefer this connection when it is still open (reliable transports). */
  connectionId?: string;
}

export interface Transport extends EventEmitter<TransportEvents> {
  readonly protocol: TransportProtocol;
  /** TCP and TLS are reliable (RFC 3261 §17: no retransmissions). */
  readonly reliable: boolean;
  /** The bound address; the port is the real one after `listen` (port 0 in the config picks a free port). */
  readonly local: Address;
  listen(): Promise<void>;
  /**
   * Sends serialized bytes. Reliable transports use the given connection if open, else an open connection to
   * `to` (connection reuse), else open a new one. Rejects on failure.
   */
  send(data: Buffer, to: Address, options?: SendOptions): Promise<void>;
  /** RFC 5626 §3.5.1: sends a CRLF CRLF ping on a connection (reliable transports); false if not open. */
  ping?(connectionId: string): boolean;
  /** Stops listening and closes every connection. Idempotent. */
  close(): Promise<void>;
}

/** The default port of a transport when a URI or Via gives none (RFC 3261 §18.2.2, §19.1.2). */
export function defaultPort(transport: string): number {
  return transport.toUpperCase() === 'TLS' ? 5061 : 5060;
}
