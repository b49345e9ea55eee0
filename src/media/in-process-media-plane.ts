// The media plane in the caller's thread. Keeps, per leg, the last SDP each way, derives offers and
// answers across connected legs with src/sdp, and rebuilds the bridge's routes after each exchange.

import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { isIP } from 'node:net';
import {
  type AddressFamily,
  agreedMedia,
  answerMismatch,
  type Codec,
  checkConnectionAddress,
  checkMediaAddresses,
  type Direction,
  deriveAnswer,
  deriveOffer,
  deriveReanswer,
  isTelephoneEvent,
  type LocalMedia,
  parseSessionDescription,
  type SessionDescription,
  sameCodec,
  writeRtpAvpDescription,
} from '../sdp/index.js';
import { Bridge } from './bridge.js';
import { bridgeRoutes } from './bridge-routes.js';
import { DropReporter } from './drop-reporter.js';
import { MediaError, type MediaErrorCode } from './errors.js';
import type { LegStats, StreamKind } from './media-leg.js';
import { systemClock } from './media-leg.js';
import type {
  LegId,
  MediaPlane,
  MediaPlaneEvents,
  MediaPlaneListener,
  PlayOptions,
  RtpLegRequest,
  WebRtcLegRequest,
} from './media-plane.js';
import { codecsOf, type Negotiated } from './negotiated.js';
import { PortPool } from './port-pool.js';
import { RtpLeg } from './rtp-leg.js';
import { SdesNegotiation } from './sdes-negotiation.js';
import { ServerMedia } from './server-media.js';
import type { EndpointMode } from './sources/endpoint-negotiation.js';
import type { MediaSource } from './sources/pcm-source.js';
import { inUseMedia, newPeerMedia } from './update-media.js';
import { WebRtcLeg } from './webrtc-leg.js';

export interface InProcessMediaPlaneOptions {
  /** Address RTP sockets bind to and that SDP toward SIP devices advertises. */
  rtpAddress: string;
  rtpPortMin: number;
  rtpPortMax: number;
  /** Interval of the `stats` event per leg; 0 (default) disables it. */
  statsIntervalMs?: number;
  rtcpIntervalMs?: number;
  /**
   * Where counted-and-dropped packets are reported (the server logs them): the first of each kind per leg
   * at once, then one summary per 5 s at most.
   */
  onDropped?: (legId: LegId, reason: string) => void;
}

interface LegEntry {
  id: LegId;
  type: 'webrtc' | 'rtp';
  leg: WebRtcLeg | RtpLeg;
  partner: LegId | undefined;
  bridge: Bridge | undefined;
  /** A remote offer waiting for our answer. */
  pendingOffer: RemoteOffer | undefined;
  /** The offer we sent and await an answer to. */
  sentOffer: LocalMedia[] | undefined;
  /** The partner's offer that `sentOffer` was derived from. */
  sentFor: RemoteOffer | undefined;
  negotiated: Negotiated;
  /** Who answered in the last exchange: 'local' (we answered the peer's offer) or 'remote'. */
  answeredBy: 'local' | 'remote' | undefined;
  /**
   * The partner's offer that this leg's last remote answer answers (through sentFor): the partner's answer
   * then comes from it; any other offer on the partner is a re-offer answered from what this leg agreed.
   */
  answerFor: RemoteOffer | undefined;
  /** The peer's description of the last completed exchange: its offer (we answered) or its answer. */
  remoteSdp: SessionDescription | undefined;
  sessionId: string;
  sessionVersion: number;
  webRtcStarted: boolean;
  /** RTP leg: SDES-SRTP (RFC 4568) keys of our offers and answers. */
  sdes: SdesNegotiation;
  /** What the server itself sends on the leg (sounds), and the endpoint side of player/echo legs. */
  server: ServerMedia;
}

interface RemoteOffer {
  text: string;
  sdp: SessionDescription;
}

const KINDS: StreamKind[] = ['audio', 'video'];

