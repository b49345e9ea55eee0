// What a re-offer decided by Parley itself offers on one leg (MediaPlane.update): hold and resume offer the
// codecs in use; an offer to a new peer (we followed a REFER) offers what the other leg's peer can do.

import {
  type Codec,
  type Direction,
  deriveOffer,
  isTelephoneEvent,
  type LocalMedia,
  type MediaDescription,
  type SessionDescription,
  sameCodec,
} from '../sdp/index.js';

const sameOrEvent = (a: Codec, b: Codec): boolean =>
  isTelephoneEvent(a) ? isTelephoneEvent(b) && a.clockRate === b.clockRate : sameCodec(a, b);

/** Only the codecs in use, so that the answer cannot move this side off the other side's codec. */
export function inUseMedia(local: LocalMedia[], remote: MediaDescription[], direction: Direction): LocalMedia[] {
  return local.map((m, i): LocalMedia => {
    const theirs = remote[i]?.codecs ?? [];
    const inUse = m.codecs.filter((c) => theirs.some((t) => sameOrEvent(c, t)));
    return inUse.length === 0 ? { ...m, codecs: [], direction: 'inactive' } : { ...m, codecs: inUse, direction };
  });
}

/**
 * For a new peer that replaces the current one: what the other leg's peer can do, from its description of
 * the last exchange (`partnerRemote`: its own offer when it offered, everything it listed; its answer when it
 * answered, at least the codecs in use), so that a new peer without the codec in use can still answer (the
 * other leg's peer is then re-offered the new peer's choice). Streams rejected on this leg stay rejected; the
 * codecs in use when the partner's description gives nothing usable.
 */
export function newPeerMedia(
  local: LocalMedia[],
  remote: MediaDescription[],
  partnerRemote: SessionDescription | undefined,
  direction: Direction,
): LocalMedia[] {
  const inUse = inUseMedia(local, remote, direction);
  const derived = partnerRemote === undefined ? undefined : deriveOffer(partnerRemote, 'rtp');
  if (derived === undefined || !derived.ok || derived.value.length !== local.length) return inUse;
  return derived.value.map((m, i): LocalMedia => {
    const current = inUse[i];
    if (current === undefined || current.codecs.length === 0 || m.codecs.length === 0) return current ?? m;
    return { ...m, direction };
  });
}
