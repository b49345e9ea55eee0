// Offers and answers of a leg whose far end is the server itself (no partner leg to derive from):
//
//   player  G.711 only (PCMU, PCMA; telephone-event/8000), because the server encodes its sounds itself
//           and has no Opus/G.722 encoder; other streams are rejected (port 0, RFC 3264 §6).
//   echo    every offered audio/video stream accepted with the offer's own codecs and payload types
//           (RFC 3264 §6.1: the answerer may list all offered formats), so packets sent back unchanged are
//           in formats the caller itself declared it can receive: Opus, VP8, H264 work in passthrough.

import {
  answerDirection,
  type Codec,
  isTelephoneEvent,
  type LocalMedia,
  type MediaDescription,
} from '../../sdp/index.js';
import type { G711Law } from './g711.js';

export type EndpointMode = 'player' | 'echo';

const codec = (payloadType: number, name: string, fmtp?: string): Codec => ({
  payloadType,
  name,
  clockRate: 8000,
  channels: 1,
  fmtp,
  rtcpFb: [],
});

/** RFC 3551 §6 static PTs; telephone-event on 101 with the 16 DTMF events (RFC 4733 §7.1.1). */
export const PLAYER_CODECS: readonly Codec[] = [
  codec(0, 'PCMU'),
  codec(8, 'PCMA'),
  codec(101, 'telephone-event', '0-16'),
];

export function g711Law(c: Pick<Codec, 'name' | 'clockRate'>): G711Law | undefined {
  const name = c.name.toUpperCase();
  return c.clockRate === 8000 && (name === 'PCMU' || name === 'PCMA') ? name : undefined;
}

/** The offer of a player leg: one audio stream, G.711 and DTMF events. */
export function endpointOffer(): LocalMedia[] {
  return [{ kind: 'audio', port: 0, codecs: [...PLAYER_CODECS], direction: 'sendrecv', ptime: 20 }];
}

export type EndpointAnswer = { ok: true; media: LocalMedia[] } | { ok: false; reason: string };

/** The answer of an endpoint leg to an offer, m= line by m= line (RFC 3264 §6). */
export function endpointAnswer(mode: EndpointMode, offer: MediaDescription[]): EndpointAnswer {
  let live = 0;
  const media = offer.map((m): LocalMedia => {
    const rejected: LocalMedia = { kind: m.kind, port: 0, codecs: [], direction: 'inactive' };
    if (m.port === 0 || (m.kind !== 'audio' && m.kind !== 'video')) return rejected;
    if (mode === 'echo') {
      live++;
      return { kind: m.kind, port: 0, codecs: m.codecs, direction: answerDirection(m.direction) };
    }
    if (m.kind !== 'audio' || live > 0) return rejected;
    const voice = m.codecs.find((c) => g711Law(c) !== undefined);
    if (voice === undefined) return rejected;
    live++;
    const events = m.codecs.find((c) => isTelephoneEvent(c) && c.clockRate === 8000);
    return {
      kind: 'audio',
      port: 0,
      codecs: events === undefined ? [voice] : [voice, events],
      direction: answerDirection(m.direction),
      ptime: 20,
    };
  });
  if (live === 0) {
    return {
      ok: false,
      reason:
        mode === 'player'
          ? 'the offer has no PCMU or PCMA audio: the server plays its sounds in G.711 only'
          : 'the offer has no audio or video stream',
    };
  }
  return { ok: true, media };
}