const MEDIA_CODES: Partial<Record<string, MediaErrorCode>> = {
  SDP_NO_COMMON_CODEC: 'MEDIA_NO_COMMON_CODEC',
  SDP_BAD_CONNECTION_ADDRESS: 'MEDIA_BAD_ADDRESS',
  SDP_RENEGOTIATION_NEEDED: 'MEDIA_RENEGOTIATION_NEEDED',
};

const sameOrEvent = (a: Codec, b: Codec): boolean =>
  isTelephoneEvent(a) ? isTelephoneEvent(b) && a.clockRate === b.clockRate : sameCodec(a, b);

function negotiationError(code: string, reason: string, sipStatus: number, cause: unknown): MediaError {
  return new MediaError(MEDIA_CODES[code] ?? 'MEDIA_BAD_SDP', reason, { sipStatus, cause });
}

export class InProcessMediaPlane implements MediaPlane {
  readonly #options: InProcessMediaPlaneOptions;
  readonly #pool: PortPool;
  readonly #legs = new Map<LegId, LegEntry>();
  readonly #events = new EventEmitter();
  readonly #statsTimer: NodeJS.Timeout | undefined;
  readonly #drops: DropReporter | undefined;
  /** The RTP sockets' address family: SIP peers' c= must be of it. */
  readonly #family: AddressFamily;
  #closed = false;

