// The native engine's JavaScript side: one per thread. It hands the addon a shared entry table, gets every
// datagram read in one event-loop iteration in one call, and dispatches each to the handler of the socket
// it came from. Attaching takes a node:dgram socket's reading away from libuv (recvStop on its handle;
// the addon polls a dup() of its descriptor) and leaves the socket itself to its owner: sends by Node
// (werift's STUN and DTLS) still go out on it, and closing it is still the owner's.

import type { Socket } from 'node:dgram';
import { newRtpHeader, type RtpHeader } from '../rtp/rtp-header.js';
import { ENTRY_INTS, type NativeAddon, type NativeHandle } from './native-addon.js';

/** Statuses of a received datagram (c/addon.c). */
export const PACKET_RAW = 0;
export const PACKET_RTP = 1;
export const PACKET_RTCP = 2;
export const PACKET_FORWARDED = 3;
export const PACKET_FORWARD_FAILED = 4;
export const PACKET_TRUNCATED = -4;

/**
 * `data` is a view of the batch (valid for as long as it is referenced); `ip` is the source IPv4 address as
 * an unsigned 32-bit number. status: PACKET_*, or below 0 dropped (PSRTP_* codes, -1000 - errno).
 */
export type PacketHandler = (status: number, data: Buffer, ip: number, port: number) => void;

/**
 * A packet the fast route forwarded (or tried to: `error` is the send's errno, 0 when it went out): the
 * incoming header's fields, for the legs' statistics and the bridge's bookkeeping. One object per thread,
 * refilled for each packet: read it, do not keep it.
 */
export interface ForwardedPacket extends RtpHeader {
  /** Bytes of the plain packet. */
  length: number;
  error: number;
}

export type ForwardedHandler = (packet: ForwardedPacket) => void;

export interface RouteParameters {
  inSsrc: number;
  outSsrc: number;
  sequenceOffset: number;
  timestampOffset: number;
  /** 128 bytes: the outgoing PT per incoming PT, 255 when not routed. */
  payloadTypes: Buffer;
  /** Packets only from there (a latched RTP peer); undefined: any source. */
  source: { address: string; port: number } | undefined;
}

/** What is read of node:dgram's internals (Node 20: the socket's 'state symbol' holds the UDP handle). */
interface DgramState {
  handle?: { fd?: unknown; recvStop?: () => number; recvStart?: () => number } | null;
}

function dgramState(socket: Socket): DgramState | undefined {
  const key = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'state symbol');
  return key === undefined ? undefined : (socket as unknown as Record<symbol, DgramState | undefined>)[key];
}

const EMPTY = Buffer.alloc(0);

export class PacketEngine {
  readonly #addon: NativeAddon;
  readonly #meta: Int32Array;
  readonly #handlers: (PacketHandler | undefined)[] = [];
  readonly #forwarded: (ForwardedHandler | undefined)[] = [];
  readonly #packet: ForwardedPacket = { ...newRtpHeader(), length: 0, error: 0 };
  readonly #freeIds: number[] = [];
  /** Ids closed since the last batch: a batch may still hold their datagrams, so they are reused only after it. */
  readonly #closedIds: number[] = [];

  constructor(addon: NativeAddon) {
    this.#addon = addon;
    this.#meta = new Int32Array(256 * ENTRY_INTS);
    addon.init((batch, count) => this.#dispatch(batch, count), this.#meta);
  }

  get addon(): NativeAddon {
    return this.#addon;
  }

  /**
   * Takes over reading `socket` (IPv4 only); undefined when it cannot (IPv6, not bound, an unknown Node
   * internal shape): the caller keeps reading it with node:dgram.
   */
  attach(socket: Socket, rtcpOnly: boolean, handler: PacketHandler): NativeSocket | undefined {
    let family: string;
    try {
      family = socket.address().family;
    } catch {
      return undefined;
    }
    const state = dgramState(socket);
    const handle = state?.handle;
    if (family !== 'IPv4' || typeof handle?.fd !== 'number' || handle.fd < 0 || typeof handle.recvStop !== 'function')
      return undefined;
    const id = this.#freeIds.pop() ?? this.#handlers.length;
    const native = this.#addon.attach(handle.fd, id, rtcpOnly);
    handle.recvStop();
    this.#handlers[id] = handler;
    return new NativeSocket(
      this.#addon,
      native,
      (sink) => {
        this.#forwarded[id] = sink;
      },
      () => {
        this.#handlers[id] = undefined;
        this.#forwarded[id] = undefined;
        this.#closedIds.push(id);
        // Give the reading back to Node if the socket is still open (its owner may go on using it).
        if (state?.handle === handle) handle.recvStart?.();
      },
    );
  }

  #dispatch(batch: Buffer, count: number): void {
    const meta = this.#meta;
    for (let i = 0, at = 0; i < count; i++, at += ENTRY_INTS) {
      const id = meta[at] as number;
      const handler = this.#handlers[id];
      if (handler === undefined) continue;
      const offset = meta[at + 1] as number;
      const length = meta[at + 2] as number;
      const status = meta[at + 3] as number;
      try {
        if (status === PACKET_FORWARDED || status === PACKET_FORWARD_FAILED) {
          const packed = meta[at + 8] as number;
          const p = this.#packet;
          p.ssrc = (meta[at + 6] as number) >>> 0;
          p.sequenceNumber = packed & 0xffff;
          p.timestamp = (meta[at + 7] as number) >>> 0;
          p.payloadType = (packed >>> 16) & 0x7f;
          p.marker = (packed & 0x800000) !== 0;
          p.payloadLength = offset;
          p.payloadOffset = 0;
          p.length = length;
          p.error = (packed >>> 24) & 0xff;
          this.#forwarded[id]?.(p);
          continue;
        }
        handler(
          status,
          length > 0 ? batch.subarray(offset, offset + length) : EMPTY,
          (meta[at + 4] as number) >>> 0,
          meta[at + 5] as number,
        );
      } catch (error) {
        // One call's bug must not cost the other calls in this batch their packets.
        process.emitWarning(error instanceof Error ? error : new Error(String(error)), 'ParleyPacketPath');
      }
    }
    // Ids closed before or during this batch are reused only now: none of its entries can name them any more.
    if (this.#closedIds.length > 0) this.#freeIds.push(...this.#closedIds.splice(0));
  }
}

/** A socket whose reading the engine took over; sends go out on it with one native call. */
export class NativeSocket {
  #peerAddress = '';
  #peerPort = -1;
  #closed = false;

