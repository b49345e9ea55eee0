// One UDP socket of a media leg, with its SRTP session: what the legs read and send through, on either
// packet path (native-addon.ts). Received datagrams come out classified and, when the socket has an SRTP
// session, already unprotected; sends are protected on the way out. The native path does both in C and
// reads every socket in one batch per event-loop iteration; the TypeScript path reads with node:dgram and
// uses the session's own methods. The legs cannot tell them apart (and need not).

import type { Socket } from 'node:dgram';
import { constants } from 'node:os';
import { type NativeHandle, nativeAddon, STATUS_ERRNO_BASE } from './native/native-addon.js';
import { NativeSrtpSession, srtpDropOf } from './native/native-srtp-session.js';
import {
  type ForwardedHandler,
  type ForwardedPacket,
  formatIpv4,
  type NativeSocket,
  PACKET_RAW,
  PACKET_RTCP,
  PACKET_RTP,
  PACKET_TRUNCATED,
  packetEngine,
  type RouteParameters,
} from './native/packet-engine.js';
import { isRtcp } from './rtp/rtp-header.js';
import type { SrtpContext, SrtpDrop } from './srtp/srtp-session.js';

export type { ForwardedHandler, ForwardedPacket, RouteParameters };
export { PACKET_RAW, PACKET_RTCP, PACKET_RTP };

export interface Source {
  address: string;
  port: number;
}

/**
 * status: PACKET_RAW (not SRTP-handled: STUN, DTLS, or plain RTP/RTCP on a socket without SRTP),
 * PACKET_RTP / PACKET_RTCP (unprotected), or below 0: dropped (dropReason(status) says why; `data` empty).
 * `from` is reused between calls: copy what is kept.
 */
export type MediaPacketHandler = (status: number, data: Buffer, from: Source) => void;

export interface MediaSocketOptions {
  /** A non-multiplexed RTCP socket: every RTP-range datagram on it is SRTCP. */
  rtcpOnly: boolean;
  /** Read the socket with node:dgram when the native engine does not take it ('message'); false when its owner hands datagrams to receive(). */
  listen: boolean;
  onPacket: MediaPacketHandler;
  /** A send failed or the socket reported an error: an errno code name (EACCES, ECONNREFUSED, …). */
  onSendError: (code: string, to: Source | undefined) => void;
}

const DROPS: readonly SrtpDrop[] = ['SRTP_MALFORMED', 'SRTP_AUTH_FAILED', 'SRTP_REPLAYED'];
const EMPTY = Buffer.alloc(0);
const errnoNames = new Map(Object.entries(constants.errno).map(([name, n]) => [n, name]));

/** An errno number's name (ECONNREFUSED), or the number. */
export const errnoName = (errno: number): string => errnoNames.get(-errno) ?? errnoNames.get(errno) ?? String(errno);

/** The log line for a datagram dropped with `status` (below 0): SRTP drops keep their RFC-named reason. */
export function dropMessage(status: number, rtcp: boolean): string {
  if (status >= -3) return `SRTP${rtcp ? 'C' : ''} packet dropped: ${srtpDropOf(status)}`;
  return `${rtcp ? 'RTCP ' : ''}packet dropped: ${dropReason(status)}`;
}

/** Why a datagram with a status below 0 was dropped. */
export function dropReason(status: number): string {
  if (status === PACKET_TRUNCATED) return 'datagram larger than the receive buffer';
  if (status <= STATUS_ERRNO_BASE)
    return `socket error ${errnoNames.get(STATUS_ERRNO_BASE - status) ?? STATUS_ERRNO_BASE - status}`;
  return srtpDropOf(status);
}

export class MediaSocket {
  readonly #socket: Socket;
  readonly #options: MediaSocketOptions;
  readonly #native: NativeSocket | undefined;
  readonly #from: Source = { address: '', port: 0 };
  #fromIp = -1;
  #srtp: SrtpContext | undefined;
  #closed = false;
  readonly #onMessage = (data: Buffer, rinfo: Source) => this.receive(data, rinfo);

