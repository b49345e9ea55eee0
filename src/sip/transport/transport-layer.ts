// The transport layer (RFC 3261 §18): listens on the configured addresses, applies §18.2.1 and RFC 3581 to
// received requests (received, rport), routes responses per §18.2.2 and RFC 3581 §4, answers malformed
// requests with 400 when it can, and hands everything else to the transaction layer via the `message` event.

import { EventEmitter } from 'node:events';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { Clock } from '../clock.js';
import type { SipError } from '../errors.js';
import { splitHeaderList } from '../message/header-list.js';
import { headerKey } from '../message/header-names.js';
import type { SipMessage, SipRequest, SipResponse } from '../message/message.js';
import { serializeMessage } from '../message/serializer.js';
import type { ParseLimits, Via } from '../message/types.js';
import { formatVia, parseVia } from '../message/via.js';
import { type Logger, silentLogger } from './logger.js';
import { responseToMalformed } from './malformed-request.js';
import type { StreamTransport } from './stream-transport.js';
import {
  type Address,
  type Destination,
  defaultPort,
  type MessageSource,
  type Transport,
  type TransportProtocol,
} from './transport.js';
import { TcpTransport } from './transport-tcp.js';
import { TlsTransport, type TlsTransportOptions } from './transport-tls.js';
import { socketHost, UdpTransport } from './transport-udp.js';

export interface ListenConfig {
  transport: TransportProtocol;
  /** Address to bind (`0.0.0.0`, `127.0.0.1`, `::`); port 0 picks a free port. */
  host: string;
  port: number;
  /** The sent-by put in the Via of requests sent on this transport; default the bound host and port. */
  advertisedHost?: string;
  advertisedPort?: number;
  /** Required for TLS: certificate and key (PEM), trusted CAs, peer verification. */
  tls?: Pick<TlsTransportOptions, 'cert' | 'key' | 'ca' | 'rejectUnauthorized' | 'requestCert' | 'handshakeTimeout'>;
}

export interface TransportLayerOptions {
  listen: ListenConfig[];
  limits?: ParseLimits;
  logger?: Logger;
  /** Runs idle-connection and connect timers (TCP, TLS). */
  clock?: Clock;
  /** Per stream transport, TLS handshakes in progress included. Default 1024. */
  maxConnections?: number;
  /** Accepted connections per remote IP address, per stream transport. Default 64. */
  maxConnectionsPerIp?: number;
  /** Idle TCP/TLS connections close after this many ms; 0 never. Default 10 minutes. */
  idleTimeout?: number;
  connectTimeout?: number;
}

export interface TransportLayerEvents {
  /** A well-formed message; requests carry received/rport in their top Via (§18.2.1, RFC 3581). */
  message: [message: SipMessage, source: MessageSource];
  /** RFC 5626 §3.5.1: the answer to `ping`. */
  pong: [connectionId: string, remote: Address];
  connectionOpened: [connectionId: string, remote: Address];
  connectionClosed: [connectionId: string, remote: Address];
}

interface Binding {
  config: ListenConfig;
  transport: Transport;
}

/** A bound host usable in a Via: a wildcard address becomes this host's first external address of its family. */
function concreteHost(bound: string): string {
  const host = socketHost(bound);
  if (host !== '0.0.0.0' && host !== '::') return host;
  const family = host === '::' ? 'IPv6' : 'IPv4';
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (!a.internal && a.family === family) return a.address;
  }
  return family === 'IPv6' ? '::1' : '127.0.0.1';
}

/** `::ffff:192.0.2.1` -> `192.0.2.1`; IPv6 without brackets; lower case. */
function normalizeHost(host: string): string {
  const h = socketHost(host).toLowerCase();
  return h.startsWith('::ffff:') && isIP(h.slice(7)) === 4 ? h.slice(7) : h;
}

export class TransportLayer extends EventEmitter<TransportLayerEvents> {
  private readonly bindings: Binding[];
  private readonly logger: Logger;
  private closing: Promise<void> | undefined;

