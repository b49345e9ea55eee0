// One TCP or TLS connection of a StreamTransport: frames messages with the message layer's StreamParser
// (RFC 3261 §18.3), answers RFC 5626 §3.5.1 CRLF keep-alive pings, closes itself when idle, and closes on a
// framing error (that connection only: the other connections of the transport are not disturbed).

import type { Socket } from 'node:net';
import type { Clock, TimerHandle } from '../clock.js';
import type { SipError } from '../errors.js';
import type { SipMessage } from '../message/message.js';
import { StreamParser } from '../message/stream-parser.js';
import type { ParseLimits } from '../message/types.js';
import type { Logger } from './logger.js';
import type { Address, TransportProtocol } from './transport.js';

export interface StreamConnectionHooks {
  message(conn: StreamConnection, message: SipMessage): void;
  messageError(conn: StreamConnection, error: SipError, data: Buffer | undefined): void;
  pong(conn: StreamConnection): void;
  closed(conn: StreamConnection): void;
}

export interface StreamConnectionOptions {
  id: string;
  protocol: TransportProtocol;
  socket: Socket;
  remote: Address;
  local: Address;
  limits: ParseLimits;
  clock: Clock;
  /** Close after this many ms without traffic either way; 0 never. */
  idleTimeout: number;
  logger: Logger;
  hooks: StreamConnectionHooks;
}

const PONG = Buffer.from('\r\n');
const PING = Buffer.from('\r\n\r\n');

export class StreamConnection {
  readonly id: string;
  readonly protocol: TransportProtocol;
  readonly remote: Address;
  readonly local: Address;
  /** Pool keys this connection is registered under (set by the transport). */
  readonly keys = new Set<string>();
  private readonly socket: Socket;
  private readonly parser: StreamParser;
  private readonly clock: Clock;
  private readonly idleTimeout: number;
  private readonly logger: Logger;
  private readonly hooks: StreamConnectionHooks;
  private lastActivity: number;
  private idleTimer: TimerHandle | undefined;
  private closed = false;

  constructor(opts: StreamConnectionOptions) {
    this.id = opts.id;
    this.protocol = opts.protocol;
    this.socket = opts.socket;
    this.remote = opts.remote;
    this.local = opts.local;
    this.clock = opts.clock;
    this.idleTimeout = opts.idleTimeout;
    this.logger = opts.logger;
    this.hooks = opts.hooks;
    this.lastActivity = this.clock.now();
    this.parser = new StreamParser(opts.limits, {
      // RFC 5626 §3.5.1: "a server that receives a double-CRLF ping ... MUST respond with a single CRLF".
      onPing: () =>
        this.write(PONG).catch((e: unknown) => this.logger.warn({ connection: this.id, err: e }, 'pong not sent')),
      onPong: () => this.hooks.pong(this),
    });
    this.socket.on('data', (chunk: Buffer) => {
      try {
        this.receive(chunk);
      } catch (e) {
        // The parser promises not to throw (handlers are isolated in deliver); if it ever does, the framing is
        // lost: this connection is closed, not the process.
        this.logger.error(
          { connection: this.id, remote: this.remote, err: e },
          'stream parser threw; connection closed',
        );
        this.close();
      }
    });
    this.socket.on('error', (e) =>
      this.logger.warn({ connection: this.id, remote: this.remote, err: e }, 'connection error'),
    );
    this.socket.on('close', () => this.onClose());
    this.armIdleTimer(this.idleTimeout);
  }

  get isOpen(): boolean {
    return !this.closed && !this.socket.destroyed;
  }

  private receive(chunk: Buffer): void {
    if (this.closed) return;
    this.lastActivity = this.clock.now();
    // The parser keeps the unframed bytes itself (growing by doubling) and gives each frame's bytes: nothing
    // is copied here per chunk, so a peer sending one byte per segment costs linear work.
    for (const frame of this.parser.pushFrames(chunk)) {
      if (this.closed) return;
      const result = frame.result;
      if (result.ok) {
        this.deliver('message', () => this.hooks.message(this, result.value));
        continue;
      }
      const error = result.error;
      this.deliver('messageError', () => this.hooks.messageError(this, error, frame.fatal ? undefined : frame.bytes));
      if (frame.fatal) {
        // The stream cannot be framed any more (oversize, unreadable Content-Length): close this connection.
        this.logger.warn({ connection: this.id, remote: this.remote, err: error }, 'framing error, connection closed');
        this.close();
      }
    }
  }

  /**
   * Runs the handler of one message. A throw from the code above (a bug in the SIP stack) loses that message
   * only: the connection carries the signalling of every other call on it, so it stays open.
   */
  private deliver(what: string, run: () => void): void {
    try {
      run();
    } catch (e) {
      this.logger.error(
        { connection: this.id, remote: this.remote, err: e },
        `${what} handler threw; message dropped, connection kept`,
      );
    }
  }

  write(data: Buffer): Promise<void> {
    if (!this.isOpen)
      return Promise.reject(
        new Error(`connection closed [id:${this.id}, remote:${this.remote.host}:${this.remote.port}]`),
      );
    this.lastActivity = this.clock.now();
    return new Promise((resolve, reject) => {
      this.socket.write(data, (e) => (e ? reject(e) : resolve()));
    });
  }

  /** RFC 5626 §3.5.1: sends a double-CRLF ping; the answer arrives as the `pong` hook. */
  ping(): Promise<void> {
    return this.write(PING);
  }

  private armIdleTimer(ms: number): void {
    if (this.idleTimeout <= 0 || this.closed) return;
    this.idleTimer = this.clock.setTimeout(() => {
      this.idleTimer = undefined;
      const idle = this.clock.now() - this.lastActivity;
      if (idle >= this.idleTimeout) {
        this.logger.debug({ connection: this.id, remote: this.remote, idle }, 'idle connection closed');
        this.close();
      } else this.armIdleTimer(this.idleTimeout - idle);
    }, ms);
  }

  /** Closes the connection (idempotent); the `closed` hook runs once the socket is gone. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.idleTimer !== undefined) this.clock.clearTimeout(this.idleTimer);
    this.socket.destroy();
  }

  private onClose(): void {
    this.closed = true;
    if (this.idleTimer !== undefined) this.clock.clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    this.hooks.closed(this);
  }
}
