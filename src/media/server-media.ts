// What the server itself sends on a leg, apart from the bridge (see sources/): the negotiation of endpoint
// legs (player, echo: the server is the far end), their packet side (echo, digits received), and the
// sounds play() sends, either in the leg's own stream (an endpoint leg, or any leg without a bridge) or
// injected into a bridged leg's stream (inject_sound). The media plane keeps one per leg.

import { isTelephoneEvent, type LocalMedia, type MediaDescription } from '../sdp/index.js';
import type { Bridge } from './bridge.js';
import { MediaError } from './errors.js';
import { type MediaLeg, systemClock } from './media-leg.js';
import { codecsOf, type Negotiated } from './negotiated.js';
import { type EndpointMode, endpointAnswer, endpointOffer } from './sources/endpoint-negotiation.js';
import { attachEndpoint } from './sources/leg-endpoint.js';
import type { MediaSource } from './sources/pcm-source.js';
import { RtpPacketizer } from './sources/rtp-packetizer.js';
import type { RtpPlayer } from './sources/rtp-player.js';
import { soundTarget, startSound } from './sources/sound.js';
import { TelephoneEventSender } from './sources/telephone-event-sender.js';

export interface ServerMediaEvents {
  /** An RFC 4733 digit received on an endpoint leg. */
  onDtmf: (digit: string, durationMs: number) => void;
  /** A sound played once reached its end (not after stop()). */
  onPlayEnded: () => void;
}

export class ServerMedia {
  /** The sound playing toward the leg's peer. */
  #player: RtpPlayer | undefined;
  /** The stream of the sounds played on a leg without a bridge (one per leg: sounds follow each other). */
  #packetizer: RtpPacketizer | undefined;
  /** RFC 4733 digits sent by a player leg, in the same stream. */
  #events: TelephoneEventSender | undefined;
  /** A sound frame was held back for an event: the next one opens a talkspurt (RFC 3551 §4.1 marker). */
  #heldBack = false;

  constructor(
    readonly legId: string,
    readonly leg: MediaLeg,
    /** The server is this leg's far end: no partner, negotiation of its own. */
    readonly endpoint: EndpointMode | undefined,
    readonly events: ServerMediaEvents,
  ) {}

  /** The offer of a player leg (a call from the server). */
  offer(): LocalMedia[] {
    return endpointOffer();
  }

  /** The answer of an endpoint leg; rejects with MEDIA_NO_COMMON_CODEC (488). */
  answer(offer: MediaDescription[]): LocalMedia[] {
    const answer = endpointAnswer(this.endpoint ?? 'player', offer);
    if (!answer.ok) {
      throw new MediaError('MEDIA_NO_COMMON_CODEC', `[leg:${this.legId}] ${answer.reason}`, { sipStatus: 488 });
    }
    return answer.media;
  }

  /** An endpoint leg's packets: echoed or consumed; RFC 4733 digits reported. */
  attach(negotiated: Negotiated): void {
    if (this.endpoint === undefined) return;
    const eventRates = new Map(
      codecsOf(negotiated.local, 'audio')
        .filter(isTelephoneEvent)
        .map((c) => [c.payloadType, c.clockRate] as const),
    );
    attachEndpoint(this.leg, { mode: this.endpoint, eventRates, onDtmf: this.events.onDtmf });
  }

  /** Plays a sound toward the leg's peer, replacing the one playing (MediaPlane.play). */
  play(negotiated: Negotiated, bridge: Bridge | undefined, source: MediaSource, loop: boolean): void {
    const legId = this.legId;
    const local = codecsOf(negotiated.local, 'audio');
    const remote = codecsOf(negotiated.remote, 'audio');
    if (local.length === 0 || remote.length === 0) {
      throw new MediaError('MEDIA_BAD_STATE', `[leg:${legId}] no audio negotiated yet to play into`);
    }
    const target = soundTarget(legId, local, remote);
    const packetizer = this.#stream();
    // A new sound replaces the one playing, and starts its own timestamps from the stream's current time.
    this.#player?.stop();
    this.#player = undefined;
    bridge?.endInjection(legId);
    packetizer.beginSound(systemClock.now());
    const player = startSound({
      legId,
      source,
      loop,
      law: target.law,
      onFrame: (f) => {
        if (bridge !== undefined) {
          bridge.injectAudio(legId, target.payloadType, f.payload, f.marker, f.offset);
          return;
        }
        // While a digit is sent the sound's frames give way (their time passes: timestamps stay true).
        if (this.#events?.active) {
          this.#heldBack = true;
          return;
        }
        const marker = f.marker || this.#heldBack;
        this.#heldBack = false;
        this.leg.sendRtp(
          'audio',
          packetizer.packet(target.payloadType, f.payload, marker, f.offset, systemClock.now()),
        );
      },
      onEnded: () => {
        if (this.#player !== player) return;
        this.#player = undefined;
        bridge?.endInjection(legId);
        this.events.onPlayEnded();
      },
    });
    this.#player = player;
  }

  /** Stops the sound (MediaPlane.stopPlaying). Idempotent. */
  stop(bridge: Bridge | undefined): void {
    if (this.#player === undefined) return;
    this.#player.stop();
    this.#player = undefined;
    bridge?.endInjection(this.legId);
  }

  /**
   * RFC 4733 digits from a player leg, in its own stream (the sound playing gives way meanwhile), with the
   * telephone-event/8000 payload type the peer declared. Resolves false when the peer negotiated none, and
   * on other legs: an echo's stream is the caller's own packets (their sequence numbers), with no room for
   * ours. Bridged legs send digits through the bridge.
   */
  async sendDtmf(negotiated: Negotiated, digits: string, durationMs: number): Promise<boolean> {
    if (this.endpoint !== 'player') return false;
    const ours = codecsOf(negotiated.local, 'audio').some((c) => isTelephoneEvent(c) && c.clockRate === 8000);
    const theirs = codecsOf(negotiated.remote, 'audio').find((c) => isTelephoneEvent(c) && c.clockRate === 8000);
    if (!ours || theirs === undefined) return false;
    const stream = this.#stream();
    this.#events ??= new TelephoneEventSender({
      timestampNow: () => stream.timestampAt(systemClock.now()),
      send: (pt, payload, marker, ts) =>
        this.leg.sendRtp('audio', stream.packetAt(pt, payload, marker, ts, systemClock.now())),
    });
    await this.#events.send({ payloadType: theirs.payloadType, clockRate: 8000 }, digits, durationMs);
    return true;
  }

  #stream(): RtpPacketizer {
    this.#packetizer ??= new RtpPacketizer(() => this.leg.localSsrc('audio'));
    return this.#packetizer;
  }

  /** Stops whatever the server sends on the leg. Idempotent. */
  close(): void {
    this.#player?.stop();
    this.#player = undefined;
    this.#events?.close();
  }
}
