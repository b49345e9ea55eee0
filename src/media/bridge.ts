// Joins two legs (normally the browser's WebRTC leg and the SIP side's RTP leg) for passthrough:
//
//   leg A ──RTP──▶ Forwarder(A→B, kind) ──▶ leg B        PT rewrite, SSRC/seq/ts continuity,
//   leg A ◀──RTP── Forwarder(B→A, kind) ◀── leg B        RFC 4733 duration scaling
//   feedback (PLI, FIR, NACK) from one leg is re-addressed and sent on the other; NACKed video packets
//   the leg still holds (its retransmission buffer, stream-state.ts) are sent again on that leg instead
//
// The transcoding seam: a Forwarder whose route says the codecs differ would hand the payload to a
// transcoder; issue 4 only routes codecs both sides share, so every route is passthrough.

import type { PayloadTypeMap } from '../sdp/index.js';
import { Forwarder } from './forwarder.js';
import { type Clock, type MediaLeg, type StreamKind, systemClock } from './media-leg.js';
import type { ForwardedPacket, MediaSocket } from './media-socket.js';
import { buildFir, buildNack, buildPli, type RtcpPacket } from './rtp/rtcp-packet.js';
import type { RtpHeader } from './rtp/rtp-header.js';
import { eventToDigit, parseTelephoneEvent } from './rtp/telephone-event.js';
import { TelephoneEventSender } from './sources/telephone-event-sender.js';

export interface DtmfEvent {
  /** The leg the digit came from. */
  legId: string;
  digit: string;
  durationMs: number;
}

export interface BridgeOptions {
  clock?: Clock;
  onDtmf?: (event: DtmfEvent) => void;
  /** A keyframe was requested toward this leg (for the SIP side: send INFO picture_fast_update, RFC 5168). */
  onPictureFastUpdate?: (towardLegId: string) => void;
}

export interface DtmfTarget {
  payloadType: number;
  clockRate: number;
}

class Direction {
  readonly audio: Forwarder;
  readonly video: Forwarder;
  dtmf: DtmfTarget | undefined;
  /** Clock rate of the incoming leg's telephone-event PTs, for durations in ms. */
  inDtmfRates: (number | undefined)[] = new Array(128).fill(undefined);
  lastEventTimestamp = -1;
  firSeq = 0;
  /** The socket whose fast route (native packet path) carries this direction's audio, when one is programmed. */
  routedOn: MediaSocket | undefined;
  /** A sound is played toward `to` (injectAudio): its RTP timestamp at offset 0, and the peer's audio is held back. */
  injectBase: number | undefined;
  /**
   * RFC 4733 events generated toward `to`, in its audio stream: requests queue, so that two keys pressed
   * within a digit's duration never interleave their packets (the far end would read every change of event
   * code as a new key: "12#" became "12#12#1").
   */
  readonly events: TelephoneEventSender;

  constructor(
    readonly from: MediaLeg,
    readonly to: MediaLeg,
    audioRate: () => number,
    readonly clock: Clock,
  ) {
    this.audio = new Forwarder(() => to.localSsrc('audio'), audioRate);
    this.events = new TelephoneEventSender({
      send: (pt, payload, marker, ts) => to.sendRtp('audio', this.audio.inject(payload, pt, marker, ts, clock.now())),
      timestampNow: () => this.audio.currentTimestamp(clock.now()),
    });
    this.video = new Forwarder(
      () => to.localSsrc('video'),
      () => 90000,
    );
    this.audio.onChange = () => this.unroute();
  }

  unroute(): void {
    this.routedOn?.unroute();
    this.routedOn = undefined;
  }

