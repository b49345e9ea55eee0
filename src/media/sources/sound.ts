// play() of the media plane, without the plane's bookkeeping: picks the G.711 codec both sides negotiated
// on the leg (the payload type the peer declared for it), builds the PCM source and the paced player, and
// turns failures into MediaErrors with codes.

import { type Codec, sameCodec } from '../../sdp/index.js';
import { MediaError } from '../errors.js';
import { g711Law } from './endpoint-negotiation.js';
import type { G711Law } from './g711.js';
import { createPcmSource, type MediaSource } from './pcm-source.js';
import { type PlayerClock, type PlayerFrame, RtpPlayer } from './rtp-player.js';

export interface SoundTarget {
  law: G711Law;
  /** The payload type the leg's peer receives the codec with (RFC 3264 §5.1). */
  payloadType: number;
}

/**
 * The G.711 codec to send on a leg: one we declared (`local`) and the peer declared (`remote`); RFC 3264
 * §6.1 lets either side send any codec both listed, so a call that talks Opus can still carry a PCMU sound
 * when both offered PCMU too.
 */
export function soundTarget(legId: string, local: Codec[], remote: Codec[]): SoundTarget {
  for (const prefer of ['PCMU', 'PCMA'] as const) {
    const theirs = remote.find((c) => g711Law(c) === prefer && local.some((l) => sameCodec(l, c)));
    if (theirs !== undefined) return { law: prefer, payloadType: theirs.payloadType };
  }
  const names = remote.map((c) => c.name).join(', ') || 'none';
  throw new MediaError(
    'MEDIA_NO_COMMON_CODEC',
    `[leg:${legId}] no PCMU or PCMA negotiated toward the peer (it has ${names}): sounds are played in G.711 only`,
    { sipStatus: 488 },
  );
}

export function startSound(o: {
  legId: string;
  source: MediaSource;
  loop: boolean;
  law: G711Law;
  clock?: PlayerClock;
  onFrame: (frame: PlayerFrame) => void;
  onEnded: () => void;
}): RtpPlayer {
  const pcm = createPcmSource(o.source, 8000, o.loop);
  if (!pcm.ok) throw new MediaError(pcm.code, `[leg:${o.legId}] cannot play: ${pcm.reason}`);
  const player = new RtpPlayer({
    source: pcm.value,
    law: o.law,
    onFrame: o.onFrame,
    onEnded: o.onEnded,
    ...(o.clock ? { clock: o.clock } : {}),
  });
  player.start();
  return player;
}
