// The SIP side's leg: plain RTP/RTCP over UDP, one port pair per stream (RFC 3550 §11), or one port with
// rtcp-mux (RFC 5761). Symmetric RTP (RFC 4961) with latching: until the first valid packet, anything is
// accepted and the source is learnt; after that, packets from other sources are counted and dropped.
// A new remote address from SDP (re-INVITE) unlatches.

import type { RemoteInfo, Socket } from 'node:dgram';
import { MediaError } from './errors.js';
import { type Clock, type LegStats, type MediaLeg, type StreamKind, systemClock } from './media-leg.js';
import type { PortPair, PortPool } from './port-pool.js';
import { parseRtcp } from './rtp/rtcp-packet.js';
import { isRtcp, newRtpHeader, parseRtpHeader, type RtpHeader } from './rtp/rtp-header.js';
import type { SdesSrtp } from './sdes-srtp.js';
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
  srtp: SdesSrtp | undefined;
  /** We offered SDES and the answer (with the peer's key) has not come: packets cannot be read yet. */
  srtpPending = false;
  rtcpLatchFromSdp = false;
  rtcpMux = false;
  /** c=0.0.0.0 from the peer: send nothing. */
  held = false;

  constructor(
    kind: StreamKind,
    readonly ports: PortPair,
  ) {
    super(kind);
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
    const stream = new RtpStream(kind, ports);
    stream.rtcpMux = rtcpMux;
    this.#streams.set(kind, stream);
    ports.onError = (error) => this.#onSocketError(stream, error, undefined);
    ports.rtp.on('message', (msg, rinfo) => this.#onRtpSocket(stream, msg, rinfo));
    ports.rtcp?.on('message', (msg, rinfo) => this.#onRtcpPacket(stream, msg, rinfo));
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
  }

  /**
   * Turns SRTP on (RFC 4568 keys from SDP) or off for a stream; 'pending' after offering SDES on a stream
   * not yet keyed: until the answer brings the peer's key, what arrives is dropped, never read as plain
   * RTP (RFC 4568 §7.1.3: the answerer may send SRTP before its answer arrives).
   */
  setSrtp(kind: StreamKind, srtp: SdesSrtp | undefined | 'pending'): void {
    const s = this.#streams.get(kind);
    if (s === undefined) return;
    if (srtp === 'pending') {
      s.srtpPending = s.srtp === undefined;
      return;
    }
    s.srtp = srtp;
    s.srtpPending = false;
  }

  /** Codecs of a stream: clock rates per PT (for jitter) and the codec name for stats. */
  setCodecs(
    kind: StreamKind,
    codecs: { payloadType: number; name: string; clockRate: number; rtcpFb?: string[] }[],
  ): void {
    this.#streams.get(kind)?.setCodecs(codecs);
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

  #onRtpSocket(s: RtpStream, msg: Buffer, rinfo: RemoteInfo): void {
    if (s.rtcpMux && isRtcp(msg)) {
      this.#onRtcpPacket(s, msg, rinfo);
      return;
    }
    const h = this.#header;
    if (parseRtpHeader(msg, msg.length, h) !== undefined) {
      s.invalidPackets++;
      this.#onDropped?.(s.kind, 'malformed RTP', `${rinfo.address}:${rinfo.port}`);
      return;
    }
    if (s.srtpPending) {
      s.invalidPackets++;
      this.#onDropped?.(s.kind, 'SRTP before the answer brought its key', `${rinfo.address}:${rinfo.port}`);
      return;
    }
    if (s.srtp !== undefined) {
      // RFC 3711 §3.3: authenticate before anything else; a packet that fails never latches.
      const plain = s.srtp.unprotectRtp(msg);
      if (typeof plain === 'string' || parseRtpHeader(plain, plain.length, h) !== undefined) {
        s.invalidPackets++;
        this.#onDropped?.(s.kind, `SRTP packet dropped: ${plain}`, `${rinfo.address}:${rinfo.port}`);
        return;
      }
      msg = plain;
    }
    const latch = s.rtpLatch;
    const fromSdp = s.remote !== undefined && rinfo.port === s.remote.port && rinfo.address === s.remote.address;
    // The first packet latches (NAT: the source is not what SDP says); a packet from exactly the SDP
    // address overrides a latch learnt from some other source first (a stray packet to a reused port
    // must not capture the stream), and that latch is final.
    if (latch === undefined || (fromSdp && !s.rtpLatchFromSdp)) {
      s.rtpLatch = { address: rinfo.address, port: rinfo.port };
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

  #onRtcpPacket(s: RtpStream, msg: Buffer, rinfo: RemoteInfo): void {
    if (s.srtpPending) {
      s.invalidPackets++;
      this.#onDropped?.(s.kind, 'SRTCP before the answer brought its key', `${rinfo.address}:${rinfo.port}`);
      return;
    }
    if (s.srtp !== undefined) {
      const plain = s.srtp.unprotectRtcp(msg);
      if (typeof plain === 'string') {
        s.invalidPackets++;
        this.#onDropped?.(s.kind, `SRTCP packet dropped: ${plain}`, `${rinfo.address}:${rinfo.port}`);
        return;
      }
      msg = plain;
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
    this.#send(s, s.ports.rtp, s.srtp === undefined ? packet : s.srtp.protectRtp(packet), to);
  }

  sendRtcp(kind: StreamKind, plain: Buffer): void {
    const s = this.#streams.get(kind);
    if (s === undefined || this.#closed || s.held) return;
    const packet = s.srtp === undefined ? plain : s.srtp.protectRtcp(plain);
    const socket: Socket = s.rtcpMux || s.ports.rtcp === undefined ? s.ports.rtp : s.ports.rtcp;
    if (s.rtcpMux) {
      const to = s.rtpLatch ?? s.remote;
      if (to !== undefined && to.port !== 0) this.#send(s, socket, packet, to);
      return;
    }
    const to =
      s.rtcpLatch ??
      (s.remote && { address: s.remote.rtcpAddress ?? s.remote.address, port: s.remote.rtcpPort ?? s.remote.port + 1 });
    if (to !== undefined && to.port !== 0) this.#send(s, socket, packet, to);
  }

  /**
   * A send never throws out of the packet path: a synchronous throw (closed socket, bad port) and the
   * asynchronous error of the callback (EACCES, EHOSTUNREACH, ECONNREFUSED from an earlier ICMP) are counted
   * in the stream's stats and reported like a dropped packet (the plane's DropReporter throttles the log).
   */
  #send(s: RtpStream, socket: Socket, packet: Buffer | undefined, to: Latch): void {
    if (packet === undefined) {
      this.#onDropped?.(s.kind, 'RTP/RTCP packet shorter than its header: not sent', `${to.address}:${to.port}`);
      return;
    }
    try {
      socket.send(packet, to.port, to.address, (error) => {
        if (error) this.#onSocketError(s, error, to);
      });
    } catch (error) {
      this.#onSocketError(s, error, to);
    }
  }

  #onSocketError(s: RtpStream, error: unknown, to: Latch | undefined): void {
    s.socketErrors++;
    const code = (error as { code?: unknown } | null)?.code;
    this.#onDropped?.(
      s.kind,
      `socket error (${typeof code === 'string' ? code : String(error)})`,
      to === undefined ? 'the socket' : `${to.address}:${to.port}`,
    );
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
    for (const s of this.#streams.values()) this.#pool.release(s.ports);
    this.#streams.clear();
    this.onRtp = undefined;
    this.onRtcp = undefined;
  }
}
