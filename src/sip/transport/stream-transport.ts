// What TCP and TLS share (RFC 3261 §18): a listening server, a pool of connections keyed by remote address
// (accepted and opened ones alike) so that requests to an address reuse an open connection and responses
// go back on the connection the request came on (§18.2.2), a cap on connections, connect and idle timeouts.

import { EventEmitter } from 'node:events';
import type { Server, Socket } from 'node:net';
import { type Clock, RealClock } from '../clock.js';
import { DEFAULT_PARSE_LIMITS, type ParseLimits } from '../message/types.js';
import { type Logger, silentLogger } from './logger.js';
import { StreamConnection, type StreamConnectionHooks } from './stream-connection.js';
import type { Address, SendOptions, Transport, TransportEvents, TransportProtocol } from './transport.js';
import { socketHost } from './transport-udp.js';

export interface StreamTransportOptions {
  /** Address and port to listen on; port 0 picks a free port. */
  host: string;
  port: number;
  limits?: ParseLimits;
  logger?: Logger;
  /** Runs the idle and connect timers. */
  clock?: Clock;
  /** Accepted plus opened connections, and TLS ones still handshaking; over it, new ones are refused. Default 1024. */
  maxConnections?: number;
  /** Accepted connections (handshaking ones included) from one IP address; over it, refused. Default 64. */
  maxConnectionsPerIp?: number;
  /** Close a connection after this many ms without traffic; 0 never. Default 10 minutes. */
  idleTimeout?: number;
  /** Give up connecting after this many ms. Default 10 s. */
  connectTimeout?: number;
}

/** The pool key of a remote address: host lower-cased without IPv6 brackets, and port. */
export function addressKey(a: Address): string {
  return `${socketHost(a.host).toLowerCase()}|${a.port}`;
}

export abstract class StreamTransport extends EventEmitter<TransportEvents> implements Transport {
  abstract readonly protocol: TransportProtocol;
  readonly reliable = true;
  protected readonly opts: StreamTransportOptions;
  protected readonly limits: ParseLimits;
  protected readonly logger: Logger;
  protected readonly clock: Clock;
  private readonly maxConnections: number;
  private readonly maxConnectionsPerIp: number;
  /** Accepted sockets by remote IP, from TCP accept to close (a TLS socket from before its handshake). */
  private readonly perIp = new Map<string, number>();
  /** Accepted sockets still in their TLS handshake (`host|port`): they hold a slot until secured or closed. */
  private readonly handshaking = new Set<string>();
  private readonly idleTimeout: number;
  private readonly connectTimeout: number;
  private server: Server | undefined;
  private bound: Address;
  private nextId = 1;
  private readonly connections = new Map<string, StreamConnection>();
  private readonly pool = new Map<string, StreamConnection>();
  private readonly connecting = new Map<string, Promise<StreamConnection>>();
  private closing: Promise<void> | undefined;

  constructor(opts: StreamTransportOptions) {
    super();
    this.opts = opts;
    this.limits = opts.limits ?? DEFAULT_PARSE_LIMITS;
    this.logger = opts.logger ?? silentLogger;
    this.clock = opts.clock ?? new RealClock();
    this.maxConnections = opts.maxConnections ?? 1024;
    this.maxConnectionsPerIp = opts.maxConnectionsPerIp ?? 64;
    this.idleTimeout = opts.idleTimeout ?? 600_000;
    this.connectTimeout = opts.connectTimeout ?? 10_000;
    this.bound = { host: opts.host, port: opts.port };
  }

  get local(): Address {
    return this.bound;
  }

  /** Open connections, for metrics and tests. */
  get connectionCount(): number {
    return this.connections.size;
  }

  /**
   * Creates the listening server. Each accepted TCP socket goes through `admit` first (for TLS: the raw socket,
   * before the handshake, with `handshake` true, then `secured` once it is); `accept` takes the established
   * (for TLS: secured) socket.
   */
  protected abstract createServer(accept: (socket: Socket) => void): Server;
  /** Opens a socket to `to`; `ready` is the event that says it can carry data ('connect', 'secureConnect'). */
  protected abstract openSocket(to: Address): { socket: Socket; ready: string };

  listen(): Promise<void> {
    if (this.server !== undefined) return Promise.reject(new Error(`${this.protocol} transport already listening`));
    const server = this.createServer((socket) => this.accept(socket));
    this.server = server;
    return new Promise((resolve, reject) => {
      const onError = (e: Error) => reject(e);
      server.once('error', onError);
      server.listen(this.opts.port, socketHost(this.opts.host), () => {
        server.off('error', onError);
        server.on('error', (e) => this.logger.error({ err: e, local: this.bound }, `${this.protocol} server error`));
        const a = server.address();
        if (a !== null && typeof a === 'object') this.bound = { host: this.opts.host, port: a.port };
        resolve();
      });
    });
  }

  /**
   * Admits an incoming socket or refuses it (destroyed, logged): over the total cap (connections plus TLS
   * handshakes in progress) or over the cap per remote IP. An admitted socket counts until it closes.
   */
  protected admit(socket: Socket, handshake: boolean): boolean {
    const remote = { host: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 };
    const ip = socketHost(remote.host).toLowerCase();
    const fromIp = this.perIp.get(ip) ?? 0;
    const reason =
      this.closing !== undefined
        ? 'transport closing'
        : this.connections.size + this.handshaking.size >= this.maxConnections
          ? `limit of ${this.maxConnections} connections reached`
          : fromIp >= this.maxConnectionsPerIp
            ? `limit of ${this.maxConnectionsPerIp} connections from ${ip} reached`
            : undefined;
    if (reason !== undefined) {
      this.logger.warn({ remote, protocol: this.protocol }, `connection refused: ${reason}`);
      socket.destroy();
      return false;
    }
    this.perIp.set(ip, fromIp + 1);
    const key = addressKey(remote);
    if (handshake) this.handshaking.add(key);
    socket.once('close', () => {
      this.handshaking.delete(key);
      const n = (this.perIp.get(ip) ?? 1) - 1;
      if (n <= 0) this.perIp.delete(ip);
      else this.perIp.set(ip, n);
    });
    return true;
  }

