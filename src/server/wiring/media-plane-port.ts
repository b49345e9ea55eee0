// MediaPort on top of the media plane of src/media (its leg-based MediaPlane interface): each call gets a
// WebRTC leg and an RTP leg, connected, and the port's "offer from one side, offer for the other" steps are
// the plane's applyOffer/createOffer/applyAnswer/createAnswer on the two legs.
//
// The WebRTC leg is ICE-lite (RFC 8445 §2.5): the browser, a full agent, finds the path with its checks to
// the candidates in our SDP, so its trickled candidates are not needed here and are only counted.
//
// /metrics packet counters come from the plane's periodic `stats` events, and a last getStats of each leg
// as its session closes (media-counters.ts).
import type { Logger } from 'pino';
import type { LegStats } from '../../media/media-leg.js';
import type { LegId, MediaPlane, MediaPlaneEvents } from '../../media/media-plane.js';
import type { IceCandidate } from '../../protocol/common.js';
import type {
  MediaDirection,
  MediaMetrics,
  MediaPort,
  MediaSession,
  MediaSessionHandlers,
  MediaSessionOptions,
  MediaSessionStats,
} from '../ports.js';
import { MediaCounters } from './media-counters.js';
import { sdesAnswerProblem } from './sdes-answer-check.js';

export interface MediaPlanePortOptions {
  /**
   * PARLEY_SIP_MEDIA_ENCRYPTION=sdes: the RTP leg of an outgoing call offers SDES-SRTP (RFC 4568, RTP/SAVP),
   * and an answer that does not key SRTP fails the call. Incoming RTP/SAVP offers are answered in kind either way.
   */
  sdesSrtp?: boolean;
}

export class MediaPlanePort implements MediaPort {
  readonly #plane: MediaPlane;
  readonly #log: Logger;
  /** Sessions by the id of each of their legs, to route the plane's events. */
  readonly #byLeg = new Map<LegId, PlaneMediaSession>();
  readonly #counters = new MediaCounters();
  #opened = 0;
  #open = 0;

  readonly #sdesSrtp: boolean;

