// What the bridge needs from a leg (WebRTC or RTP): a packet callback per direction, a way to send
// rewritten packets, the SSRC the leg sends with, and stats. Callbacks, not events, on the packet path:
// one function call per packet and no listener arrays.

import type { MediaSocket, Source } from './media-socket.js';
import type { RtcpPacket } from './rtp/rtcp-packet.js';
import type { RtpHeader } from './rtp/rtp-header.js';
import type { StreamState } from './stream-state.js';

export type StreamKind = 'audio' | 'video';

export interface StreamStats {
  kind: StreamKind;
  codec: string | undefined;
  packetsSent: number;
  bytesSent: number;
  packetsReceived: number;
  bytesReceived: number;
  /** RFC 3550 §6.4.1 cumulative lost of the received stream. */
  packetsLost: number;
  /** Interarrival jitter of the received stream, in ms. */
  jitterMs: number;
  /** From the peer's RTCP receiver reports, when it sent any. */
  roundTripTimeMs: number | undefined;
  /** Received packets the native packet path relayed on its own (fast route; also in packetsReceived). */
  fastRoutePackets?: number;
  /** Packets that failed to parse (RTP, RTCP) or to authenticate (SRTP). */
  invalidPackets: number;
  /** Packets dropped because they came from another address than the latched one. */
  unexpectedSourcePackets: number;
  /** Sends that failed or errors the leg's sockets reported (counted, never thrown). */
  socketErrors?: number;
  /** Generic NACKs (RFC 4585 §6.2.1) the peer sent about this stream. */
  nackCount?: number;
  /** Packets sent again from the leg's retransmission buffer in answer to them (included in packetsSent). */
  retransmittedPackets?: number;
}

export interface LegStats {
  legId: string;
  streams: StreamStats[];
  /** The SRTP protection profile in use (RFC 5764 / RFC 4568 name); absent for plain RTP. */
  srtpProfile?: string;
}

export interface MediaLeg {
  readonly id: string;
  /** Receives each valid RTP packet (the buffer may be rewritten in place and forwarded). */
  onRtp: ((kind: StreamKind, packet: Buffer, header: RtpHeader) => void) | undefined;
  /** Receives the parsed RTCP packets that are not the leg's own business (feedback, BYE). */
  onRtcp: ((kind: StreamKind, packets: RtcpPacket[]) => void) | undefined;
  sendRtp(kind: StreamKind, packet: Buffer): void;
  sendRtcp(kind: StreamKind, packet: Buffer): void;
  /** The SSRC this leg sends a stream with (the bridge writes it into forwarded packets). */
  localSsrc(kind: StreamKind): number;
  /** The SSRC of the peer's stream, when known (for feedback addressed to it). */
  remoteSsrc(kind: StreamKind): number | undefined;
  stats(): LegStats;
  close(): Promise<void>;

  // The native packet path's fast routes (media-socket.ts, native/c/addon.c): the bridge programs them
  // from what it just relayed, and counts what they forward in the legs' streams.
  /** Where `kind` arrives, and the only source accepted (undefined: any), for a fast route. */
  routeInput(kind: StreamKind): { socket: MediaSocket; source: Source | undefined; stream: StreamState } | undefined;
  /**
   * The socket `kind` goes out on now (its peer set by the last send), for a fast route, and where a failed
   * send of the route is reported (an errno).
   */
  routeOutput(
    kind: StreamKind,
  ): { socket: MediaSocket; stream: StreamState; onSendError: (errno: number) => void } | undefined;
}

export interface Clock {
  /** Wall-clock ms (Date.now()), used for RTCP NTP times and arrival times. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
