// The packet side of a leg whose far end is the server itself: an echo sends every received RTP packet
// back to where it came from (its SSRC replaced by the leg's own: RFC 3550 §8.2, a sender must not see its
// own SSRC come back as another source), and both kinds report the RFC 4733 digits they receive. A keyframe
// request (PLI, FIR: RFC 4585 §6.3.1, RFC 5104 §4.3.1) received by an echo is about the video it sends, whose
// real source is the caller's encoder: it goes back to the caller as a PLI for the caller's own stream.

import type { MediaLeg, StreamKind } from '../media-leg.js';
import { buildPli } from '../rtp/rtcp-packet.js';
import { setSsrc } from '../rtp/rtp-header.js';
import { eventToDigit, parseTelephoneEvent } from '../rtp/telephone-event.js';
import type { EndpointMode } from './endpoint-negotiation.js';

export interface EndpointOptions {
  mode: EndpointMode;
  /** telephone-event payload types this leg receives, with their clock rates. */
  eventRates: ReadonlyMap<number, number>;
  onDtmf: (digit: string, durationMs: number) => void;
}

/** Takes over the leg's packet callbacks (the leg has no bridge). */
export function attachEndpoint(leg: MediaLeg, o: EndpointOptions): void {
  let lastEventTimestamp = -1;
  leg.onRtcp =
    o.mode === 'echo'
      ? (kind, packets) => {
          const theirs = leg.remoteSsrc(kind);
          if (theirs === undefined || !packets.some((p) => p.type === 'pli' || p.type === 'fir')) return;
          leg.sendRtcp(kind, buildPli(leg.localSsrc(kind), theirs));
        }
      : undefined;
  leg.onRtp = (kind: StreamKind, packet, h) => {
    const rate = kind === 'audio' ? o.eventRates.get(h.payloadType) : undefined;
    if (rate !== undefined) {
      const e = parseTelephoneEvent(packet, h.payloadOffset, h.payloadLength);
      // RFC 4733 §2.5.1.4: the end packet is sent three times; one digit per event timestamp.
      if (e.ok && e.value.end && h.timestamp !== lastEventTimestamp) {
        lastEventTimestamp = h.timestamp;
        const digit = eventToDigit(e.value.event);
        if (digit !== undefined) o.onDtmf(digit, Math.round((e.value.duration * 1000) / rate));
      }
    }
    if (o.mode === 'echo') {
      setSsrc(packet, leg.localSsrc(kind));
      leg.sendRtp(kind, packet);
    }
  };
}
