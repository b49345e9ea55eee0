// The browser's leg: ICE (full or lite), DTLS-SRTP, rtcp-mux and one BUNDLE transport for audio and video
// (RFC 8829, RFC 8843, RFC 5764), on werift 0.24's RTCPeerConnection.
//
// werift runs ICE and DTLS and derives the SRTP keys; the media path does not use its transceivers
// (one SRTP operation and one header parse per packet instead of werift's receiver pipeline):
//  - werift's sender stamps the first negotiated PT on every packet (RFC 4733 events would go out as
//    PCMU), so packets are sent on the DTLS transport with the PT the bridge wrote;
//  - werift's codec matching ignores clock rate and fmtp and keeps the offer's order in its answer, so the
//    SDP the browser sees is written by src/sdp from the negotiated codecs, with werift's ICE
//    credentials, candidates and DTLS fingerprint (the same ones on every re-offer: no ICE restart).
// Incoming RTP is demultiplexed to audio/video by payload type (RFC 8843 §9.2: unique within a BUNDLE).

import { RTCPeerConnection } from 'werift';
import {
  type DtlsParameters,
  type IceParameters,
  type LocalMedia,
  parseSessionDescription,
  type SessionDescription,
  transportAnswer,
  writeWebRtcDescription,
} from '../sdp/index.js';
import { MediaError } from './errors.js';
import { IceDataPath } from './ice-data-path.js';
import { type Clock, type LegStats, type MediaLeg, type StreamKind, systemClock } from './media-leg.js';
import { errnoName } from './media-socket.js';
import { newSrtpSession } from './native/native-srtp-session.js';
import { parseRtcp, type RtcpPacket } from './rtp/rtcp-packet.js';
import { newRtpHeader, parseRtpHeader, type RtpHeader } from './rtp/rtp-header.js';
import { srtpProfileById } from './srtp/srtp-profile.js';
import type { SrtpContext } from './srtp/srtp-session.js';
import { StreamState } from './stream-state.js';
import { toWeriftCodecs } from './werift-codecs.js';

export interface WebRtcLegOptions {
  id: string;
  /** RFC 8445 §2.5 ICE-lite: answer checks only (Parley has a public address). Default: full ICE. */
  iceLite?: boolean;
  clock?: Clock;
  rtcpIntervalMs?: number;
  onDropped?: (kind: StreamKind | undefined, reason: string) => void;
  /** Called once DTLS is up (media can flow) or when ICE/DTLS fails. */
  onState?: (state: 'connected' | 'failed' | 'closed') => void;
}

interface Transport {
  ice: IceParameters;
  dtls: DtlsParameters;
  address: string;
  port: number;
}

type DtlsTransport = RTCPeerConnection['dtlsTransports'][number];

const GATHER_TIMEOUT_MS = 5000;

export class WebRtcLeg implements MediaLeg {
  readonly id: string;
  onRtp: MediaLeg['onRtp'];
  onRtcp: MediaLeg['onRtcp'];
  #pc: RTCPeerConnection | undefined;
  readonly #clock: Clock;
  readonly #options: WebRtcLegOptions;
  readonly #streams = new Map<StreamKind, StreamState>();
  /** Kind of each payload type we declared for receiving (BUNDLE demultiplexing). */
  #kindOfPt: (StreamKind | undefined)[] = new Array(128).fill(undefined);
  readonly #header: RtpHeader = newRtpHeader();
  #transport: Transport | undefined;
  #dtls: DtlsTransport | undefined;
  /** Keyed from the DTLS exporter once DTLS is up; until then media is neither sent nor accepted. */
  #srtp: SrtpContext | undefined;
  /** RTP/RTCP to and from the nominated ICE pair, once SRTP is keyed. */
  #path: IceDataPath | undefined;
  #srtpFailures = 0;
  #sessionId = String(Date.now());
  #sessionVersion = 0;
  #timer: NodeJS.Timeout | undefined;
  #connected = false;
  #closed = false;

  constructor(options: WebRtcLegOptions) {
    this.id = options.id;
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    const interval = options.rtcpIntervalMs ?? 5000;
    if (interval > 0) {
      this.#timer = setInterval(() => this.sendReports(), interval);
      this.#timer.unref();
    }
  }

  get connected(): boolean {
    return this.#connected;
  }