  /**
   * After relaying an audio packet: lets the native packet path carry the ones that follow the same way
   * (same SSRC, a passthrough PT, the same source and destination), as the forwarder just did. Each packet
   * it forwards is counted as rewrite() and the legs would have: received on one stream, sent on the other.
   */
  route(): void {
    const input = this.from.routeInput('audio');
    if (input?.socket.native !== true) return; // the js packet path has no routes
    const output = this.to.routeOutput('audio');
    if (output?.socket.native !== true) return;
    const p = this.audio.fastRoute();
    const { stream: received } = input;
    const { stream: sent, onSendError } = output;
    const forwarder = this.audio;
    const clock = this.clock;
    const sink = (h: ForwardedPacket) => {
      const now = clock.now();
      received.fastRoutePackets++;
      received.onReceived(h.ssrc, h.sequenceNumber, h.timestamp, h.payloadType, h.payloadLength, now);
      const timestamp = forwarder.noteForwarded(h.sequenceNumber, h.timestamp, now);
      if (h.error === 0) sent.onForwarded(h.length, timestamp, now);
      else onSendError(h.error);
    };
    if (input.socket.route(output.socket, { ...p, outSsrc: this.to.localSsrc('audio'), source: input.source }, sink))
      this.routedOn = input.socket;
  }

  forwarder(kind: StreamKind): Forwarder {
    return kind === 'audio' ? this.audio : this.video;
  }
}

export class Bridge {
  readonly #ab: Direction;
  readonly #ba: Direction;
  readonly #clock: Clock;
  readonly #options: BridgeOptions;
  #audioRate = 8000;
  #closed = false;

