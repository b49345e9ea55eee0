// The bridge's routes from what each leg negotiated: per direction and kind, the payload types arriving on
// one leg mapped to those the other leg's peer declared (src/sdp buildPayloadTypeMap), the telephone-event
// each peer wants, and the audio clock that DTMF timestamps run on.

import { buildPayloadTypeMap, isTelephoneEvent, type PayloadTypeMap } from '../sdp/index.js';
import type { Bridge, DtmfTarget } from './bridge.js';
import type { StreamKind } from './media-leg.js';
import { codecsOf, type Negotiated } from './negotiated.js';

type Routes = Parameters<Bridge['setRoutes']>[0];

function routes(from: Negotiated, to: Negotiated): Record<StreamKind, PayloadTypeMap> {
  const map = (kind: StreamKind) =>
    buildPayloadTypeMap(codecsOf(from.local, kind), codecsOf(to.remote, kind), codecsOf(from.remote, kind));
  return { audio: map('audio'), video: map('video') };
}

/** The telephone-event a leg's peer wants: at its voice codec's rate when it declared one, else any. */
function dtmfToward(to: Negotiated): DtmfTarget | undefined {
  const codecs = codecsOf(to.remote, 'audio');
  const rate = codecs.find((c) => !isTelephoneEvent(c))?.clockRate;
  const te = codecs.find((c) => isTelephoneEvent(c) && c.clockRate === rate) ?? codecs.find(isTelephoneEvent);
  return te === undefined ? undefined : { payloadType: te.payloadType, clockRate: te.clockRate };
}

/** Routes for Bridge.setRoutes, `a` and `b` being the bridge's legs A and B. */
export function bridgeRoutes(a: Negotiated, b: Negotiated): Routes {
  return {
    aToB: routes(a, b),
    bToA: routes(b, a),
    audioClockRate: codecsOf(a.local, 'audio').find((c) => !isTelephoneEvent(c))?.clockRate ?? 8000,
    dtmfTowardA: dtmfToward(a),
    dtmfTowardB: dtmfToward(b),
  };
}
