// SIP over TLS (RFC 3261 §18, §26.3.1): TCP framing over node:tls, with the certificate and key from config.
// Outgoing connections verify the server's certificate unless `rejectUnauthorized: false`.

import type { Server, Socket } from 'node:net';
import { connect, createServer } from 'node:tls';
import { StreamTransport, type StreamTransportOptions } from './stream-transport.js';
import type { Address } from './transport.js';
import { socketHost } from './transport-udp.js';

export interface TlsTransportOptions extends StreamTransportOptions {
  /** PEM certificate chain and private key this side presents. */
  cert: string | Buffer;
  key: string | Buffer;
  /** Trusted CAs for verifying peers (default: Node's bundled roots). */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Verify the peer's certificate when connecting out. Default true. */
  rejectUnauthorized?: boolean;
  /** Ask clients for a certificate (mutual TLS). Default false. */
  requestCert?: boolean;
  /** An accepted socket that has not completed its handshake within this many ms is closed. Default 10 s. */
  handshakeTimeout?: number;
}

export class TlsTransport extends StreamTransport {
  readonly protocol = 'TLS' as const;
  private readonly tls: TlsTransportOptions;

  constructor(opts: TlsTransportOptions) {
    super(opts);
    this.tls = opts;
  }

  protected createServer(accept: (socket: Socket) => void): Server {
    const server = createServer(
      {
        cert: this.tls.cert,
        key: this.tls.key,
        ...(this.tls.ca === undefined ? {} : { ca: this.tls.ca }),
        requestCert: this.tls.requestCert ?? false,
        rejectUnauthorized: this.tls.requestCert === true && this.tls.rejectUnauthorized !== false,
        handshakeTimeout: this.tls.handshakeTimeout ?? 10_000,
      },
      (socket) => {
        this.secured(socket);
        accept(socket);
      },
    );
    // Counted from the TCP accept: a socket that never completes its handshake holds a slot until it is closed.
    server.on('connection', (raw: Socket) => this.admit(raw, true));
    // With a listener here Node leaves the socket open (a handshake timeout included): close it ourselves.
    server.on('tlsClientError', (e, socket) => {
      this.logger.warn(
        { err: e, remote: { host: socket.remoteAddress, port: socket.remotePort } },
        'TLS handshake failed',
      );
      socket.destroy();
    });
    // Counted from the TCP accept: a socket that never completes its handshake holds a slot until it is closed.
    server.on('connection', (raw: Socket) => this.admit(raw, true));
    server.on('tlsClientError', (e, socket) =>
      this.logger.warn(
        { err: e, remote: { host: socket.remoteAddress, port: socket.remotePort } },
        'TLS handshake failed',
      ),
    );
    return server;
  }

  protected openSocket(to: Address): { socket: Socket; ready: string } {
    const host = socketHost(to.host);
    const socket = connect({
      host,
      port: to.port,
      cert: this.tls.cert,
      key: this.tls.key,
      ...(this.tls.ca === undefined ? {} : { ca: this.tls.ca }),
      rejectUnauthorized: this.tls.rejectUnauthorized ?? true,
      // SNI carries names only (RFC 6066 §3).
      ...(/^[\d.]+$|:/.test(host) ? {} : { servername: host }),
    });
    return { socket, ready: 'secureConnect' };
  }
}