  constructor(
    readonly addon: NativeAddon,
    readonly handle: NativeHandle,
    /** Where the packets this socket's fast route forwards are told (the engine's table). */
    readonly setSink: (sink: ForwardedHandler | undefined) => void,
    readonly onClose: () => void,
  ) {}

  /** Where send() goes; false when `address` is not an IPv4 literal (the caller sends some other way). */
  setPeer(address: string, port: number): boolean {
    if (address === this.#peerAddress && port === this.#peerPort) return true;
    const ip = parseIpv4(address);
    if (ip === undefined) return false;
    this.#peerAddress = address;
    this.#peerPort = port;
    this.addon.setPeer(this.handle, ip, port);
    return true;
  }

  setSrtp(session: NativeHandle | undefined): void {
    if (!this.#closed) this.addon.setSrtp(this.handle, session ?? null);
  }

  /** Forgets the peer: nothing is sent (and no route sends) until setPeer again. */
  clearPeer(): void {
    if (this.#closed || this.#peerPort === 0) return;
    this.#peerAddress = '';
    this.#peerPort = 0;
    this.addon.setPeer(this.handle, 0, 0);
  }

  /**
   * Programs this socket's fast route toward `out` (undefined clears it); `sink` hears of each packet it
   * forwards. False when it could not be programmed.
   */
  route(out: NativeSocket | undefined, p?: RouteParameters, sink?: ForwardedHandler): boolean {
    if (this.#closed) return false;
    this.setSink(undefined);
    if (out === undefined || p === undefined || sink === undefined) {
      this.addon.setRoute(this.handle, null);
      return false;
    }
    const ip = p.source === undefined ? 0 : parseIpv4(p.source.address);
    if (ip === undefined) return false;
    const programmed =
      this.addon.setRoute(
        this.handle,
        out.handle,
        p.inSsrc >>> 0,
        p.outSsrc >>> 0,
        p.sequenceOffset & 0xffff,
        p.timestampOffset >>> 0,
        p.payloadTypes,
        ip,
        p.source?.port ?? 0,
      ) === 1;
    if (programmed) this.setSink(sink);
    return programmed;
  }

  /** Ends the routes from and to this socket. */
  invalidate(): void {
    if (!this.#closed) this.addon.invalidate(this.handle);
  }

  /** mode: 0 as is, 1 protect as SRTP, 2 as SRTCP (with `session`). 0 or a negative code (native-addon.ts). */
  send(packet: Buffer, mode: number, session?: NativeHandle): number {
    return this.addon.send(this.handle, packet, mode, session);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.addon.detach(this.handle);
    this.onClose();
  }
}

/** a.b.c.d → unsigned 32-bit number; undefined for anything else (IPv6, names). */
export function parseIpv4(address: string): number | undefined {
  const parts = address.split('.');
  if (parts.length !== 4) return undefined;
  let ip = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    ip = ip * 256 + n;
  }
  return ip;
}

export function formatIpv4(ip: number): string {
  return `${ip >>> 24}.${(ip >>> 16) & 0xff}.${(ip >>> 8) & 0xff}.${ip & 0xff}`;
}

let engine: PacketEngine | undefined;

/** This thread's engine (created with the first attach). */
export function packetEngine(addon: NativeAddon): PacketEngine {
  engine ??= new PacketEngine(addon);
  return engine;
}
