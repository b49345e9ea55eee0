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
 */
export function buildPayloadTypeMap(inbound: Codec[], outbound: Codec[]): PayloadTypeMap {
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
  return map;
}