  constructor(
    readonly a: MediaLeg,
    readonly b: MediaLeg,
    options: BridgeOptions = {},
  ) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    const rate = () => this.#audioRate;
    this.#ab = new Direction(a, b, rate, this.#clock);
    this.#ba = new Direction(b, a, rate, this.#clock);
    a.onRtp = (kind, packet, header) => this.#relay(this.#ab, kind, packet, header);
    b.onRtp = (kind, packet, header) => this.#relay(this.#ba, kind, packet, header);
    a.onRtcp = (kind, packets) => this.#feedback(this.#ab, kind, packets);
    b.onRtcp = (kind, packets) => this.#feedback(this.#ba, kind, packets);
  }

  /**
   * Routes from negotiation (rebuilt after every offer/answer; continuity survives).
   * `aToB.audio` maps PTs arriving on leg A to the PTs leg B's peer wants, and so on.
   */
  setRoutes(routes: {
    aToB: Record<StreamKind, PayloadTypeMap>;
    bToA: Record<StreamKind, PayloadTypeMap>;
    audioClockRate: number;
    /** telephone-event PT and clock each leg's peer wants, when it has one. */
    dtmfTowardA: DtmfTarget | undefined;
    dtmfTowardB: DtmfTarget | undefined;
  }): void {
    this.#audioRate = routes.audioClockRate;
    for (const [dir, r, toward] of [
      [this.#ab, routes.aToB, routes.dtmfTowardB],
      [this.#ba, routes.bToA, routes.dtmfTowardA],
    ] as const) {
      dir.audio.routes = r.audio;
      dir.video.routes = r.video;
      dir.dtmf = toward;
      dir.inDtmfRates = r.audio.map((route) => (route?.kind === 'telephone-event' ? route.inClockRate : undefined));
    }
  }

  #relay(dir: Direction, kind: StreamKind, packet: Buffer, h: RtpHeader): void {
    const now = this.#clock.now();
    const dtmfRate = kind === 'audio' ? dir.inDtmfRates[h.payloadType] : undefined;
    if (dtmfRate !== undefined) this.#observeDtmf(dir, packet, h, dtmfRate);
    // While a sound is injected toward dir.to, the voice of dir.from is replaced (its DTMF events still pass).
    if (kind === 'audio' && dir.injectBase !== undefined && dtmfRate === undefined) return;
    const f = dir.forwarder(kind);
    if (!f.rewrite(packet, h, now)) return;
    dir.to.sendRtp(kind, packet);
    if (kind === 'audio' && dtmfRate === undefined) dir.route();
  }

  #observeDtmf(dir: Direction, packet: Buffer, h: RtpHeader, clockRate: number): void {
    const e = parseTelephoneEvent(packet, h.payloadOffset, h.payloadLength);
    if (!e.ok || !e.value.end || h.timestamp === dir.lastEventTimestamp) return;
    // RFC 4733 §2.5.1.4: the end packet is repeated; one event per timestamp.
    dir.lastEventTimestamp = h.timestamp;
    const digit = eventToDigit(e.value.event);
    if (digit === undefined) return;
    this.#options.onDtmf?.({
      legId: dir.from.id,
      digit,
      durationMs: Math.round((e.value.duration * 1000) / clockRate),
    });
  }

  #feedback(dir: Direction, kind: StreamKind, packets: RtcpPacket[]): void {
    // Feedback received on `dir.from` is about the stream we send it; it must reach the source of that
    // stream, which is the other leg's peer: re-address it to the SSRCs of that leg. NACKed packets that
    // `dir.from` still held come with the NACK (`retransmit`) and go back to its peer instead.
    const back = dir === this.#ab ? this.#ba : this.#ab;
    const source = back.from; // the leg whose peer produced the media
    const sender = source.localSsrc(kind);
    const media = source.remoteSsrc(kind);
    for (const p of packets) {
      if (p.type === 'nack') {
        // RFC 4585 §3.1: the same packet again, in the original stream (same SSRC and sequence number).
        for (const packet of p.retransmit ?? []) dir.from.sendRtp(kind, packet);
        if (media === undefined || p.lost.length === 0) continue;
        const f = back.forwarder(kind);
        source.sendRtcp(
          kind,
          buildNack(
            sender,
            media,
            p.lost.map((s) => f.inboundSequence(s)),
          ),
        );
        continue;
      }
      if (media === undefined) continue;
      if (p.type === 'pli') {
        source.sendRtcp(kind, buildPli(sender, media));
        this.#options.onPictureFastUpdate?.(source.id);
      } else if (p.type === 'fir') {
        source.sendRtcp(kind, buildFir(sender, media, back.firSeq++));
        this.#options.onPictureFastUpdate?.(source.id);
      }
    }
  }

  /**
   * Generates RFC 4733 events toward a leg (browser keypad → SIP device, or SIP INFO → browser).
   * Resolves when the last end packet is sent; rejects nothing: a leg without telephone-event is skipped.
   */
  async sendDtmf(towardLegId: string, digits: string, durationMs = 100, gapMs = 50): Promise<boolean> {
    const dir = towardLegId === this.b.id ? this.#ab : this.#ba;
    const target = dir.dtmf;
    if (target === undefined || this.#closed) return false;
    await dir.events.send(target, digits, durationMs, gapMs);
    return true;
  }

  /**
   * Sends a frame of a sound the server plays toward a leg (inject_sound), in that leg's audio stream: the
   * next sequence number, a timestamp continuing the stream (`offset` samples after the sound's start).
   */
  injectAudio(towardLegId: string, payloadType: number, payload: Buffer, marker: boolean, offset: number): void {
    if (this.#closed) return;
    const dir = towardLegId === this.b.id ? this.#ab : this.#ba;
    const now = this.#clock.now();
    dir.injectBase ??= dir.audio.currentTimestamp(now);
    const ts = (dir.injectBase + offset) >>> 0;
    dir.to.sendRtp('audio', dir.audio.inject(payload, payloadType, marker, ts, now));
  }

  /** The sound toward a leg ended: the other leg's audio flows to it again. */
  endInjection(towardLegId: string): void {
    const dir = towardLegId === this.b.id ? this.#ab : this.#ba;
    dir.injectBase = undefined;
  }

  /** Detaches from the legs (the legs stay open; their owner closes them). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    // Pending DTMF stops at its next step.
    this.#ab.events.close();
    this.#ba.events.close();
    this.#ab.unroute();
    this.#ba.unroute();
    this.a.onRtp = undefined;
    this.b.onRtp = undefined;
    this.a.onRtcp = undefined;
    this.b.onRtcp = undefined;
  }
}
