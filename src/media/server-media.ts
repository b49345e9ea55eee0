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
    this.#packetizer ??= new RtpPacketizer(() => this.leg.localSsrc('audio'));
    const packetizer = this.#packetizer;
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
        if (bridge !== undefined) bridge.injectAudio(legId, target.payloadType, f.payload, f.marker, f.offset);
        else
          this.leg.sendRtp(
            'audio',
            packetizer.packet(target.payloadType, f.payload, f.marker, f.offset, systemClock.now()),
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

  /** Stops whatever the server sends on the leg. Idempotent. */
  close(): void {
    this.#player?.stop();
    this.#player = undefined;
  }
}