  constructor(plane: MediaPlane, log: Logger, options: MediaPlanePortOptions = {}) {
    this.#plane = plane;
    this.#log = log;
    this.#sdesSrtp = options.sdesSrtp ?? false;
    plane.on('stats', (e) => this.#counters.report(e));
    plane.on('connected', (e) => this.#byLeg.get(e.legId)?.onConnected(e.legId));
    plane.on('failed', (e) => this.#byLeg.get(e.legId)?.onFailed(e));
    plane.on('dtmf', (e) => this.#byLeg.get(e.legId)?.onDtmf(e));
  }

  async createSession(options: MediaSessionOptions, handlers: MediaSessionHandlers): Promise<MediaSession> {
    const webrtc = await this.#plane.createWebRtcLeg({ iceLite: true });
    let rtp: LegId | undefined;
    // Only a call placed toward SIP offers SRTP: an incoming call's re-offers (hold) keep the device's profile.
    const sdesSrtp = this.#sdesSrtp && options.outgoing === true;
    try {
      rtp = await this.#plane.createRtpLeg(sdesSrtp ? { sdesSrtp } : {});
      await this.#plane.connect(webrtc, rtp);
    } catch (e) {
      // Both legs go on any failure (closeLeg is idempotent): an RTP leg left behind keeps its RTCP timer and,
      // once negotiated, its ports.
      await this.#closeLegs(rtp === undefined ? [webrtc] : [webrtc, rtp]);
      throw e;
    }
    const session = new PlaneMediaSession(
      this.#plane,
      { webrtc, rtp },
      handlers,
      this.#log.child({ callId: options.callId }),
      () => {
        this.#byLeg.delete(webrtc);
        this.#byLeg.delete(rtp);
        this.#counters.untrack(webrtc);
        this.#counters.untrack(rtp);
        this.#open--;
      },
      (stats) => this.#counters.report(stats),
      sdesSrtp,
    );
    this.#counters.track(webrtc, 'webrtc');
    this.#counters.track(rtp, 'rtp');
    this.#byLeg.set(webrtc, session);
    this.#byLeg.set(rtp, session);
    this.#opened++;
    this.#open++;
    return session;
  }

  async #closeLegs(legs: LegId[]): Promise<void> {
    const closed = await Promise.allSettled(legs.map((leg) => this.#plane.closeLeg(leg)));
    for (const r of closed) {
      if (r.status === 'rejected') this.#log.warn({ err: r.reason }, 'a media leg of a failed session did not close');
    }
  }

  metrics(): MediaMetrics {
    const legs = this.#counters.totals();
    return {
      sessions: this.#open,
      packetsForwarded: legs.webrtc.sent + legs.rtp.sent,
      packetsLost: legs.webrtc.lost + legs.rtp.lost,
      legs,
    };
  }

  get sessionsOpened(): number {
    return this.#opened;
  }
}

class PlaneMediaSession implements MediaSession {
  readonly #plane: MediaPlane;
  readonly #legs: { webrtc: LegId; rtp: LegId };
  readonly #handlers: MediaSessionHandlers;
  readonly #log: Logger;
  readonly #onClose: () => void;
  readonly #onFinalStats: (stats: LegStats) => void;
  /** SDES-SRTP offered toward SIP: the RTP offer last sent, which every SIP answer must key (sdes-answer-check.ts). */
  readonly #sdesSrtp: boolean;
  #rtpOffer: string | undefined;
  /**
   * The answer the browser got: a later SIP answer (the 2xx after a 183) updates the RTP leg here, and the
   * browser through offerFollowingRtpAnswer when its codec is not one the browser agreed to.
   */
  #browserAnswer: string | undefined;
  /** A SIP re-offer waiting for the browser's answer (reofferToWebRtc). */
  #reoffer: string | undefined;
  #candidates = 0;
  #closing: Promise<void> | undefined;

  constructor(
    plane: MediaPlane,
    legs: { webrtc: LegId; rtp: LegId },
    handlers: MediaSessionHandlers,
    log: Logger,
    onClose: () => void,
    onFinalStats: (stats: LegStats) => void,
    sdesSrtp: boolean,
  ) {
    this.#sdesSrtp = sdesSrtp;
    this.#plane = plane;
    this.#legs = legs;
    this.#handlers = handlers;
    this.#log = log;
    this.#onClose = onClose;
    this.#onFinalStats = onFinalStats;
  }

  async offerFromWebRtc(sdp: string): Promise<string> {
    await this.#plane.applyOffer(this.#legs.webrtc, sdp);
    return this.#offeredToRtp(await this.#plane.createOffer(this.#legs.rtp));
  }

  async answerFromRtp(sdp: string): Promise<string> {
    this.#checkSrtpAnswer(sdp);
    await this.#plane.applyAnswer(this.#legs.rtp, sdp);
    this.#browserAnswer ??= await this.#plane.createAnswer(this.#legs.webrtc);
    return this.#browserAnswer;
  }

  async offerFromRtp(sdp: string): Promise<string> {
    await this.#plane.applyOffer(this.#legs.rtp, sdp);
    return this.#plane.createOffer(this.#legs.webrtc);
  }

  async answerFromWebRtc(sdp: string): Promise<string> {
    await this.#plane.applyAnswer(this.#legs.webrtc, sdp);
    return this.#plane.createAnswer(this.#legs.rtp);
  }

  async offerToWebRtc(): Promise<string> {
    // RFC 3261 §13.2.1 late offer: what the gateway supports stands in for the SIP side's offer, so the browser
    // gets an ordinary offer and the RTP leg's codecs come from the browser's answer.
    await this.#plane.applyOffer(this.#legs.rtp, GATEWAY_AUDIO_OFFER);
    return this.#plane.createOffer(this.#legs.webrtc);
  }

  async offerFromWebRtcAnswer(sdp: string): Promise<string> {
    await this.#plane.applyAnswer(this.#legs.webrtc, sdp);
    // The RTP leg takes the codecs the browser chose; its offer for the 2xx names only those (RFC 3264 §5),
    // and the SIP side's answer in the ACK comes to applyRtpAnswer.
    await this.#plane.createAnswer(this.#legs.rtp);
    return this.#plane.update(this.#legs.rtp, { direction: 'sendrecv' });
  }

  async createRtpOffer(options: { direction: MediaDirection; newPeer?: boolean }): Promise<string> {
    // The codecs in use, with the new direction (hold: sendonly, RFC 3264 §8.4); a REFER followed offers the
    // new peer what the browser can do, and offerFollowingRtpAnswer then moves the browser to its choice.
    const request = options.newPeer
      ? { direction: options.direction, newPeer: true }
      : { direction: options.direction };
    return this.#offeredToRtp(await this.#plane.update(this.#legs.rtp, request));
  }

  async applyRtpAnswer(sdp: string): Promise<void> {
    this.#checkSrtpAnswer(sdp);
    await this.#plane.applyAnswer(this.#legs.rtp, sdp);
  }

  async reofferFromRtp(sdp: string): Promise<{ sdp: string; remoteDirection: MediaDirection }> {
    // Answered from what the browser agreed to, without asking it again; the plane rejects with
    // MEDIA_RENEGOTIATION_NEEDED when the browser must be asked (reofferToWebRtc), and the offer is dropped.
    await this.#plane.applyOffer(this.#legs.rtp, sdp);
    try {
      return { sdp: await this.#plane.createAnswer(this.#legs.rtp), remoteDirection: offeredDirection(sdp) };
    } catch (e) {
      await this.#plane.rollback(this.#legs.rtp);
      throw e;
    }
  }

  async reofferToWebRtc(sdp: string): Promise<string> {
    await this.#plane.applyOffer(this.#legs.rtp, sdp);
    this.#reoffer = sdp;
    try {
      return await this.#plane.createOffer(this.#legs.webrtc);
    } catch (e) {
      await this.abandonReoffer();
      throw e;
    }
  }

  async answerReofferFromWebRtc(sdp: string): Promise<{ sdp: string; remoteDirection: MediaDirection }> {
    const reoffer = this.#reoffer;
    if (reoffer === undefined)
      throw Object.assign(new Error('no SIP re-offer is waiting for the browser'), { code: 'MEDIA_BAD_STATE' });
    await this.#plane.applyAnswer(this.#legs.webrtc, sdp);
    const answer = await this.#plane.createAnswer(this.#legs.rtp);
    this.#reoffer = undefined;
    return { sdp: answer, remoteDirection: offeredDirection(reoffer) };
  }

  offerFollowingRtpAnswer(): Promise<string | undefined> {
    return this.#plane.offerFollowingAnswer(this.#legs.webrtc);
  }

  applyWebRtcAnswer(sdp: string): Promise<void> {
    return this.#plane.applyAnswer(this.#legs.webrtc, sdp);
  }

  async abandonReoffer(): Promise<void> {
    this.#reoffer = undefined;
    await this.#plane.rollback(this.#legs.webrtc);
    await this.#plane.rollback(this.#legs.rtp);
  }

  async addWebRtcCandidate(candidate: IceCandidate | null): Promise<void> {
    // ICE-lite: the browser's checks bring its addresses; its candidates are counted for the logs only.
    if (candidate) this.#candidates++;
    else this.#log.debug({ candidates: this.#candidates }, 'browser finished gathering');
  }

  async sendDtmf(digits: string, durationMs: number): Promise<void> {
    const sent = await this.#plane.sendDtmf(this.#legs.rtp, digits, durationMs);
    if (!sent)
      throw Object.assign(new Error('the SIP side did not negotiate telephone-event (RFC 4733)'), {
        code: 'MEDIA_NO_DTMF',
      });
  }

  async stats(): Promise<MediaSessionStats> {
    const [w, r] = await Promise.all([this.#plane.getStats(this.#legs.webrtc), this.#plane.getStats(this.#legs.rtp)]);
    const sum = (s: typeof w, key: 'packetsReceived' | 'packetsLost') => s.streams.reduce((n, x) => n + x[key], 0);
    const codec = (kind: 'audio' | 'video') => r.streams.find((x) => x.kind === kind)?.codec;
    const audioCodec = codec('audio');
    const videoCodec = codec('video');
    return {
      ...(audioCodec ? { audioCodec } : {}),
      ...(videoCodec ? { videoCodec } : {}),
      packetsFromWebRtc: sum(w, 'packetsReceived'),
      packetsFromRtp: sum(r, 'packetsReceived'),
      packetsLost: sum(w, 'packetsLost') + sum(r, 'packetsLost'),
    };
  }

  async playSound(toward: 'sip' | 'browser', sound: { wav: Uint8Array; loop: boolean }): Promise<void> {
    const leg = toward === 'sip' ? this.#legs.rtp : this.#legs.webrtc;
    await this.#plane.play(leg, { type: 'wav', data: sound.wav }, { loop: sound.loop });
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      // The packets since the last periodic report count too: one last report per leg before it goes.
      const legs = [this.#legs.webrtc, this.#legs.rtp];
      const last = await Promise.allSettled(legs.map((leg) => this.#plane.getStats(leg)));
      for (const r of last) {
        if (r.status === 'fulfilled') this.#onFinalStats(r.value);
        else this.#log.warn({ err: r.reason }, 'last media stats unavailable; /metrics misses them');
      }
      this.#onClose();
      await Promise.all([this.#plane.closeLeg(this.#legs.webrtc), this.#plane.closeLeg(this.#legs.rtp)]);
    })();
    return this.#closing;
  }

  #offeredToRtp(offer: string): string {
    if (this.#sdesSrtp) this.#rtpOffer = offer;
    return offer;
  }

  /** With SDES offered, an answer that does not key SRTP is refused (488) instead of falling back to plain RTP. */
  #checkSrtpAnswer(answer: string): void {
    if (this.#rtpOffer === undefined) return;
    const problem = sdesAnswerProblem(this.#rtpOffer, answer);
    if (problem === undefined) return;
    this.#log.warn({ problem }, 'SIP answer without SRTP keys refused');
    throw Object.assign(new Error(problem), { code: 'MEDIA_SRTP_REQUIRED', sipStatus: 488 });
  }

  onConnected(legId: LegId): void {
    if (legId === this.#legs.webrtc) this.#handlers.onStateChange('connected');
  }

  onFailed(e: MediaPlaneEvents['failed']): void {
    this.#log.warn({ legId: e.legId, code: e.code, reason: e.reason }, 'media leg failed');
    this.#handlers.onStateChange('failed');
  }

  onDtmf(e: MediaPlaneEvents['dtmf']): void {
    // Digits from the SIP side go to the browser; the bridge relays the browser's own to the SIP side.
    if (e.legId === this.#legs.rtp) this.#handlers.onDtmf(e.digit, e.durationMs);
  }
}

/**
 * What the gateway offers for a late offer: G.711 (PCMU, PCMA, which every SIP device and browser has) and
 * RFC 4733 events, audio only (an INVITE without SDP says nothing about video). The address is a placeholder
 * (RFC 3264 §8.4's 0.0.0.0): the SIP side's real address comes with its answer in the ACK.
 */
export const GATEWAY_AUDIO_OFFER = [
  'v=0',
  'o=- 0 0 IN IP4 0.0.0.0',
  's=-',
  'c=IN IP4 0.0.0.0',
  't=0 0',
  'm=audio 9 RTP/AVP 0 8 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-16',
  'a=sendrecv',
  '',
].join('\r\n');

/**
 * The direction an SDP offers for its first audio or video stream (RFC 8866 §6.7: a media-level attribute
 * wins over the session-level one; sendrecv when neither is given; port 0 is inactive).
 */
export function offeredDirection(sdp: string): MediaDirection {
  const lines = sdp.split(/\r?\n/);
  const first = lines.findIndex((l) => /^m=(audio|video) /.test(l));
  const dir = (from: number, to: number) =>
    lines
      .slice(from, to)
      .find((l) => /^a=(sendrecv|sendonly|recvonly|inactive)\s*$/.test(l))
      ?.slice(2)
      .trim() as MediaDirection | undefined;
  if (first < 0) return 'sendrecv';
  if (/^m=\S+ 0 /.test(lines[first] ?? '')) return 'inactive';
  const next = lines.findIndex((l, i) => i > first && l.startsWith('m='));
  return (
    dir(first + 1, next < 0 ? lines.length : next) ??
    dir(
      0,
      lines.findIndex((l) => l.startsWith('m=')),
    ) ??
    'sendrecv'
  );
}