  /**
   * werift takes its codec list at construction (setConfiguration does not reach the transceiver
   * manager's copy in 0.24.4), so the peer connection is created once the first codecs are known.
   */
  #createPeerConnection(media: LocalMedia[]): RTCPeerConnection {
    const pc = new RTCPeerConnection({
      iceServers: [], // werift would otherwise ask a public STUN server
      iceAdditionalHostAddresses: ['127.0.0.1'], // werift skips loopback without it
      iceUseIpv6: false,
      iceLite: this.#options.iceLite ?? false,
      bundlePolicy: 'max-bundle',
      codecs: { audio: toWeriftCodecs(media, 'audio'), video: toWeriftCodecs(media, 'video') },
      headerExtensions: { audio: [], video: [] },
    });
    pc.connectionStateChange.subscribe((state) => {
      // Closing before ICE completes rejects werift's ICE start ("failed"): not a failure of the call.
      if (this.#closed) return;
      if (state === 'connected' && !this.#connected) {
        this.#connected = true;
        this.#options.onState?.('connected');
      } else if (state === 'failed') {
        this.#options.onState?.('failed');
      }
    });
    this.#pc = pc;
    return pc;
  }

  /** `keep`: the payload types accepted so far stay accepted (a re-offer, until the browser answers). */
  #setMedia(media: LocalMedia[], keep = false): void {
    this.#path?.invalidateRoutes();
    if (!keep) this.#kindOfPt = new Array(128).fill(undefined);
    for (const m of media) {
      if (m.kind !== 'audio' && m.kind !== 'video') continue;
      let s = this.#streams.get(m.kind);
      if (s === undefined) {
        s = new StreamState(m.kind);
        this.#streams.set(m.kind, s);
      }
      if (m.codecs.length === 0) continue;
      s.setCodecs(m.codecs);
      for (const c of m.codecs) this.#kindOfPt[c.payloadType & 0x7f] = m.kind;
    }
  }

  /** The codecs chosen by the browser's answer: stats name them; every offered PT is still accepted. */
  setCodecs(kind: StreamKind, codecs: { payloadType: number; name: string; clockRate: number }[]): void {
    this.#streams.get(kind)?.setCodecs(codecs);
  }

  /** Adds ssrc/msid so the browser can demultiplex BUNDLE by SSRC and gets a track per stream. */
  #decorate(media: LocalMedia[]): LocalMedia[] {
    return media.map((m) => {
      const s = m.kind === 'audio' || m.kind === 'video' ? this.#streams.get(m.kind) : undefined;
      if (s === undefined || m.codecs.length === 0) return { ...m, port: 0 };
      return {
        ...m,
        port: 9,
        ssrc: s.localSsrc,
        cname: `parley-${this.id}`,
        msid: { stream: `parley-${this.id}`, track: `${m.kind}-${this.id}` },
      };
    });
  }

  #write(media: LocalMedia[]): string {
    const t = this.#transport;
    if (t === undefined) throw new MediaError('MEDIA_BAD_STATE', `[leg:${this.id}] no transport yet`);
    this.#sessionVersion++;
    return writeWebRtcDescription({
      origin: { sessionId: this.#sessionId, sessionVersion: this.#sessionVersion, address: '127.0.0.1' },
      ice: t.ice,
      dtls: t.dtls,
      address: t.address,
      port: t.port,
      media: this.#decorate(media),
    });
  }

  async #captureTransport(pc: RTCPeerConnection): Promise<void> {
    if (this.#transport !== undefined) return;
    if (pc.iceGatheringState !== 'complete') {
      await pc.iceGatheringStateChange.watch((s) => s === 'complete', GATHER_TIMEOUT_MS);
    }
    const local = pc.localDescription?.sdp;
    const parsed = local === undefined ? undefined : parseSessionDescription(local);
    const m = parsed?.ok ? parsed.value.media[0] : undefined;
    if (m?.ice === undefined || m.dtls === undefined) {
      throw new MediaError('MEDIA_BAD_STATE', `[leg:${this.id}] werift produced no ICE/DTLS parameters`);
    }
    const host = m.ice.candidates.map((c) => c.split(' ')).find((f) => f[2]?.toLowerCase() === 'udp');
    this.#transport = {
      ice: m.ice,
      dtls: m.dtls,
      address: host?.[4] ?? '127.0.0.1',
      port: Number(host?.[5] ?? 9),
    };
    this.#attachDtls(pc);
  }

  /**
   * Takes the media path away from werift once DTLS is up: werift's own SRTP start is skipped (its
   * receivers would parse, NACK-track and re-emit every packet), Parley's SRTP session is keyed from
   * the DTLS exporter (RFC 5764 §4.2) with the negotiated protection profile, and ICE data goes
   * straight to one SRTP operation and one header parse.
   */
  #attachDtls(pc: RTCPeerConnection): void {
    const dtls = pc.dtlsTransports[0];
    if (dtls === undefined || dtls === this.#dtls) return;
    this.#dtls = dtls;
    dtls.srtpStarted = true;
    dtls.onStateChange.subscribe((state) => {
      if (state !== 'connected' || this.#srtp !== undefined) return;
      const srtp = this.#keySrtp(dtls);
      if (srtp === undefined) return;
      this.#srtp = srtp;
      this.#path = new IceDataPath(dtls.iceTransport.connection, srtp, {
        onRtp: (packet) => this.#onRtp(packet),
        onRtcp: (packet) => this.#onRtcp(packet),
        onDrop: (reason) => {
          this.#srtpFailures++;
          this.#options.onDropped?.(undefined, reason);
        },
        onSendError: (cause) => this.#options.onDropped?.(undefined, `send failed: ${String(cause)}`),
      });
    });
  }

  #keySrtp(dtls: DtlsTransport): SrtpContext | undefined {
    const socket = dtls.dtls;
    const profile = srtpProfileById(socket?.srtp.srtpProfile ?? -1);
    if (socket === undefined || profile === undefined) {
      this.#options.onDropped?.(undefined, `DTLS-SRTP: no supported protection profile negotiated`);
      this.#options.onState?.('failed');
      return undefined;
    }
    const k = socket.extractSessionKeys(profile.keyLength, profile.saltLength);
    return newSrtpSession(profile, { key: k.localKey, salt: k.localSalt }, { key: k.remoteKey, salt: k.remoteSalt });
  }

  /** First offer from the browser: returns our answer with the negotiated codecs. */
  async answer(browserOffer: string, media: LocalMedia[]): Promise<string> {
    this.#assertOpen();
    if (this.#transport !== undefined) return this.reanswer(media);
    const pc = this.#createPeerConnection(media);
    this.#setMedia(media);
    await pc.setRemoteDescription({ type: 'offer', sdp: browserOffer });
    await pc.setLocalDescription(await pc.createAnswer());
    await this.#captureTransport(pc);
    return this.#write(media);
  }

  /** First offer toward the browser. */
  async offer(media: LocalMedia[]): Promise<string> {
    this.#assertOpen();
    if (this.#transport !== undefined) return this.reoffer(media);
    const pc = this.#createPeerConnection(media);
    this.#setMedia(media);
    for (const m of media) {
      if ((m.kind === 'audio' || m.kind === 'video') && m.codecs.length > 0) {
        pc.addTransceiver(m.kind, { direction: 'sendrecv' });
      }
    }
    await pc.setLocalDescription(await pc.createOffer());
    await this.#captureTransport(pc);
    return this.#write(media);
  }

  /** The browser's answer to our first offer. */
  async applyAnswer(browserAnswer: string): Promise<SessionDescription> {
    this.#assertOpen();
    const parsed = parseSessionDescription(browserAnswer);
    if (!parsed.ok) throw new MediaError('MEDIA_BAD_SDP', parsed.error.reason, { sipStatus: 400, cause: parsed.error });
    const pc = this.#pc;
    if (pc?.signalingState === 'have-local-offer') {
      // werift gets an answer to its own offer with the browser's transport (see transport-answer.ts):
      // the browser's answer follows our written offer, and a rejected stream in it failed the call.
      const forAgent = transportAnswer(pc.localDescription?.sdp ?? '', parsed.value);
      if (!forAgent.ok) {
        const code = forAgent.error.code === 'SDP_NO_COMMON_CODEC' ? 'MEDIA_NO_COMMON_CODEC' : 'MEDIA_BAD_SDP';
        throw new MediaError(code, `[leg:${this.id}] ${forAgent.error.reason}`, {
          sipStatus: 488,
          cause: forAgent.error,
        });
      }
      await pc.setRemoteDescription({ type: 'answer', sdp: forAgent.value });
      this.#attachDtls(pc);
    }
    return parsed.value;
  }

  /**
   * A re-offer toward the browser (hold, codec change on the SIP side): same ICE credentials,
   * fingerprint and mids, new session version. werift is not renegotiated: its transport is unchanged.
   */
  reoffer(media: LocalMedia[]): string {
    this.#assertOpen();
    // The browser goes on sending what it negotiated until it has our offer and answers it: those
    // packets still belong to their stream (the bridge drops what no longer has a route).
    this.#setMedia(media, true);
    return this.#write(media);
  }

  /** Our answer to a browser re-offer (same transport). */
  reanswer(media: LocalMedia[]): string {
    this.#assertOpen();
    this.#setMedia(media);
    return this.#write(media);
  }

  #onRtp(buf: Buffer): void {
    const h = this.#header;
    const code = parseRtpHeader(buf, buf.length, h);
    const kind = code === undefined ? this.#kindOfPt[h.payloadType] : undefined;
    if (kind === undefined) {
      this.#options.onDropped?.(undefined, code ?? `RTP with unnegotiated payload type ${h.payloadType}`);
      return;
    }
    const s = this.#streams.get(kind);
    s?.onReceived(h.ssrc, h.sequenceNumber, h.timestamp, h.payloadType, h.payloadLength, this.#clock.now());
    this.onRtp?.(kind, buf, h);
  }

  #onRtcp(buf: Buffer): void {
    const parsed = parseRtcp(buf, buf.length);
    if (!parsed.ok) {
      this.#options.onDropped?.(undefined, `malformed RTCP (${parsed.code})`);
      return;
    }
    const now = this.#clock.now();
    for (const [kind, s] of this.#streams) {
      // Reports and feedback name the SSRC they are about; route them to the stream that owns it.
      const mine = parsed.packets.filter((p) => this.#concerns(p, s));
      const rest = s.onRtcp(mine, now);
      if (rest.length > 0) this.onRtcp?.(kind, rest);
    }
  }

  #concerns(p: RtcpPacket, s: StreamState): boolean {
    switch (p.type) {
      case 'sr':
        return p.ssrc === s.recv.ssrc || p.reports.some((r) => r.ssrc === s.localSsrc);
      case 'rr':
        return p.reports.some((r) => r.ssrc === s.localSsrc);
      case 'pli':
      case 'nack':
        return p.mediaSsrc === s.localSsrc;
      case 'fir':
        return p.entries.some((e) => e.ssrc === s.localSsrc);
      case 'bye':
        return p.ssrcs.includes(s.recv.ssrc);
      default:
        return false;
    }
  }

  sendRtp(kind: StreamKind, packet: Buffer): void {
    const path = this.#path;
    if (path === undefined || this.#closed || packet.length < 12) return;
    this.#streams.get(kind)?.onSent(packet, this.#clock.now());
    if (!path.sendRtp(packet)) this.#notSent(kind);
  }

  sendRtcp(kind: StreamKind, packet: Buffer): void {
    const path = this.#path;
    if (path === undefined || this.#closed) return;
    if (!path.sendRtcp(packet)) this.#notSent(kind);
  }

  #notSent(kind: StreamKind): void {
    this.#options.onDropped?.(kind, 'RTP/RTCP packet shorter than its header: not sent');
  }

  routeInput(kind: StreamKind): ReturnType<MediaLeg['routeInput']> {
    // SRTP authenticates the source: no address check (the browser may change its pair).
    const socket = this.#closed ? undefined : this.#path?.mediaSocket();
    const stream = this.#streams.get(kind);
    return socket === undefined || stream === undefined ? undefined : { socket, source: undefined, stream };
  }

  routeOutput(kind: StreamKind): ReturnType<MediaLeg['routeOutput']> {
    const socket = this.#closed ? undefined : this.#path?.mediaSocket();
    const stream = this.#streams.get(kind);
    if (socket === undefined || stream === undefined) return undefined;
    return {
      socket,
      stream,
      onSendError: (errno) => this.#options.onDropped?.(kind, `send failed: ${errnoName(errno)}`),
    };
  }

  localSsrc(kind: StreamKind): number {
    return this.#streams.get(kind)?.localSsrc ?? 0;
  }

  remoteSsrc(kind: StreamKind): number | undefined {
    const s = this.#streams.get(kind);
    return s?.recv.started ? s.recv.ssrc : undefined;
  }

  sendReports(): void {
    const now = this.#clock.now();
    for (const s of this.#streams.values()) this.sendRtcp(s.kind, s.buildReport(now, `parley-${this.id}`));
  }

  stats(): LegStats {
    const streams = [...this.#streams.values()].map((s) => s.stats());
    // SRTP failures cannot be told apart by stream before decryption: counted on the first one.
    const first = streams[0];
    if (first !== undefined) first.invalidPackets += this.#srtpFailures;
    const profile = this.#srtp?.profile.name;
    return { legId: this.id, streams, ...(profile === undefined ? {} : { srtpProfile: profile }) };
  }

  #assertOpen(): void {
    if (this.#closed) throw new MediaError('MEDIA_CLOSED', `[leg:${this.id}] closed`);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    this.onRtp = undefined;
    this.onRtcp = undefined;
    this.#path?.close();
    await this.#pc?.close();
    this.#options.onState?.('closed');
  }
}
