// SRTP media over werift's ICE connection, without werift's per-packet machinery. werift 0.24 hands
// every datagram to a STUN parse and two Event dispatches (each starting an async function), and sends
// through three nested async functions. Here each of the connection's UDP sockets is a MediaSocket: on the
// native packet path the addon reads it and unprotects SRTP/SRTCP in C; on the TypeScript path werift's
// datagrams are taken at its transport's onData. Either way RTP/RTCP (first byte 128-191, RFC 7983 §7)
// reaches the leg already unprotected, STUN (consent, keepalives) and DTLS still go to werift, and media is
// sent, protected, on the nominated pair's socket.
//
// This reaches into werift internals (StunProtocol.transport.onData, UdpTransport.socket, the pair's
// remoteAddr): werift is pinned (DESIGN.md), and anything not shaped as expected falls back to werift's
// public onData/send, so a change there costs speed, never correctness.

import { Socket } from 'node:dgram';
import type { RTCPeerConnection } from 'werift';
import { dropMessage, MediaSocket, PACKET_RAW, PACKET_RTCP, PACKET_RTP, type Source } from './media-socket.js';
import type { SrtpContext } from './srtp/srtp-session.js';

type IceConnection = RTCPeerConnection['dtlsTransports'][number]['iceTransport']['connection'];

/** What is read of werift's StunProtocol and UdpTransport (not in werift's typings). */
interface UdpProtocolShape {
  transport?: { type?: unknown; socket?: unknown; onData?: unknown };
}

type OnData = (data: Buffer, addr: [string, number]) => void;

export interface IceDataPathHandlers {
  /** Plain RTP, unprotected. */
  onRtp: (packet: Buffer) => void;
  /** Plain compound RTCP, unprotected. */
  onRtcp: (packet: Buffer) => void;
  /** An SRTP/SRTCP datagram dropped (SRTP_AUTH_FAILED, SRTP_REPLAYED, SRTP_MALFORMED, …). */
  onDrop: (reason: string) => void;
  /**
   * A send failed, including the errors a socket reports later (werift's sockets have no 'error' listener:
   * an asynchronous send error would otherwise be thrown as an unhandled 'error' event).
   */
  onSendError: (cause: unknown) => void;
}

const isMedia = (data: Buffer): boolean => {
  const b0 = data[0] ?? 0;
  return b0 >= 128 && b0 <= 191;
};

export class IceDataPath {
  readonly #connection: IceConnection;
  readonly #srtp: SrtpContext;
  readonly #handlers: IceDataPathHandlers;
  readonly #sockets = new Map<Socket, MediaSocket>();
  readonly #restore: (() => void)[] = [];
  #fallback: { unSubscribe: () => void } | undefined;
  #route: { pair: object; socket: MediaSocket | undefined; to: Source } | undefined;
  #closed = false;