  constructor(options: InProcessMediaPlaneOptions) {
    this.#options = options;
    this.#family = isIP(options.rtpAddress) === 6 ? 6 : 4;
    this.#pool = new PortPool({ address: options.rtpAddress, min: options.rtpPortMin, max: options.rtpPortMax });
    this.#drops = options.onDropped === undefined ? undefined : new DropReporter(options.onDropped, systemClock);
    const interval = options.statsIntervalMs ?? 0;
    if (interval > 0) {
      this.#statsTimer = setInterval(() => {
        for (const e of this.#legs.values()) this.#emit('stats', e.leg.stats());
      }, interval);
      this.#statsTimer.unref();
    }
  }

  on<K extends keyof MediaPlaneEvents>(event: K, listener: MediaPlaneListener<K>): void {
    this.#events.on(event, listener);
  }

  off<K extends keyof MediaPlaneEvents>(event: K, listener: MediaPlaneListener<K>): void {
    this.#events.off(event, listener);
  }

  #emit<K extends keyof MediaPlaneEvents>(event: K, payload: MediaPlaneEvents[K]): void {
    this.#events.emit(event, payload);
  }

  #entry(legId: LegId): LegEntry {
    const e = this.#legs.get(legId);
    if (e === undefined) throw new MediaError('MEDIA_UNKNOWN_LEG', `no leg ${legId}`);
    return e;
  }

  #add(
    type: LegEntry['type'],
    id: LegId,
    leg: WebRtcLeg | RtpLeg,
    options: { endpoint?: EndpointMode | undefined; sdesSrtp?: boolean } = {},
  ): LegId {
    const { endpoint, sdesSrtp = false } = options;
    this.#legs.set(id, {
      id,
      type,
      leg,
      partner: undefined,
      bridge: undefined,
      pendingOffer: undefined,
      sentOffer: undefined,
      sentFor: undefined,
      negotiated: { local: undefined, remote: undefined },
      answeredBy: undefined,
      answerFor: undefined,
      remoteSdp: undefined,
      sessionId: String(Date.now()),
      sessionVersion: 0,
      webRtcStarted: false,
      sdes: new SdesNegotiation(sdesSrtp),
      server: new ServerMedia(id, leg, endpoint, {
        onDtmf: (digit, durationMs) => this.#emit('dtmf', { legId: id, digit, durationMs }),
        onPlayEnded: () => this.#emit('playEnded', { legId: id }),
      }),
    });
    return id;
  }

  async createWebRtcLeg(request: WebRtcLegRequest = {}): Promise<LegId> {
    this.#assertOpen();
    const id = `webrtc-${randomUUID()}`;
    const drops = this.#drops;
    const leg = new WebRtcLeg({
      id,
      ...(request.iceLite !== undefined ? { iceLite: request.iceLite } : {}),
      ...(this.#options.rtcpIntervalMs !== undefined ? { rtcpIntervalMs: this.#options.rtcpIntervalMs } : {}),
      ...(drops ? { onDropped: (_kind: StreamKind | undefined, reason: string) => drops.report(id, reason) } : {}),
      onState: (state) => {
        if (state === 'connected') this.#emit('connected', { legId: id });
        if (state === 'failed')
          this.#emit('failed', {
            legId: id,
            code: 'MEDIA_ICE_FAILED',
            reason: 'ICE or DTLS failed toward the browser',
          });
      },
    });
    return this.#add('webrtc', id, leg);
  }

  async createRtpLeg(request: RtpLegRequest = {}): Promise<LegId> {
    this.#assertOpen();
    const id = `rtp-${randomUUID()}`;
    const drops = this.#drops;
    const leg = new RtpLeg({
      id,
      pool: this.#pool,
      ...(this.#options.rtcpIntervalMs !== undefined ? { rtcpIntervalMs: this.#options.rtcpIntervalMs } : {}),
      ...(drops
        ? { onDropped: (_kind: StreamKind, reason: string, from: string) => drops.report(id, reason, from) }
        : {}),
    });
    return this.#add('rtp', id, leg, { endpoint: request.endpoint, sdesSrtp: request.sdesSrtp ?? false });
  }

  async connect(a: LegId, b: LegId): Promise<void> {
    const ea = this.#entry(a);
    const eb = this.#entry(b);
    if (ea.server.endpoint !== undefined || eb.server.endpoint !== undefined) {
      throw new MediaError('MEDIA_BAD_STATE', `[legs:${a},${b}] an endpoint leg is not connected to another`);
    }
    ea.bridge?.close();
    eb.bridge?.close();
    ea.partner = b;
    eb.partner = a;
    const bridge = new Bridge(ea.leg, eb.leg, {
      onDtmf: (e) => this.#emit('dtmf', e),
      onPictureFastUpdate: (legId) => this.#emit('pictureFastUpdate', { legId }),
    });
    ea.bridge = bridge;
    eb.bridge = bridge;
    this.#updateRoutes(ea);
  }

  /** Parses a leg's remote SDP; a plain-RTP peer's addresses must be unicast IPs of our socket's family. */
  #parse(e: LegEntry, sdp: string): SessionDescription {
    const r = parseSessionDescription(sdp);
    if (!r.ok) throw negotiationError(r.error.code, r.error.reason, r.error.sipStatus, r.error);
    if (e.type === 'rtp') {
      const checked = checkMediaAddresses(r.value, this.#family);
      if (!checked.ok) {
        const { code, reason, sipStatus } = checked.error;
        throw negotiationError(code, `[leg:${e.id}] ${reason}`, sipStatus, checked.error);
      }
    }
    return r.value;
  }

  async applyOffer(legId: LegId, sdp: string): Promise<void> {
    const e = this.#entry(legId);
    e.pendingOffer = { text: sdp, sdp: this.#parse(e, sdp) };
  }

  async createOffer(legId: LegId): Promise<string> {
    const e = this.#entry(legId);
    if (e.server.endpoint === 'player') {
      const media = e.server.offer();
      const text = await this.#write(e, media, 'offer');
      e.sentOffer = media;
      e.sentFor = undefined;
      return text;
    }
    const partner = e.partner === undefined ? undefined : this.#entry(e.partner);
    const source = partner?.pendingOffer;
    if (source === undefined)
      throw new MediaError('MEDIA_BAD_STATE', `[leg:${legId}] no offer on the connected leg to derive from`);
    const mids = e.negotiated.local?.map((m) => m.mid);
    const derived = deriveOffer(source.sdp, e.type === 'webrtc' ? 'webrtc' : 'rtp', mids ? { mids } : {});
    if (!derived.ok)
      throw negotiationError(derived.error.code, derived.error.reason, derived.error.sipStatus, derived.error);
    const text = await this.#write(e, derived.value, 'offer');
    e.sentOffer = derived.value;
    e.sentFor = source;
    return text;
  }

  async offerFollowingAnswer(legId: LegId): Promise<string | undefined> {
    const e = this.#entry(legId);
    const partner = e.partner === undefined ? undefined : this.#entry(e.partner);
    const answer = partner?.answeredBy === 'remote' ? partner.remoteSdp : undefined;
    const { local, remote } = e.negotiated;
    if (answer === undefined || local === undefined || remote === undefined)
      throw new MediaError('MEDIA_BAD_STATE', `[leg:${legId}] no answer on the connected leg to follow`);
    const mismatch = answerMismatch(answer.media, agreedMedia(local, remote, e.answeredBy ?? 'remote'));
    if (mismatch === undefined) return undefined;
    // Same transport: the mids of the last negotiation are kept, so that the offer is no ICE restart.
    const derived = deriveOffer(answer, e.type === 'webrtc' ? 'webrtc' : 'rtp', { mids: local.map((m) => m.mid) });
    if (!derived.ok)
      throw negotiationError(derived.error.code, derived.error.reason, derived.error.sipStatus, derived.error);
    const text = await this.#write(e, derived.value, 'offer');
    e.sentOffer = derived.value;
    e.sentFor = undefined;
    return text;
  }

  async applyAnswer(legId: LegId, sdp: string): Promise<void> {
    const e = this.#entry(legId);
    if (e.sentOffer === undefined)
      throw new MediaError('MEDIA_BAD_STATE', `[leg:${legId}] no offer was sent on this leg`);
    const parsed = this.#parse(e, sdp);
    if (e.leg instanceof WebRtcLeg) await e.leg.applyAnswer(sdp);
    e.negotiated = { local: e.sentOffer, remote: parsed.media };
    e.answeredBy = 'remote';
    e.answerFor = e.sentFor;
    e.remoteSdp = parsed;
    if (e.leg instanceof RtpLeg) e.sdes.fromAnswer(e.leg, parsed);
    for (const kind of KINDS) {
      // The answer picks among what we offered: the leg reports (and times jitter with) the chosen codec.
      const answered = codecsOf(parsed.media, kind);
      const chosen = answered.flatMap((a) => {
        const mine = codecsOf(e.sentOffer, kind).find((c) =>
          isTelephoneEvent(a) ? isTelephoneEvent(c) && c.clockRate === a.clockRate : sameCodec(a, c),
        );
        // The feedback is what the answerer accepted (RFC 4585 §4.2), not what we offered.
        return mine === undefined ? [] : [{ ...mine, rtcpFb: a.rtcpFb }];
      });
      if (chosen.length > 0) e.leg.setCodecs(kind, chosen);
    }
    this.#applyRemote(e, parsed);
    this.#updateRoutes(e);
    e.server.attach(e.negotiated);
  }

  async createAnswer(legId: LegId): Promise<string> {
    const e = this.#entry(legId);
    const offer = e.pendingOffer;
    if (offer === undefined) throw new MediaError('MEDIA_BAD_STATE', `[leg:${legId}] no offer to answer`);
    if (e.server.endpoint !== undefined) return this.#answerAsEndpoint(e, offer);
    const partner = e.partner === undefined ? undefined : this.#entry(e.partner);
    const { local, remote } = partner?.negotiated ?? {};
    if (partner === undefined || local === undefined || remote === undefined) {
      throw new MediaError('MEDIA_BAD_STATE', `[leg:${legId}] the connected leg has no answer yet`);
    }
    const profile = e.type === 'webrtc' ? 'webrtc' : 'rtp';
    // The partner answered an offer derived from this very offer: its answer gives ours. Any other offer is a
    // re-offer answered without asking the partner's peer again: only from what that peer agreed to.
    const derived =
      partner.answerFor === offer
        ? deriveAnswer(offer.sdp, { ...offer.sdp, media: remote }, profile)
        : deriveReanswer(offer.sdp, agreedMedia(local, remote, partner.answeredBy ?? 'remote'), profile);
    if (!derived.ok)
      throw negotiationError(derived.error.code, derived.error.reason, derived.error.sipStatus, derived.error);
    const text = await this.#write(e, derived.value, 'answer', offer.text, offer.sdp);
    e.negotiated = { local: derived.value, remote: offer.sdp.media };
    e.answeredBy = 'local';
    e.remoteSdp = offer.sdp;
    e.pendingOffer = undefined;
    partner.pendingOffer = undefined;
    this.#applyRemote(e, offer.sdp);
    this.#updateRoutes(e);
    return text;
  }

  async rollback(legId: LegId): Promise<void> {
    const e = this.#entry(legId);
    e.pendingOffer = undefined;
    const offered = e.sentOffer;
    const { local, remote } = e.negotiated;
    e.sentOffer = local === undefined ? undefined : e.answeredBy === 'remote' ? local : undefined;
    e.sentFor = undefined;
    if (offered === undefined || offered === local || local === undefined || remote === undefined) return;
    // Writing an offer gave the leg its payload types (what it accepts): back to the last negotiated ones.
    if (e.leg instanceof WebRtcLeg && e.webRtcStarted) e.leg.reoffer(local);
    for (const kind of KINDS) {
      const mine = codecsOf(local, kind);
      const chosen =
        e.answeredBy === 'remote' ? mine.filter((c) => codecsOf(remote, kind).some((r) => sameOrEvent(c, r))) : mine;
      if (chosen.length > 0) e.leg.setCodecs(kind, chosen);
    }
  }

  async #answerAsEndpoint(e: LegEntry, offer: { text: string; sdp: SessionDescription }): Promise<string> {
    const media = e.server.answer(offer.sdp.media);
    const text = await this.#write(e, media, 'answer', offer.text, offer.sdp);
    e.negotiated = { local: media, remote: offer.sdp.media };
    e.answeredBy = 'local';
    e.remoteSdp = offer.sdp;
    e.pendingOffer = undefined;
    this.#applyRemote(e, offer.sdp);
    e.server.attach(e.negotiated);
    return text;
  }

  async play(legId: LegId, source: MediaSource, options: PlayOptions = {}): Promise<void> {
    const e = this.#entry(legId);
    e.server.play(e.negotiated, e.bridge, source, options.loop ?? false);
  }

  async stopPlaying(legId: LegId): Promise<void> {
    const e = this.#legs.get(legId);
    e?.server.stop(e.bridge);
  }

  async #write(
    e: LegEntry,
    media: LocalMedia[],
    type: 'offer' | 'answer',
    remoteOffer?: string,
    remoteOfferSdp?: SessionDescription,
  ): Promise<string> {
    if (e.leg instanceof WebRtcLeg) {
      const leg = e.leg;
      if (!e.webRtcStarted) {
        e.webRtcStarted = true;
        return type === 'offer' ? leg.offer(media) : leg.answer(remoteOffer ?? '', media);
      }
      return type === 'offer' ? leg.reoffer(media) : leg.reanswer(media);
    }
    const leg = e.leg;
    const withPorts: LocalMedia[] = [];
    for (const m of media) {
      if (m.port === 0 && m.codecs.length === 0) {
        withPorts.push({ ...m, port: 0 });
        continue;
      }
      const kind = m.kind as StreamKind;
      const port = await leg.openStream(kind);
      leg.setCodecs(kind, m.codecs);
      const crypto =
        type === 'offer'
          ? e.sdes.offerCrypto(leg, kind, withPorts.length)
          : e.sdes.answerCrypto(leg, kind, remoteOfferSdp?.media[withPorts.length]);
      withPorts.push({ ...m, port, ...(crypto.length > 0 ? { crypto } : {}) });
    }
    e.sessionVersion++;
    return writeRtpAvpDescription({
      origin: { sessionId: e.sessionId, sessionVersion: e.sessionVersion, address: this.#options.rtpAddress },
      address: this.#options.rtpAddress,
      media: withPorts,
    });
  }

  /**
   * Tells an RTP leg where its peer is (c=, m= port, a=rtcp, rtcp-mux); a change unlatches. The addresses
   * were checked by #parse; c=0.0.0.0 is hold: nothing is sent.
   */
  #applyRemote(e: LegEntry, remote: SessionDescription): void {
    if (!(e.leg instanceof RtpLeg)) return;
    for (const kind of KINDS) {
      const m = remote.media.find((x) => x.kind === kind);
      if (m === undefined || m.address === undefined) continue;
      const target = checkConnectionAddress(m.address, this.#family);
      if (!target.ok || target.value.type === 'hold') {
        e.leg.setRemote(kind, 'hold', m.rtcpMux);
        continue;
      }
      const rtcpAddress =
        m.rtcp?.address === undefined ? undefined : checkConnectionAddress(m.rtcp.address, this.#family);
      e.leg.setRemote(
        kind,
        {
          address: target.value.address,
          port: m.port,
          rtcpPort: m.rtcp?.port,
          rtcpAddress: rtcpAddress?.ok && rtcpAddress.value.type === 'unicast' ? rtcpAddress.value.address : undefined,
        },
        m.rtcpMux,
      );
    }
  }

  #updateRoutes(e: LegEntry): void {
    const partner = e.partner === undefined ? undefined : this.#legs.get(e.partner);
    const bridge = e.bridge;
    if (partner === undefined || bridge === undefined) return;
    const a = bridge.a.id === e.id ? e : partner;
    const b = a === e ? partner : e;
    bridge.setRoutes(bridgeRoutes(a.negotiated, b.negotiated));
  }

  async update(legId: LegId, request: { direction: Direction; newPeer?: boolean }): Promise<string> {
    const e = this.#entry(legId);
    const { local, remote } = e.negotiated;
    if (local === undefined || remote === undefined) {
      throw new MediaError('MEDIA_BAD_STATE', `[leg:${legId}] nothing negotiated to update`);
    }
    const partner = e.partner === undefined ? undefined : this.#legs.get(e.partner);
    const media = request.newPeer
      ? newPeerMedia(local, remote, partner?.remoteSdp, request.direction)
      : inUseMedia(local, remote, request.direction);
    const text = await this.#write(e, media, 'offer');
    e.sentOffer = media;
    e.sentFor = undefined;
    return text;
  }

  async sendDtmf(legId: LegId, digits: string, durationMs = 100): Promise<boolean> {
    const e = this.#entry(legId);
    if (e.bridge === undefined) return e.server.sendDtmf(e.negotiated, digits, durationMs);
    return e.bridge.sendDtmf(legId, digits, durationMs);
  }

  async getStats(legId: LegId): Promise<LegStats> {
    return this.#entry(legId).leg.stats();
  }

  async closeLeg(legId: LegId): Promise<void> {
    const e = this.#legs.get(legId);
    if (e === undefined) return;
    this.#legs.delete(legId);
    this.#drops?.forgetLeg(legId);
    e.server.close();
    e.bridge?.close();
    if (e.partner !== undefined) {
      const p = this.#legs.get(e.partner);
      if (p !== undefined) {
        p.bridge = undefined;
        p.partner = undefined;
      }
    }
    await e.leg.close();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#statsTimer);
    for (const id of [...this.#legs.keys()]) await this.closeLeg(id);
    this.#events.removeAllListeners();
  }

  #assertOpen(): void {
    if (this.#closed) throw new MediaError('MEDIA_CLOSED', 'the media plane is closed');
  }
}
