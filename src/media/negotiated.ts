// What was negotiated on a leg, per m= line: what we declared to the leg's peer and what it declared to us.

import type { Codec, LocalMedia, MediaDescription } from '../sdp/index.js';
import type { StreamKind } from './media-leg.js';

export interface Negotiated {
  local: LocalMedia[] | undefined;
  remote: MediaDescription[] | undefined;
}

/** Codecs of the first live stream of a kind: a remote m= with port 0 is rejected; our own derived
 * media leave port 0 for the leg to fill, and are rejected when they have no codecs. */
export function codecsOf(media: (LocalMedia | MediaDescription)[] | undefined, kind: StreamKind): Codec[] {
  const m = media?.find((x) => x.kind === kind && x.codecs.length > 0 && ('protocol' in x ? x.port !== 0 : true));
  return m?.codecs ?? [];
}