  constructor(opts: TransportLayerOptions) {
    super();
    this.logger = opts.logger ?? silentLogger;
    const common = {
      logger: this.logger,
      ...(opts.limits === undefined ? {} : { limits: opts.limits }),
      ...(opts.clock === undefined ? {} : { clock: opts.clock }),
      ...(opts.maxConnections === undefined ? {} : { maxConnections: opts.maxConnections }),
      ...(opts.maxConnectionsPerIp === undefined ? {} : { maxConnectionsPerIp: opts.maxConnectionsPerIp }),
      ...(opts.idleTimeout === undefined ? {} : { idleTimeout: opts.idleTimeout }),
      ...(opts.connectTimeout === undefined ? {} : { connectTimeout: opts.connectTimeout }),
    };
    this.bindings = opts.listen.map((config) => {
      const base = { ...common, host: config.host, port: config.port };
      let transport: Transport;
      if (config.transport === 'UDP') transport = new UdpTransport(base);
      else if (config.transport === 'TCP') transport = new TcpTransport(base);
      else {
        if (config.tls === undefined)
          throw new Error(`TLS listener ${config.host}:${config.port} needs tls.cert and tls.key`);
        transport = new TlsTransport({ ...base, ...config.tls });
      }
      transport.on('message', (m, s) => this.receive(m, s));
      transport.on('messageError', (e, data, s) => this.receiveError(e, data, s));
      transport.on('pong', (id, remote) => this.emit('pong', id, remote));
      transport.on('connectionOpened', (id, remote) => this.emit('connectionOpened', id, remote));
      transport.on('connectionClosed', (id, remote) => this.emit('connectionClosed', id, remote));
      return { config, transport };
    });
  }

  /** Binds every configured address. */
  async listen(): Promise<void> {
    await Promise.all(this.bindings.map((l) => l.transport.listen()));
  }

  /** The bound addresses, after `listen` (real ports when 0 was configured). */
  get addresses(): Destination[] {
    return this.bindings.map((l) => ({ transport: l.transport.protocol, ...l.transport.local }));
  }

  /**
   * §18.1.1: the sent-by for a Via on that transport: the advertised address when configured, else the bound
   * one; for a wildcard bind (`0.0.0.0`, `::`), the first external address of this host. IPv6 in brackets.
   */
  sentBy(transport: TransportProtocol): Address {
    const l = this.listenerFor(transport);
    const host = l.config.advertisedHost ?? concreteHost(l.transport.local.host);
    return {
      host: isIP(host) === 6 ? `[${host}]` : host,
      port: l.config.advertisedPort ?? l.transport.local.port,
    };
  }

  private listenerFor(transport: TransportProtocol, local?: Address): Binding {
    const candidates = this.bindings.filter((l) => l.transport.protocol === transport);
    const exact =
      local === undefined
        ? undefined
        : candidates.find((l) => l.transport.local.port === local.port && l.transport.local.host === local.host);
    const l = exact ?? candidates[0];
    if (l === undefined) throw new Error(`no ${transport} transport configured`);
    return l;
  }

  /** Sends a request (or any message) to a destination; over TCP/TLS an open connection is reused. */
  async send(message: SipMessage, destination: Destination): Promise<void> {
    if (this.closing !== undefined) throw new Error('transport layer closed');
    const l = this.listenerFor(destination.transport);
    await l.transport.send(serializeMessage(message), { host: destination.host, port: destination.port });
  }

  /**
   * Sends a response per RFC 3261 §18.2.2 given the source of its request: over TCP/TLS on the connection the
   * request came on while it is open, else to the received/rport address (or sent-by); over UDP to received
   * and rport (RFC 3581 §4), else the sent-by. The response leaves from the socket the request arrived on.
   */
  async sendResponse(response: SipResponse, source: MessageSource): Promise<void> {
    if (this.closing !== undefined) throw new Error('transport layer closed');
    const first = response.headers.get('Via');
    const via = first === undefined ? undefined : parseVia(first);
    if (via === undefined || !via.ok || via.value[0] === undefined) {
      throw new Error(`response ${response.status} has no usable Via [to:${source.host}:${source.port}]`);
    }
    const top = via.value[0];
    const l = this.listenerFor(source.transport, source.local);
    const to = responseAddress(top, source.transport);
    await l.transport.send(
      serializeMessage(response),
      to,
      source.connectionId === undefined ? {} : { connectionId: source.connectionId },
    );
  }