  /** The TLS handshake of an admitted socket completed: it no longer counts as handshaking. */
  protected secured(socket: Socket): void {
    this.handshaking.delete(addressKey({ host: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 }));
  }

  private accept(socket: Socket): void {
    const remote = { host: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 };
    if (this.closing !== undefined) {
      socket.destroy();
      return;
    }
    this.adopt(socket, remote, []);
  }

  private adopt(socket: Socket, remote: Address, extraKeys: string[]): StreamConnection {
    const hooks: StreamConnectionHooks = {
      message: (conn, message) =>
        this.emit('message', message, {
          transport: this.protocol,
          ...conn.remote,
          local: conn.local,
          connectionId: conn.id,
        }),
      messageError: (conn, error, data) =>
        this.emit('messageError', error, data, {
          transport: this.protocol,
          ...conn.remote,
          local: conn.local,
          connectionId: conn.id,
        }),
      pong: (conn) => this.emit('pong', conn.id, conn.remote),
      closed: (conn) => {
        this.connections.delete(conn.id);
        for (const k of conn.keys) if (this.pool.get(k) === conn) this.pool.delete(k);
        this.emit('connectionClosed', conn.id, conn.remote);
      },
    };
    const conn = new StreamConnection({
      id: `${this.protocol.toLowerCase()}-${this.nextId++}`,
      protocol: this.protocol,
      socket,
      remote,
      local: this.bound,
      limits: this.limits,
      clock: this.clock,
      idleTimeout: this.idleTimeout,
      logger: this.logger,
      hooks,
    });
    this.connections.set(conn.id, conn);
    for (const k of [addressKey(remote), ...extraKeys]) {
      conn.keys.add(k);
      this.pool.set(k, conn);
    }
    this.emit('connectionOpened', conn.id, remote);
    return conn;
  }

  async send(data: Buffer, to: Address, options: SendOptions = {}): Promise<void> {
    const conn = await this.connectionFor(to, options.connectionId);
    await conn.write(data);
  }

  /** The given connection if open, else the pooled one for `to`, else a new one (connection reuse). */
  private connectionFor(to: Address, connectionId: string | undefined): Promise<StreamConnection> {
    if (this.closing !== undefined) return Promise.reject(new Error(`${this.protocol} transport closed`));
    if (connectionId !== undefined) {
      const c = this.connections.get(connectionId);
      if (c?.isOpen) return Promise.resolve(c);
    }
    const key = addressKey(to);
    const pooled = this.pool.get(key);
    if (pooled?.isOpen) return Promise.resolve(pooled);
    const pending = this.connecting.get(key);
    if (pending !== undefined) return pending;
    const p = this.connect(to, key).finally(() => this.connecting.delete(key));
    this.connecting.set(key, p);
    return p;
  }

  private connect(to: Address, key: string): Promise<StreamConnection> {
    if (this.connections.size + this.handshaking.size >= this.maxConnections) {
      return Promise.reject(
        new Error(`${this.protocol} connection limit ${this.maxConnections} reached [to:${to.host}:${to.port}]`),
      );
    }
    return new Promise((resolve, reject) => {
      const { socket, ready } = this.openSocket(to);
      const timer = this.clock.setTimeout(() => {
        socket.destroy();
        reject(
          new Error(`${this.protocol} connect timeout after ${this.connectTimeout} ms [to:${to.host}:${to.port}]`),
        );
      }, this.connectTimeout);
      const onError = (e: Error) => {
        this.clock.clearTimeout(timer);
        socket.destroy();
        reject(e);
      };
      socket.once('error', onError);
      socket.once(ready, () => {
        this.clock.clearTimeout(timer);
        socket.off('error', onError);
        if (this.closing !== undefined) {
          socket.destroy();
          reject(new Error(`${this.protocol} transport closed`));
          return;
        }
        const remote = { host: socket.remoteAddress ?? socketHost(to.host), port: socket.remotePort ?? to.port };
        resolve(this.adopt(socket, remote, [key]));
      });
    });
  }

  ping(connectionId: string): boolean {
    const c = this.connections.get(connectionId);
    if (c === undefined || !c.isOpen) return false;
    c.ping().catch((e: unknown) => this.logger.warn({ connection: connectionId, err: e }, 'keep-alive ping not sent'));
    return true;
  }

  /** Whether a connection is still open (RFC 3261 §18.2.2 falls back to the Via when it is not). */
  hasConnection(connectionId: string): boolean {
    return this.connections.get(connectionId)?.isOpen === true;
  }

  close(): Promise<void> {
    if (this.closing !== undefined) return this.closing;
    const server = this.server;
    const serverClosed =
      server === undefined ? Promise.resolve() : new Promise<void>((resolve) => server.close(() => resolve()));
    for (const c of [...this.connections.values()]) c.close();
    this.closing = serverClosed;
    return this.closing;
  }
}
