// SIP over UDP (RFC 3261 §18): one datagram is one message. Oversize datagrams are dropped and logged;
// unparseable ones are reported with their bytes so that the layer above can answer 400 (§18.3 does not
// apply: a datagram needs no framing).

import { createSocket, type Socket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { isIP } from 'node:net';
import { parseMessage } from '../message/parser.js';
import { DEFAULT_PARSE_LIMITS, type ParseLimits } from '../message/types.js';
import { type Logger, silentLogger } from './logger.js';
import type { Address, MessageSource, Transport, TransportEvents } from './transport.js';

export interface UdpTransportOptions {
  /** Address and port to bind; port 0 picks a free port. */
  host: string;
  port: number;
  limits?: ParseLimits;
  logger?: Logger;
}

/** Strips the brackets of an IPv6 reference (`[::1]` -> `::1`) for the socket API. */
export function socketHost(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

export class UdpTransport extends EventEmitter<TransportEvents> implements Transport {
  readonly protocol = 'UDP' as const;
  readonly reliable = false;
  private readonly opts: UdpTransportOptions;
  private readonly limits: ParseLimits;
  private readonly logger: Logger;
  private socket: Socket | undefined;
  private bound: Address;
  private closing: Promise<void> | undefined;

  constructor(opts: UdpTransportOptions) {
    super();
    this.opts = opts;
    this.limits = opts.limits ?? DEFAULT_PARSE_LIMITS;
    this.logger = opts.logger ?? silentLogger;
    this.bound = { host: opts.host, port: opts.port };
  }

  get local(): Address {
    return this.bound;
  }

  listen(): Promise<void> {
    if (this.socket !== undefined)
      return Promise.reject(new Error(`UDP transport already listening [${this.opts.host}:${this.opts.port}]`));
    const host = socketHost(this.opts.host);
    const socket = createSocket({ type: isIP(host) === 6 ? 'udp6' : 'udp4' });
    this.socket = socket;
    return new Promise((resolve, reject) => {
      const onError = (e: Error) => reject(e);
      socket.once('error', onError);
      socket.bind(this.opts.port, host, () => {
        socket.off('error', onError);
        socket.on('error', (e) => this.logger.error({ err: e, local: this.bound }, 'UDP socket error'));
        const a = socket.address();
        this.bound = { host: this.opts.host, port: a.port };
        socket.on('message', (data, rinfo) => this.receive(data, rinfo.address, rinfo.port));
        resolve();
      });
    });
  }

  private receive(data: Buffer, host: string, port: number): void {
    const source: MessageSource = { transport: 'UDP', host, port, local: this.bound };
    if (data.length > this.limits.maxMessageBytes) {
      this.logger.warn({ source, bytes: data.length, limit: this.limits.maxMessageBytes }, 'oversize datagram dropped');
      return;
    }
    // RFC 5626 §4.4.1 keep-alives over UDP are STUN; a datagram of line breaks alone is a NAT keep-alive some
    // devices send: ignore it.
    if (data.every((b) => b === 0x0d || b === 0x0a || b === 0x20 || b === 0x00)) {
      this.logger.debug({ source, bytes: data.length }, 'UDP keep-alive ignored');
      return;
    }
    try {
      const r = parseMessage(data, this.limits);
      if (r.ok) this.emit('message', r.value, source);
      else this.emit('messageError', r.error, data, source);
    } catch (e) {
      // The parser promises not to throw; if it ever does, this datagram is lost, not the process.
      this.logger.error({ err: e, source, bytes: data.length }, 'datagram handling threw; datagram dropped');
    }
  }

  send(data: Buffer, to: Address): Promise<void> {
    const socket = this.socket;
    if (socket === undefined || this.closing !== undefined) {
      return Promise.reject(new Error(`UDP transport not listening [local:${this.bound.host}:${this.bound.port}]`));
    }
    return new Promise((resolve, reject) => {
      socket.send(data, to.port, socketHost(to.host), (e) => (e ? reject(e) : resolve()));
    });
  }

  close(): Promise<void> {
    if (this.closing !== undefined) return this.closing;
    const socket = this.socket;
    this.closing =
      socket === undefined ? Promise.resolve() : new Promise<void>((resolve) => socket.close(() => resolve()));
    return this.closing;
  }
}
