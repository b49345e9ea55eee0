// Offer/answer across the gateway: an offer received on one leg becomes an offer on the other leg (same
// streams, the codecs Parley can pass through, in the offerer's order and with the offerer's payload
// types), and the answer from that other leg becomes the answer to the first offerer. The result keeps
// both ends on one codec per stream so that media passes through untranscoded.
//
//   browser ──WebRTC offer──▶ deriveOffer(…,'rtp') ──RTP/AVP offer──▶ SIP device
//   browser ◀─WebRTC answer── deriveAnswer(…)      ◀─RTP/AVP answer── SIP device
//   (and the same the other way round for calls from SIP to the browser)

import { type Codec, isTelephoneEvent, sameCodec } from './codec.js';
import { describeCodecs, passthroughCodecs } from './codec-intersection.js';
import type { LocalMedia } from './description-writer.js';
import { answerDirection } from './direction.js';
import { err, ok, type Result, SdpError } from './errors.js';
import type { MediaDescription, SessionDescription } from './session-description.js';

export type Profile = 'rtp' | 'webrtc';

/** RTCP feedback Parley relays between legs (RFC 4585 §4.2, RFC 5104 §7.1). */
const RELAYED_FEEDBACK = ['nack', 'nack pli', 'ccm fir'];

const DTMF_EVENTS = '0-16';

function freePayloadType(used: Set<number>, preferred: number): number {
  if (!used.has(preferred)) return preferred;
  for (let pt = 96; pt <= 127; pt++) if (!used.has(pt)) return pt;
  return preferred;
}

function telephoneEvent(remote: Codec[], clockRate: number, used: Set<number>): Codec {
  const existing = remote.find((c) => isTelephoneEvent(c) && c.clockRate === clockRate);
  const payloadType = existing?.payloadType ?? freePayloadType(used, clockRate === 8000 ? 101 : 110);
  used.add(payloadType);
  return {
    payloadType,
    name: 'telephone-event',
    clockRate,
    channels: 1,
    fmtp: existing?.fmtp ?? DTMF_EVENTS,
    rtcpFb: [],
  };
}

function withFeedback(c: Codec, target: Profile, kind: string): Codec {
  if (kind !== 'video') return { ...c, rtcpFb: [] };
  // The browser gets all the feedback Parley relays; a SIP device keeps what it asked for.
  const rtcpFb = target === 'webrtc' ? RELAYED_FEEDBACK : c.rtcpFb.filter((fb) => RELAYED_FEEDBACK.includes(fb));
  return { ...c, rtcpFb: [...rtcpFb] };
}

const rejected = (m: Pick<MediaDescription, 'kind'>, mid: string | undefined): LocalMedia => ({
  kind: m.kind,
  port: 0,
  codecs: [],
  direction: 'inactive',
  ...(mid !== undefined ? { mid } : {}),
});

/**
 * The offer to send on the other leg for an offer received on one leg. `port` is left 0 for usable
 * streams' callers to fill (the leg knows its ports); a stream nothing can pass through is kept as
 * rejected (port 0) so m= lines stay aligned (RFC 3264 §8: m= lines are never removed).
 * `mids` are the WebRTC mids of a previous negotiation, kept so that a re-offer is not an ICE restart.
 */
export function deriveOffer(
  remoteOffer: SessionDescription,
  target: Profile,
  opts: { mids?: (string | undefined)[] } = {},
): Result<LocalMedia[]> {
  const out = remoteOffer.media.map((m, i): LocalMedia => {
    const mid = target === 'webrtc' ? (opts.mids?.[i] ?? m.mid ?? String(i)) : undefined;
    if (m.port === 0 || (m.kind !== 'audio' && m.kind !== 'video')) return rejected(m, mid);
    const codecs = passthroughCodecs(m.codecs, m.kind).map((c) => withFeedback(c, target, m.kind));
    if (codecs.length === 0) return rejected(m, mid);
    if (m.kind === 'audio') {
      const used = new Set(m.codecs.map((c) => c.payloadType));
      // RFC 4733 §2.1: the event clock is the audio clock. SIP devices all know telephone-event/8000
      // (baresip knows only that one); browsers get one per audio clock rate offered.
      const rates = target === 'rtp' ? [8000] : [...new Set(codecs.map((c) => c.clockRate))];
      for (const rate of rates) codecs.push(telephoneEvent(m.codecs, rate, used));
    }
    return {
      kind: m.kind,
      port: 0,
      codecs,
      direction: m.direction,
      ...(mid !== undefined ? { mid } : {}),
      ...(m.kind === 'audio' && target === 'rtp' ? { ptime: m.ptime ?? 20 } : {}),
    };
  });
  if (target === 'webrtc') uniquePayloadTypes(out);
  if (out.every((m) => m.codecs.length === 0)) {
    const offered = remoteOffer.media.flatMap((m) => m.codecs.filter((c) => !isTelephoneEvent(c)));
    return err(
      new SdpError(
        'SDP_NO_COMMON_CODEC',
        `No codec can be passed through: the offer has ${describeCodecs(offered)}; Parley passes opus, G722, PCMU, PCMA, VP8 and H264.`,
      ),
    );
  }
  return ok(out);
}

