// Negotiated codecs in werift's terms. werift 0.24 matches codecs by MIME type only (no clock rate, no
// fmtp) and takes the list at construction; Parley writes the browser's SDP itself, so werift's list
// only has to let its transceivers accept the browser's m= sections.

import { RTCRtpCodecParameters, useH264, useOPUS, usePCMU, useVP8 } from 'werift';
import type { LocalMedia } from '../sdp/index.js';
import type { StreamKind } from './media-leg.js';

export function toWeriftCodecs(media: LocalMedia[], kind: StreamKind): RTCRtpCodecParameters[] {
  // deriveOffer/deriveAnswer leave port 0 for the leg to fill; a rejected stream has no codecs.
  const m = media.find((x) => x.kind === kind && x.codecs.length > 0);
  if (m === undefined) {
    // werift refuses a remote m= section it has no codec for ("negotiate codecs failed"), even one our
    // SDP rejects (port 0): give it the usual ones; the browser only ever sees the rejection.
    return kind === 'audio' ? [useOPUS(), usePCMU()] : [useVP8(), useH264()];
  }
  return m.codecs.map(
    (c) =>
      new RTCRtpCodecParameters({
        mimeType: `${kind}/${c.name}`,
        clockRate: c.clockRate,
        payloadType: c.payloadType,
        ...(c.channels > 1 ? { channels: c.channels } : {}),
        ...(c.fmtp !== undefined ? { parameters: c.fmtp } : {}),
        rtcpFeedback: c.rtcpFb.map((fb) => {
          const [type, parameter] = fb.split(' ');
          return { type: type ?? fb, ...(parameter !== undefined ? { parameter } : {}) };
        }),
      }),
  );
}