  constructor(socket: Socket, options: MediaSocketOptions) {
    this.#socket = socket;
    this.#options = options;
    const addon = nativeAddon();
    this.#native =
      addon === undefined
        ? undefined
        : packetEngine(addon).attach(socket, options.rtcpOnly, (status, data, ip, port) =>
            this.#onNative(status, data, ip, port),
          );
    if (this.#native === undefined && options.listen) socket.on('message', this.#onMessage);
  }

  /** Whether the native engine reads this socket (else the owner or node:dgram hands datagrams to receive()). */
  get native(): boolean {
    return this.#native !== undefined;
  }

  /** From now on RTP/RTCP received is unprotected and sent protected with `srtp` (undefined: plain). */
  setSrtp(srtp: SrtpContext | undefined): void {
    this.#srtp = srtp;
    this.#native?.setSrtp(srtp instanceof NativeSrtpSession ? srtp.handle : undefined);
  }

  /** The TypeScript path: a datagram read by node:dgram (or handed over by werift). */
  receive(data: Buffer, from: Source): void {
    if (this.#closed) return;
    const srtp = this.#srtp;
    const b0 = data[0] ?? 0;
    if (srtp === undefined || data.length < 2 || b0 < 128 || b0 > 191) {
      this.#options.onPacket(PACKET_RAW, data, from);
      return;
    }
    const rtcp = this.#options.rtcpOnly || isRtcp(data);
    const plain = rtcp ? srtp.unprotectRtcp(data) : srtp.unprotectRtp(data);
    if (typeof plain === 'string') this.#options.onPacket(-1 - DROPS.indexOf(plain), EMPTY, from);
    else this.#options.onPacket(rtcp ? PACKET_RTCP : PACKET_RTP, plain, from);
  }

  #onNative(status: number, data: Buffer, ip: number, port: number): void {
    const from = this.#from;
    if (ip !== this.#fromIp) {
      this.#fromIp = ip;
      from.address = formatIpv4(ip);
    }
    from.port = port;
    // Raw RTP-range datagrams on a socket whose session is not the native one: unprotected here.
    if (status === PACKET_RAW) this.receive(data, from);
    else if (!this.#closed) this.#options.onPacket(status, data, from);
  }

  /**
   * Sends `packet` to `to`: protected as SRTP (PACKET_RTP) or SRTCP (PACKET_RTCP) when the socket has a
   * session, as is with PACKET_RAW. False when it cannot be protected (shorter than its header says); send
   * errors go to onSendError and never throw.
   */
  send(packet: Buffer, mode: number, to: Source): boolean {
    if (this.#closed) return true;
    const srtp = this.#srtp;
    const native = this.#native;
    if (native?.setPeer(to.address, to.port)) {
      let r: number;
      if (srtp instanceof NativeSrtpSession && mode !== PACKET_RAW)
        r = native.send(packet, mode, srtp.handle as NativeHandle);
      else {
        const out = this.#protect(packet, mode);
        if (out === undefined) return false;
        r = native.send(out, 0);
      }
      if (r <= STATUS_ERRNO_BASE) this.#options.onSendError(errnoNames.get(STATUS_ERRNO_BASE - r) ?? String(r), to);
      return r === 0 || r <= STATUS_ERRNO_BASE;
    }
    const out = this.#protect(packet, mode);
    if (out === undefined) return false;
    try {
      this.#socket.send(out, to.port, to.address, (error) => {
        if (error) this.#options.onSendError(errorCode(error), to);
      });
    } catch (error) {
      this.#options.onSendError(errorCode(error), to);
    }
    return true;
  }

  #protect(packet: Buffer, mode: number): Buffer | undefined {
    const srtp = this.#srtp;
    if (srtp === undefined || mode === PACKET_RAW) return packet;
    return mode === PACKET_RTCP ? srtp.protectRtcp(packet) : srtp.protectRtp(packet);
  }

  /**
   * Programs the fast route (native path only): RTP received here that matches `p` is rewritten and sent
   * on `out` to its present peer, protected with its session, without JavaScript (see c/addon.c). False
   * when it cannot be (either socket not native, or `out` has no peer yet).
   */
  route(out: MediaSocket, p: RouteParameters, sink: ForwardedHandler): boolean {
    const native = this.#native;
    const to = out.#native;
    if (native === undefined || to === undefined || this.#closed || out.#closed) return false;
    if (!(this.#srtp === undefined || this.#srtp instanceof NativeSrtpSession)) return false;
    if (!(out.#srtp === undefined || out.#srtp instanceof NativeSrtpSession)) return false;
    return native.route(to, p, sink);
  }

  /** Clears this socket's fast route. */
  unroute(): void {
    this.#native?.route(undefined);
  }

  /** Ends the fast routes from and to this socket (its leg's negotiation changed). */
  invalidateRoutes(): void {
    this.#native?.invalidate();
  }

  /** The destination is no longer valid (hold, a new remote): no route sends until the next send() sets it. */
  clearPeer(): void {
    this.#native?.clearPeer();
  }

  /** Stops reading; the socket itself stays its owner's to close. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#native?.close();
    this.#socket.off('message', this.#onMessage);
  }
}

/** A Node error's code (EACCES, ECONNREFUSED, …), or the error as text. */
export function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : String(error);
}