/**
 * RFC 8843 §9.1: within a BUNDLE group a payload type names one codec in one m= section. SIP devices
 * reuse numbers across m= lines (baresip: opus and VP8 both 96), so later duplicates are renumbered;
 * the payload-type maps translate, since they match codecs, not numbers.
 */
function uniquePayloadTypes(media: LocalMedia[]): void {
  const used = new Set<number>();
  for (const m of media) for (const c of m.codecs) used.add(c.payloadType);
  const seen = new Set<number>();
  for (const m of media) {
    m.codecs = m.codecs.map((c) => {
      if (!seen.has(c.payloadType)) {
        seen.add(c.payloadType);
        return c;
      }
      const payloadType = freePayloadType(used, 96);
      used.add(payloadType);
      seen.add(payloadType);
      return { ...c, payloadType };
    });
  }
}

const isOpus = (c: Codec): boolean => c.name.toLowerCase() === 'opus';

/**
 * The answer to the first leg's offer, from the answer the other leg gave to the derived offer. Codecs
 * are the offerer's own descriptions (its payload types; its fmtp but for Opus) of those the other leg accepted, in the
 * other leg's order; the direction mirrors the offer within what the other leg agreed (hold passes through).
 */
export function deriveAnswer(
  remoteOffer: SessionDescription,
  otherAnswer: SessionDescription,
  target: Profile,
): Result<LocalMedia[]> {
  const out = remoteOffer.media.map((m, i): LocalMedia => {
    const mid = target === 'webrtc' ? (m.mid ?? String(i)) : undefined;
    const answered = otherAnswer.media[i];
    if (answered === undefined || answered.port === 0 || m.port === 0) return rejected(m, mid);
    const used = new Set<Codec>();
    const codecs: Codec[] = [];
    for (const a of answered.codecs) {
      if (isTelephoneEvent(a)) continue;
      const o = m.codecs.find((c) => !used.has(c) && !isTelephoneEvent(c) && sameCodec(a, c));
      if (o === undefined) continue;
      used.add(o);
      // RFC 7587 §7: Opus fmtp (stereo, sprop-stereo, useinbandfec, maxplaybackrate...) declares what the
      // answerer itself receives and sends: that is the other leg's answer, passed through unchanged.
      // Other codecs keep the offerer's fmtp (H.264's profile-level-id must echo the offer's).
      const described = isOpus(o) ? { ...o, fmtp: a.fmtp } : o;
      codecs.push(withFeedback(described, target, m.kind));
    }
    if (codecs.length === 0) return rejected(m, mid);
    if (m.kind === 'audio') {
      const rate = codecs[0]?.clockRate;
      const te =
        m.codecs.find((c) => isTelephoneEvent(c) && c.clockRate === rate) ?? m.codecs.find((c) => isTelephoneEvent(c));
      if (te !== undefined) codecs.push({ ...te, rtcpFb: [] });
    }
    return {
      kind: m.kind,
      port: 0,
      codecs,
      // RFC 3264 §6.1, limited by what the other side agreed to: equal to its answer when it answered
      // this very offer; right too when an older description of the other side is reused (a re-offer
      // answered without asking it again: hold from the SIP side → recvonly).
      direction: answerDirection(m.direction, answered.direction),
      ...(mid !== undefined ? { mid } : {}),
      ...(m.kind === 'audio' && target === 'rtp' ? { ptime: m.ptime ?? answered.ptime ?? 20 } : {}),
    };
  });
  if (out.every((m) => m.codecs.length === 0)) {
    const offered = remoteOffer.media.flatMap((m) => m.codecs.filter((c) => !isTelephoneEvent(c)));
    const answered = otherAnswer.media.flatMap((m) => m.codecs.filter((c) => !isTelephoneEvent(c)));
    return err(
      new SdpError(
        'SDP_NO_COMMON_CODEC',
        `No common codec: one side offered ${describeCodecs(offered)}, the other accepted ${describeCodecs(answered)}.`,
      ),
    );
  }
  return ok(out);
}

const matches = (a: Codec, b: Codec): boolean =>
  isTelephoneEvent(a) ? isTelephoneEvent(b) && a.clockRate === b.clockRate : !isTelephoneEvent(b) && sameCodec(a, b);

/**
 * What a leg's peer agreed to in the last offer/answer on that leg, per m= line: the peer's own descriptions
 * (its payload types, fmtp, direction) of the codecs in the ANSWER exchanged with it, in the answer's order.
 * Its offer may have listed more (Chromium offers opus, G722, PCMU...), but only the answer's codecs are
 * agreed (RFC 3264 §6.1), and the answer's first codec is the one it sends. `answeredBy` names who answered:
 * 'local' (we answered its offer: `local` is our answer) or 'remote' (it answered ours: `remote` is its answer).
 * A stream rejected on either side is port 0 without codecs.
 */
