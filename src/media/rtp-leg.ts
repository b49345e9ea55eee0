// The SIP side's leg: plain RTP/RTCP over UDP, one port pair per stream (RFC 3550 §11), or one port with
// rtcp-mux (RFC 5761). Symmetric RTP (RFC 4961) with latching: until the first valid packet, anything is
// accepted and the source is learnt; after that, packets from other sources are counted and dropped.
// A new remote address from SDP (re-INVITE) unlatches.

import { MediaError } from './errors.js';
import { type Clock, type LegStats, type MediaLeg, type StreamKind, systemClock } from './media-leg.js';
import {
  dropMessage,
  errnoName,
  errorCode,
  MediaSocket,
  PACKET_RAW,
  PACKET_RTCP,
  PACKET_RTP,
  type Source,
} from './media-socket.js';
import type { PortPair, PortPool } from './port-pool.js';
import { parseRtcp } from './rtp/rtcp-packet.js';
import { isRtcp, newRtpHeader, parseRtpHeader, type RtpHeader } from './rtp/rtp-header.js';
import type { SrtpContext } from './srtp/srtp-session.js';
import { StreamState } from './stream-state.js';

export interface RemoteEndpoint {
  address: string;
  port: number;
  /** RTCP port when not multiplexed (RFC 3605 a=rtcp, else port + 1). */
  rtcpPort: number | undefined;
  /** RFC 3605 a=rtcp's address, when it names one (else `address`). */
  rtcpAddress?: string | undefined;
}

export interface RtpLegOptions {
  id: string;
  pool: PortPool;
  clock?: Clock;
  /** RTCP report interval (RFC 3550 §6.2: 5 s minimum for most sessions). 0 disables the timer. */
  rtcpIntervalMs?: number;
  cname?: string;
  /** Called for packets that were counted and dropped, with a reason, for the caller's log. */
  onDropped?: (kind: StreamKind, reason: string, from: string) => void;
}

interface Latch {
  address: string;
  port: number;
}

class RtpStream extends StreamState {
  remote: RemoteEndpoint | undefined;
  rtpLatch: Latch | undefined;
  rtcpLatch: Latch | undefined;
  rtpLatchFromSdp = false;
  /** RFC 4568 SDES-SRTP contexts, when negotiated. */
  srtp: SrtpContext | undefined;
  /** We offered SDES and the answer (with the peer's key) has not come: packets cannot be read yet. */
  srtpPending = false;
  rtcpLatchFromSdp = false;
  rtcpMux = false;
  /** c=0.0.0.0 from the peer: send nothing. */
  held = false;

  constructor(
    kind: StreamKind,
    readonly ports: PortPair,
    readonly rtpSocket: MediaSocket,
    readonly rtcpSocket: MediaSocket | undefined,
  ) {
    super(kind);
  }

  setSrtp(srtp: SrtpContext | undefined): void {
    this.srtp = srtp;
    this.rtpSocket.setSrtp(srtp);
    this.rtcpSocket?.setSrtp(srtp);
  }
}

