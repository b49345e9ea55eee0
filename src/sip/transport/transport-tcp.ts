// SIP over TCP (RFC 3261 §18): framing by Content-Length (§18.3), connection reuse, RFC 5626 CRLF keep-alive.

import { connect, createServer, type Server, type Socket } from 'node:net';
import { StreamTransport, type StreamTransportOptions } from './stream-transport.js';
import type { Address } from './transport.js';
import { socketHost } from './transport-udp.js';

export type TcpTransportOptions = StreamTransportOptions;

export class TcpTransport extends StreamTransport {
  readonly protocol = 'TCP' as const;

  protected createServer(accept: (socket: Socket) => void): Server {
    return createServer({ noDelay: true }, (socket) => {
      if (this.admit(socket, false)) accept(socket);
    });
  }

  protected openSocket(to: Address): { socket: Socket; ready: string } {
    return { socket: connect({ host: socketHost(to.host), port: to.port, noDelay: true }), ready: 'connect' };
  }
}