  /** RFC 5626 §3.5.1: a CRLF CRLF keep-alive on a TCP/TLS connection; false when it is not open. */
  ping(connectionId: string): boolean {
    for (const l of this.bindings) if (l.transport.ping?.(connectionId) === true) return true;
    return false;
  }

  /** Open TCP/TLS connections across transports. */
  get connectionCount(): number {
    let n = 0;
    for (const l of this.bindings) if (l.transport.reliable) n += (l.transport as StreamTransport).connectionCount;
    return n;
  }

  private receive(message: SipMessage, source: MessageSource): void {
    if (this.closing !== undefined) return;
    if (message.kind === 'request') stampReceived(message, source);
    try {
      this.emit('message', message, source);
    } catch (e) {
      // A listener's bug must not take the socket down: log it and go on with the next message.
      this.logger.error({ err: e, source }, 'message listener threw');
    }
  }

  private receiveError(error: SipError, data: Buffer | undefined, source: MessageSource): void {
    this.logger.warn({ code: error.code, reason: error.message, field: error.field, source }, 'malformed message');
    if (data === undefined || this.closing !== undefined) return;
    const response = responseToMalformed(data, error);
    if (response === undefined) return;
    // The response copies the request's Via: stamp it as §18.2.1 would have stamped the request.
    stampVia(response, source);
    this.sendResponse(response, source).catch((e: unknown) =>
      this.logger.warn({ err: e, source }, `could not send ${response.status} to a malformed request`),
    );
  }

  /** Stops listening and closes every connection. Idempotent. */
  close(): Promise<void> {
    if (this.closing === undefined) {
      this.closing = Promise.all(this.bindings.map((l) => l.transport.close())).then(() => undefined);
    }
    return this.closing;
  }
}

/**
 * §18.2.2 / RFC 3581 §4: where a response goes when not on the request's connection. Over UDP: received and
 * rport. Over TCP/TLS: "the server SHOULD open a connection to the IP address in the received parameter, if
 * present, using the port in the sent-by value" (rport is the source port of a connection that is gone).
 */
export function responseAddress(top: Via, transport: TransportProtocol): Address {
  const received = top.params.get('received');
  const rport = transport === 'UDP' ? top.params.get('rport') : undefined;
  const port = typeof rport === 'string' && /^\d+$/.test(rport) ? Number(rport) : (top.port ?? defaultPort(transport));
  if (typeof received === 'string' && received !== '') return { host: received, port };
  const maddr = top.params.get('maddr');
  // §18.2.2: "if the sent-by field contains a maddr parameter, the response MUST be forwarded to the address
  // listed there, using the port indicated in sent-by".
  if (transport === 'UDP' && typeof maddr === 'string' && maddr !== '') return { host: maddr, port: top.port ?? 5060 };
  return { host: top.host, port };
}

/**
 * RFC 3261 §18.2.1: "When the server transport receives a request over any transport, it MUST examine the
 * value of the "sent-by" parameter in the top Via header field value. If the host portion of the "sent-by"
 * field contains a domain name, or if it contains an IP address that differs from the packet source address,
 * the server MUST add a "received" parameter to that Via header field value." RFC 3581 §4: with an `rport`
 * parameter, the server fills it with the source port and adds `received` even when it equals the sent-by.
 */
export function stampReceived(request: SipRequest, source: MessageSource): void {
  stampVia(request, source);
}

function stampVia(message: SipMessage, source: MessageSource): void {
  for (const field of message.headers) {
    if (headerKey(field.name) !== 'via') continue;
    const elements = splitHeaderList(field.value);
    const parsed = parseVia(elements[0] ?? '');
    const top = parsed.ok ? parsed.value[0] : undefined;
    if (top === undefined) return;
    const sourceHost = normalizeHost(source.host);
    const hasRport = top.params.has('rport');
    if (hasRport) top.params.set('rport', String(source.port));
    if (hasRport || normalizeHost(top.host) !== sourceHost) {
      // RFC 3261 §25.1: received = IPv4address / IPv6address, without brackets (RFC 5118 §4.5).
      top.params.set('received', sourceHost);
    }
    elements[0] = formatVia(top);
    field.value = elements.join(', ');
    return;
  }
}