export class RtpLeg implements MediaLeg {
  readonly id: string;
  onRtp: MediaLeg['onRtp'];
  onRtcp: MediaLeg['onRtcp'];
  readonly #pool: PortPool;
  readonly #clock: Clock;
  readonly #cname: string;
  readonly #onDropped: RtpLegOptions['onDropped'];
  readonly #streams = new Map<StreamKind, RtpStream>();
  readonly #header: RtpHeader = newRtpHeader();
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: RtpLegOptions) {
    this.id = options.id;
    this.#pool = options.pool;
    this.#clock = options.clock ?? systemClock;
    this.#cname = options.cname ?? `parley-${options.id}`;
    this.#onDropped = options.onDropped;
    const interval = options.rtcpIntervalMs ?? 5000;
    if (interval > 0) {
      this.#timer = setInterval(() => this.sendReports(), interval);
      this.#timer.unref();
    }
  }

  /** Opens the port pair of a stream (once per kind; later calls return the same port). */
  async openStream(kind: StreamKind, rtcpMux = false): Promise<number> {
    if (this.#closed) throw new MediaError('MEDIA_CLOSED', `[leg:${this.id}] closed`);
    const existing = this.#streams.get(kind);
    if (existing !== undefined) return existing.ports.port;
    const ports = await this.#pool.allocate(rtcpMux);
    const socket = (rtcpOnly: boolean, onPacket: (status: number, data: Buffer, from: Source) => void) => ({
      rtcpOnly,
      listen: true,
      onPacket,
      onSendError: (code: string, to: Source | undefined) => this.#onSocketError(stream, code, to),
    });
    const stream: RtpStream = new RtpStream(
      kind,
      ports,
      new MediaSocket(
        ports.rtp,
        socket(false, (status, data, from) => this.#onRtpSocket(stream, status, data, from)),
      ),
      ports.rtcp &&
        new MediaSocket(
          ports.rtcp,
          socket(true, (status, data, from) => this.#onRtcpPacket(stream, status, data, from)),
        ),
    );
    stream.rtcpMux = rtcpMux;
    this.#streams.set(kind, stream);
    ports.onError = (error) => this.#onSocketError(stream, errorCode(error), undefined);
    return ports.port;
  }

  localPort(kind: StreamKind): number | undefined {
    return this.#streams.get(kind)?.ports.port;
  }

  /**
   * Where to send (from the peer's SDP). A changed address or port unlatches (re-INVITE, transfer).
   * `'hold'` is c=0.0.0.0 (RFC 2543 hold, RFC 3264 §8.4): no destination, nothing is sent, not even to a
   * latched source, until an SDP gives an address again; packets received are still accepted.
   */
  setRemote(kind: StreamKind, remote: RemoteEndpoint | 'hold', rtcpMux: boolean): void {
    const s = this.#streams.get(kind);
    if (s === undefined) return;
    const next = remote === 'hold' ? undefined : remote;
    if (next === undefined || s.remote?.address !== next.address || s.remote.port !== next.port) {
      s.rtpLatch = undefined;
      s.rtcpLatch = undefined;
    }
    s.remote = next;
    s.held = next === undefined;
    s.rtcpMux = rtcpMux || s.ports.rtcp === undefined;
    // Fast routes toward this stream wait for the next send to learn where to go now.
    s.rtpSocket.clearPeer();
    s.rtcpSocket?.clearPeer();
  }

  /**
   * Turns SRTP on (RFC 4568 keys from SDP) or off for a stream; 'pending' after offering SDES on a stream
   * not yet keyed: until the answer brings the peer's key, what arrives is dropped, never read as plain
   * RTP (RFC 4568 §7.1.3: the answerer may send SRTP before its answer arrives).
   */
  setSrtp(kind: StreamKind, srtp: SrtpContext | undefined | 'pending'): void {
    const s = this.#streams.get(kind);
    if (s === undefined) return;
    if (srtp === 'pending') {
      s.srtpPending = s.srtp === undefined;
      return;
    }
    s.setSrtp(srtp);
    s.srtpPending = false;
  }

  /** Codecs of a stream: clock rates per PT (for jitter) and the codec name for stats. */
  setCodecs(
    kind: StreamKind,
    codecs: { payloadType: number; name: string; clockRate: number; rtcpFb?: string[] }[],
  ): void {
    const s = this.#streams.get(kind);
    s?.setCodecs(codecs);
    s?.rtpSocket.invalidateRoutes();
  }

  localSsrc(kind: StreamKind): number {
    return this.#streams.get(kind)?.localSsrc ?? 0;
  }

  remoteSsrc(kind: StreamKind): number | undefined {
    const s = this.#streams.get(kind);
    return s?.recv.started ? s.recv.ssrc : undefined;
  }

  /** Whether the stream has learnt its peer's address from received packets. */
  latchedTo(kind: StreamKind): Latch | undefined {
    return this.#streams.get(kind)?.rtpLatch;
  }

  /** A datagram on the RTP socket, unprotected by the MediaSocket when the stream has SRTP. */
  #onRtpSocket(s: RtpStream, status: number, msg: Buffer, rinfo: Source): void {
    if (status === PACKET_RTCP || (status === PACKET_RAW && s.rtcpMux && isRtcp(msg))) {
      this.#onRtcpPacket(s, status, msg, rinfo);
      return;
    }
    if (status < 0) {
      s.invalidPackets++;
      this.#onDropped?.(s.kind, dropMessage(status, false), `${rinfo.address}:${rinfo.port}`);
      return;
    }
    const h = this.#header;
    if (parseRtpHeader(msg, msg.length, h) !== undefined) {
      s.invalidPackets++;
      this.#onDropped?.(s.kind, 'malformed RTP', `${rinfo.address}:${rinfo.port}`);
      return;
    }
    if (status !== PACKET_RTP && s.srtpPending) {
      s.invalidPackets++;
      this.#onDropped?.(s.kind, 'SRTP before the answer brought its key', `${rinfo.address}:${rinfo.port}`);
      return;
    }
    const latch = s.rtpLatch;
    const fromSdp = s.remote !== undefined && rinfo.port === s.remote.port && rinfo.address === s.remote.address;
    // The first packet latches (NAT: the source is not what SDP says); a packet from exactly the SDP
    // address overrides a latch learnt from some other source first (a stray packet to a reused port
    // must not capture the stream), and that latch is final.
    if (latch === undefined || (fromSdp && !s.rtpLatchFromSdp)) {
      s.rtpLatch = { address: rinfo.address, port: rinfo.port };
      s.rtpSocket.clearPeer();
      s.rtpLatchFromSdp = fromSdp;
    } else if (latch.port !== rinfo.port || latch.address !== rinfo.address) {
      s.unexpectedSourcePackets++;
      this.#onDropped?.(
        s.kind,
        `RTP from an unexpected source (latched to ${latch.address}:${latch.port})`,
        `${rinfo.address}:${rinfo.port}`,
      );
      return;
    }
    s.onReceived(h.ssrc, h.sequenceNumber, h.timestamp, h.payloadType, h.payloadLength, this.#clock.now());
    this.onRtp?.(s.kind, msg, h);
  }

  routeInput(kind: StreamKind): ReturnType<MediaLeg['routeInput']> {
    const s = this.#streams.get(kind);
    // Only from the latched source: anything else is the JavaScript path's to judge (latching, drops).
    if (s?.rtpLatch === undefined || s.srtpPending || this.#closed) return undefined;
    return { socket: s.rtpSocket, source: s.rtpLatch, stream: s };
  }

  routeOutput(kind: StreamKind): ReturnType<MediaLeg['routeOutput']> {
    const s = this.#streams.get(kind);
    if (s === undefined || s.held || this.#closed) return undefined;
    return {
      socket: s.rtpSocket,
      stream: s,
      onSendError: (errno) => this.#onSocketError(s, errnoName(errno), s.rtpLatch ?? s.remote),
    };
  }

  #onRtcpPacket(s: RtpStream, status: number, msg: Buffer, rinfo: Source): void {
    if (status < 0) {
      s.invalidPackets++;
      this.#onDropped?.(s.kind, dropMessage(status, true), `${rinfo.address}:${rinfo.port}`);
      return;
    }
    if (status === PACKET_RAW && s.srtpPending) {
      s.invalidPackets++;
      this.#onDropped?.(s.kind, 'SRTCP before the answer brought its key', `${rinfo.address}:${rinfo.port}`);
      return;
    }
    const parsed = parseRtcp(msg, msg.length);
    if (!parsed.ok) {
      s.invalidPackets++;
      this.#onDropped?.(s.kind, `malformed RTCP (${parsed.code})`, `${rinfo.address}:${rinfo.port}`);
      return;
    }
    const latch = s.rtcpLatch;
    const expectedPort = s.rtcpMux
      ? s.remote?.port
      : (s.remote?.rtcpPort ?? (s.remote ? s.remote.port + 1 : undefined));
    const fromSdp = rinfo.port === expectedPort && rinfo.address === s.remote?.address;
    if (latch === undefined || (fromSdp && !s.rtcpLatchFromSdp)) {
      s.rtcpLatch = { address: rinfo.address, port: rinfo.port };
      s.rtcpLatchFromSdp = fromSdp;
    } else if (latch.port !== rinfo.port || latch.address !== rinfo.address) {
      s.unexpectedSourcePackets++;
      this.#onDropped?.(
        s.kind,
        `RTCP from an unexpected source (latched to ${latch.address}:${latch.port})`,
        `${rinfo.address}:${rinfo.port}`,
      );
      return;
    }
    const forward = s.onRtcp(parsed.packets, this.#clock.now());
    if (forward.length > 0) this.onRtcp?.(s.kind, forward);
  }

  sendRtp(kind: StreamKind, packet: Buffer): void {
    const s = this.#streams.get(kind);
    if (s === undefined || this.#closed || s.held) return;
    const to = s.rtpLatch ?? s.remote;
    if (to === undefined || to.port === 0) return;
    s.onSent(packet, this.#clock.now());
    this.#send(s, s.rtpSocket, packet, PACKET_RTP, to);
  }

  sendRtcp(kind: StreamKind, plain: Buffer): void {
    const s = this.#streams.get(kind);
    if (s === undefined || this.#closed || s.held) return;
    const socket = s.rtcpMux || s.rtcpSocket === undefined ? s.rtpSocket : s.rtcpSocket;
    if (s.rtcpMux) {
      const to = s.rtpLatch ?? s.remote;
      if (to !== undefined && to.port !== 0) this.#send(s, socket, plain, PACKET_RTCP, to);
      return;
    }
    const to =
      s.rtcpLatch ??
      (s.remote && { address: s.remote.rtcpAddress ?? s.remote.address, port: s.remote.rtcpPort ?? s.remote.port + 1 });
    if (to !== undefined && to.port !== 0) this.#send(s, socket, plain, PACKET_RTCP, to);
  }

  /**
   * A send never throws out of the packet path: a synchronous failure (closed socket, bad port) and the
   * asynchronous error of a send (EACCES, EHOSTUNREACH, ECONNREFUSED from an earlier ICMP) are counted in the
   * stream's stats and reported like a dropped packet (the plane's DropReporter throttles the log).
   */
  #send(s: RtpStream, socket: MediaSocket, packet: Buffer, mode: number, to: Source): void {
    if (!socket.send(packet, mode, to))
      this.#onDropped?.(s.kind, 'RTP/RTCP packet shorter than its header: not sent', `${to.address}:${to.port}`);
  }

  #onSocketError(s: RtpStream, code: string, to: Source | undefined): void {
    s.socketErrors++;
    this.#onDropped?.(s.kind, `socket error (${code})`, to === undefined ? 'the socket' : `${to.address}:${to.port}`);
  }

  /** Sends each stream's RTCP report (SR or RR, with SDES), RFC 3550 §6.4. */
  sendReports(): void {
    const now = this.#clock.now();
    for (const s of this.#streams.values()) {
      if (s.remote !== undefined) this.sendRtcp(s.kind, s.buildReport(now, this.#cname));
    }
  }

  stats(): LegStats {
    const streams = [...this.#streams.values()];
    const profile = streams.find((s) => s.srtp !== undefined)?.srtp?.profile.name;
    return {
      legId: this.id,
      streams: streams.map((s) => s.stats()),
      ...(profile === undefined ? {} : { srtpProfile: profile }),
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    for (const s of this.#streams.values()) {
      s.rtpSocket.close();
      s.rtcpSocket?.close();
      this.#pool.release(s.ports);
    }
    this.#streams.clear();
    this.onRtp = undefined;
    this.onRtcp = undefined;
  }
}