  constructor(connection: IceConnection, srtp: SrtpContext, handlers: IceDataPathHandlers) {
    this.#connection = connection;
    this.#srtp = srtp;
    this.#handlers = handlers;
    const protocols = (connection as unknown as { protocols?: unknown }).protocols;
    const udp = Array.isArray(protocols) ? protocols.map((p: UdpProtocolShape) => p.transport) : [];
    if (udp.length === 0 || !udp.every((t) => t?.type === 'udp' && typeof t.onData === 'function')) {
      // Unknown shape (or TCP/TURN transports): werift's own delivery, unprotected here.
      this.#fallback = connection.onData.subscribe((data) => {
        if (isMedia(data)) this.#receive(data);
      });
      return;
    }
    for (const transport of udp) {
      if (transport === undefined) continue;
      const socket = transport.socket;
      const werift = transport.onData as OnData;
      if (socket instanceof Socket) this.#takeSocket(socket, werift);
      const media = socket instanceof Socket ? this.#sockets.get(socket) : undefined;
      if (media?.native === true) continue;
      // The TypeScript path: media datagrams taken from werift's hands.
      transport.onData = ((data, addr) => {
        if (!isMedia(data)) werift(data, addr);
        else if (media !== undefined) media.receive(data, { address: addr[0], port: addr[1] });
        else this.#receive(data);
      }) satisfies OnData;
      this.#restore.push(() => {
        transport.onData = werift;
      });
    }
  }

  #takeSocket(socket: Socket, werift: OnData): void {
    const onError = (error: unknown) => this.#handlers.onSendError(error);
    socket.on('error', onError);
    this.#restore.push(() => socket.off('error', onError));
    const media = new MediaSocket(socket, {
      rtcpOnly: false,
      listen: false,
      onPacket: (status, data, from) => {
        if (status === PACKET_RAW) {
          // STUN and DTLS (and, on the native path, nothing else): werift's, as it would have read them.
          if (!isMedia(data)) werift(data, [from.address, from.port]);
        } else this.#deliver(status, data);
      },
      onSendError: (code) => this.#handlers.onSendError(new Error(code)),
    });
    media.setSrtp(this.#srtp);
    this.#sockets.set(socket, media);
    this.#restore.push(() => media.close());
  }

  #receive(data: Buffer): void {
    const rtcp = data.length >= 2 && (data[1] ?? 0) >= 192 && (data[1] ?? 0) <= 223;
    const plain = rtcp ? this.#srtp.unprotectRtcp(data) : this.#srtp.unprotectRtp(data);
    if (typeof plain === 'string') this.#handlers.onDrop(`SRTP${rtcp ? 'C' : ''} packet dropped: ${plain}`);
    else this.#deliver(rtcp ? PACKET_RTCP : PACKET_RTP, plain);
  }

  #deliver(status: number, data: Buffer): void {
    if (status === PACKET_RTP) this.#handlers.onRtp(data);
    else if (status === PACKET_RTCP) this.#handlers.onRtcp(data);
    else this.#handlers.onDrop(dropMessage(status, false));
  }

  /** Protects and sends plain RTP on the nominated pair; false when the packet cannot be protected. */
  sendRtp(packet: Buffer): boolean {
    return this.#send(packet, PACKET_RTP);
  }

  /** Protects and sends plain compound RTCP; false when it cannot be protected. */
  sendRtcp(packet: Buffer): boolean {
    return this.#send(packet, PACKET_RTCP);
  }

  /** The nominated pair's socket (media comes and goes there), for the leg's fast routes. */
  mediaSocket(): MediaSocket | undefined {
    return this.#closed ? undefined : this.#pairRoute()?.socket;
  }

  /** Ends the fast routes from and to the connection's sockets (the negotiation changed). */
  invalidateRoutes(): void {
    for (const socket of this.#sockets.values()) socket.invalidateRoutes();
  }

  /** Nothing before nomination or after close (as werift). */
  #send(packet: Buffer, mode: number): boolean {
    const route = this.#closed ? undefined : this.#pairRoute();
    if (route === undefined) return true;
    if (route.socket !== undefined) return route.socket.send(packet, mode, route.to);
    const out = mode === PACKET_RTCP ? this.#srtp.protectRtcp(packet) : this.#srtp.protectRtp(packet);
    if (out === undefined) return false;
    this.#connection.send(out).catch(this.#handlers.onSendError);
    return true;
  }

  #pairRoute(): { pair: object; socket: MediaSocket | undefined; to: Source } | undefined {
    const pair = this.#connection.nominated;
    if (pair === undefined) return undefined;
    let route = this.#route;
    if (route?.pair !== pair) {
      // Once per nomination: werift's remoteAddr is a getter that builds an array on every read.
      const socket = (pair.protocol as UdpProtocolShape).transport?.socket;
      const [host, port] = pair.remoteAddr;
      route = {
        pair,
        socket: socket instanceof Socket ? this.#sockets.get(socket) : undefined,
        to: { address: String(host), port: Number(port) },
      };
      // Another pair (an ICE renomination): fast routes to or from the old one end.
      if (this.#route !== undefined) this.invalidateRoutes();
      this.#route = route;
    }
    return route;
  }

  close(): void {
    this.#closed = true;
    for (const restore of this.#restore.splice(0)) restore();
    this.#sockets.clear();
    this.#route = undefined;
    this.#fallback?.unSubscribe();
    this.#fallback = undefined;
  }
}
