// The media path over werift's ICE connection without werift's per-packet machinery. werift 0.24 hands
// every datagram to a STUN parse and two Event dispatches (each starting an async function), and sends
// through three nested async functions; that was a fifth of the CPU per relayed packet. After ICE has
// nominated a pair, RTP/RTCP (first byte 128-191, RFC 7983 §7) goes straight between the pair's UDP socket
// and the leg; STUN (consent, keepalives) and DTLS still go to werift as before.
//
// This reaches into werift internals (StunProtocol.transport.onData, UdpTransport.socket, the pair's
// remoteAddr): werift is pinned (DESIGN.md), and anything not shaped as expected falls back to werift's
// public onData/send, so a change there costs speed, never correctness.

import { Socket } from 'node:dgram';
import type { RTCPeerConnection } from 'werift';

type IceConnection = RTCPeerConnection['dtlsTransports'][number]['iceTransport']['connection'];

/** What is read of werift's StunProtocol and UdpTransport (not in werift's typings). */
interface UdpProtocolShape {
  transport?: { type?: unknown; socket?: unknown; onData?: unknown };
}

type OnData = (data: Buffer, addr: [string, number]) => void;

const isMedia = (data: Buffer): boolean => {
  const b0 = data[0] ?? 0;
  return b0 >= 128 && b0 <= 191;
};

export class IceDataPath {
  readonly #connection: IceConnection;
  readonly #restore: (() => void)[] = [];
  #fallback: { unSubscribe: () => void } | undefined;
  #route: { pair: object; socket: Socket | undefined; host: string; port: number } | undefined;

  readonly #onError: (cause: unknown) => void;

  /**
   * `onMedia` gets every RTP/RTCP datagram the connection receives, from now until close(); `onError`
   * every send error, including those the socket reports later (werift's sockets have no 'error'
   * listener: an asynchronous send error would otherwise be thrown as an unhandled 'error' event).
   */
  constructor(connection: IceConnection, onMedia: (data: Buffer) => void, onError: (cause: unknown) => void) {
    this.#connection = connection;
    this.#onError = onError;
    const protocols = (connection as unknown as { protocols?: unknown }).protocols;
    const udp = Array.isArray(protocols) ? protocols.map((p: UdpProtocolShape) => p.transport) : [];
    if (udp.length === 0 || !udp.every((t) => t?.type === 'udp' && typeof t.onData === 'function')) {
      // Unknown shape (or TCP/TURN transports): werift's own delivery.
      this.#fallback = connection.onData.subscribe((data) => {
        if (isMedia(data)) onMedia(data);
      });
      return;
    }
    for (const transport of udp) {
      if (transport === undefined) continue;
      const socket = transport.socket;
      if (socket instanceof Socket) {
        socket.on('error', onError);
        this.#restore.push(() => socket.off('error', onError));
      }
      const werift = transport.onData as OnData;
      transport.onData = ((data, addr) => {
        if (isMedia(data)) onMedia(data);
        else werift(data, addr);
      }) satisfies OnData;
      this.#restore.push(() => {
        transport.onData = werift;
      });
    }
  }

  /** Sends on the nominated pair's socket; nothing before nomination or after close (as werift). */
  send(packet: Buffer): void {
    const pair = this.#connection.nominated;
    if (pair === undefined) return;
    let route = this.#route;
    if (route?.pair !== pair) {
      // Once per nomination: werift's remoteAddr is a getter that builds an array on every read.
      const socket = (pair.protocol as UdpProtocolShape).transport?.socket;
      const [host, port] = pair.remoteAddr;
      route =
        socket instanceof Socket && typeof host === 'string' && typeof port === 'number'
          ? { pair, socket, host, port }
          : { pair, socket: undefined, host: '', port: 0 };
      this.#route = route;
    }
    if (route.socket === undefined) {
      this.#connection.send(packet).catch(this.#onError);
      return;
    }
    try {
      route.socket.send(packet, route.port, route.host);
    } catch (cause) {
      this.#onError(cause);
    }
  }

  close(): void {
    for (const restore of this.#restore.splice(0)) restore();
    this.#fallback?.unSubscribe();
    this.#fallback = undefined;
  }
}
