// Payload-type mapping between legs. RFC 3264 §5.1: a payload type number means what the RECEIVER
// declared. Packets arriving on leg X carry the numbers we declared to X; they leave on leg Y with the
// numbers Y's peer declared. Each mapping is one direction; build one per direction.

import { type Codec, isTelephoneEvent, sameCodec } from './codec.js';

export interface PayloadTypeRoute {
  payloadType: number;
  /** 'telephone-event' packets may need their duration scaled between clock rates (RFC 4733 §2.5.1.3). */
  kind: 'media' | 'telephone-event';
  inClockRate: number;
  outClockRate: number;
  codec: string;
}

/** A plain array indexed by the incoming PT (0..127): one lookup per packet, no hashing. */
export type PayloadTypeMap = (PayloadTypeRoute | undefined)[];

/**
 * @param inbound the codecs we declared for receiving on the incoming leg
 * @param outbound the codecs the outgoing leg's peer declared for receiving
 * @param inboundPeer the codecs the incoming leg's peer declared. DEVIATION (RFC 3264 §5.1): many devices
 *   send with their own numbers (baresip answers opus as 96 to an offer of 111, then sends 96); a PT of
 *   theirs that we did not use for something else is accepted as the codec they meant.
 */
export function buildPayloadTypeMap(inbound: Codec[], outbound: Codec[], inboundPeer: Codec[] = []): PayloadTypeMap {
  const map: PayloadTypeMap = new Array(128).fill(undefined);
  for (const c of inbound) {
    if (c.payloadType < 0 || c.payloadType > 127) continue;
    if (isTelephoneEvent(c)) {
      const out =
        outbound.find((o) => isTelephoneEvent(o) && o.clockRate === c.clockRate) ??
        outbound.find((o) => isTelephoneEvent(o));
      if (out !== undefined) {
        map[c.payloadType] = {
          payloadType: out.payloadType,
          kind: 'telephone-event',
          inClockRate: c.clockRate,
          outClockRate: out.clockRate,
          codec: 'telephone-event',
        };
      }
      continue;
    }
    const out = outbound.find((o) => !isTelephoneEvent(o) && sameCodec(c, o));
    if (out !== undefined) {
      map[c.payloadType] = {
        payloadType: out.payloadType,
        kind: 'media',
        inClockRate: c.clockRate,
        outClockRate: out.clockRate,
        codec: c.name,
      };
    }
  }
  const declared = new Set(inbound.map((c) => c.payloadType));
  for (const c of inboundPeer) {
    if (c.payloadType < 0 || c.payloadType > 127 || declared.has(c.payloadType)) continue;
    const ours = inbound.find((o) =>
      isTelephoneEvent(c)
        ? isTelephoneEvent(o) && o.clockRate === c.clockRate
        : !isTelephoneEvent(o) && sameCodec(c, o),
    );
    const route = ours === undefined ? undefined : map[ours.payloadType];
    if (route !== undefined) map[c.payloadType] = route;
  }
  return map;
}