export function agreedMedia(
  local: LocalMedia[],
  remote: MediaDescription[],
  answeredBy: 'local' | 'remote',
): MediaDescription[] {
  return remote.map((r, i): MediaDescription => {
    const l = local[i];
    // Our derived media leave port 0 for the leg to fill: ours is rejected when it has no codecs.
    if (l === undefined || r.port === 0 || l.codecs.length === 0) return { ...r, port: 0, codecs: [] };
    if (answeredBy === 'remote') return { ...r, codecs: r.codecs.filter((c) => l.codecs.some((x) => matches(c, x))) };
    const used = new Set<Codec>();
    const codecs = l.codecs.flatMap((x) => {
      const c = r.codecs.find((y) => !used.has(y) && matches(x, y));
      if (c === undefined) return [];
      used.add(c);
      return [c];
    });
    return { ...r, codecs };
  });
}

/**
 * The answer to a re-offer made without asking the other leg again (hold, a new address): from `agreed`,
 * what the other leg's peer agreed to (agreedMedia). Only when that answer is something the other leg can do:
 * each live stream of the re-offer keeps the codec the other leg's peer sends (the first agreed one; then any
 * codec it answers with is one both peers agreed to), and adds no stream (a new m= line with a port). Otherwise
 * SDP_RENEGOTIATION_NEEDED: the other leg must get a new offer (derived from this one) and its answer gives
 * ours. A re-offer of a stream rejected on the other leg is answered rejected (port 0), as the first time.
 */
export function deriveReanswer(
  reoffer: SessionDescription,
  agreed: MediaDescription[],
  target: Profile,
): Result<LocalMedia[]> {
  for (const [i, m] of reoffer.media.entries()) {
    if (m.port === 0 || (m.kind !== 'audio' && m.kind !== 'video')) continue;
    const a = agreed[i];
    if (a === undefined) {
      return err(
        new SdpError(
          'SDP_RENEGOTIATION_NEEDED',
          `The re-offer adds a ${m.kind} stream (m= line ${i + 1}) that the other side has not negotiated.`,
        ),
      );
    }
    const inUse = a.port === 0 ? undefined : a.codecs.find((c) => !isTelephoneEvent(c));
    if (inUse === undefined) continue;
    const offered = m.codecs.filter((c) => !isTelephoneEvent(c));
    if (!offered.some((c) => sameCodec(c, inUse))) {
      const common = offered.filter((c) => a.codecs.some((x) => matches(c, x)));
      return err(
        new SdpError(
          'SDP_RENEGOTIATION_NEEDED',
          `The ${m.kind} re-offer (${describeCodecs(offered)}) drops ${describeCodecs([inUse])}, which the other side sends; ` +
            `of its codecs the other side agreed to ${describeCodecs(common)}.`,
        ),
      );
    }
  }
  return deriveAnswer(reoffer, { ...reoffer, media: agreed }, target);
}

/**
 * Why a leg's peer must be re-offered after the other leg's peer answered (a 2xx whose SDP differs from the
 * 183's, a transfer target's 200 OK), or undefined when what it agreed to (`agreed`, agreedMedia) already fits
 * `answer`: each live stream of the answer sends a codec the peer agreed to (the answer's first) and keeps
 * the codec the peer sends (the first agreed one), and is no stream the peer has not negotiated. Passthrough
 * needs both, or one side's packets are in a codec the other does not decode.
 */
export function answerMismatch(answer: MediaDescription[], agreed: MediaDescription[]): string | undefined {
  for (const [i, m] of answer.entries()) {
    if (m.port === 0 || (m.kind !== 'audio' && m.kind !== 'video')) continue;
    const sends = m.codecs.find((c) => !isTelephoneEvent(c));
    if (sends === undefined) continue;
    const a = agreed[i];
    const peerCodecs = a === undefined || a.port === 0 ? [] : a.codecs.filter((c) => !isTelephoneEvent(c));
    if (peerCodecs.length === 0) return `the answer has a ${m.kind} stream (m= line ${i + 1}) not negotiated there`;
    if (!peerCodecs.some((c) => sameCodec(c, sends))) {
      return `the ${m.kind} answer sends ${describeCodecs([sends])}; the other side agreed to ${describeCodecs(peerCodecs)}`;
    }
    const inUse = peerCodecs[0];
    if (inUse !== undefined && !m.codecs.some((c) => !isTelephoneEvent(c) && sameCodec(c, inUse))) {
      return `the ${m.kind} answer (${describeCodecs(m.codecs.filter((c) => !isTelephoneEvent(c)))}) drops ${describeCodecs([inUse])}, which the other side sends`;
    }
  }
  return undefined;
}
