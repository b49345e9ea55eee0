// TEST DOUBLE of the media plane (src/media): it implements MediaPort without any socket, ICE or RTP.
// It turns SDP into recognisable strings (`rtp-offer<-…`) and records what the server asked, so that the
// session and call logic can be tested before the real media plane is wired. Never used in production.
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
import { Recorder } from './wait-for.js';

export class FakeMediaPort implements MediaPort {
  readonly sessions = new Recorder<FakeMediaSession>();
  /** When set, createSession waits for it: tests use it to hold a call in PENDING. */
  gate: Promise<void> | undefined;
  /** When set, every createSession rejects with it. */
  failWith: Error | undefined;

  async createSession(options: MediaSessionOptions, handlers: MediaSessionHandlers): Promise<MediaSession> {
    if (this.gate) await this.gate;
    if (this.failWith) throw this.failWith;
    const s = new FakeMediaSession(options.callId, handlers);
    this.sessions.push(s);
    return s;
  }

  metrics(): MediaMetrics {
    return { sessions: this.sessions.items.filter((s) => !s.closed).length, packetsForwarded: 0, packetsLost: 0 };
  }
}

/** TEST DOUBLE of one media session: SDP in gives a labelled SDP out; candidates and DTMF are recorded. */
export class FakeMediaSession implements MediaSession {
  readonly callId: string;
  readonly handlers: MediaSessionHandlers;
  readonly candidates: (IceCandidate | null)[] = [];
  readonly dtmfSent: string[] = [];
  readonly rtpOffers: { direction: MediaDirection; newPeer: boolean }[] = [];
  readonly rtpAnswers: string[] = [];
  closed = false;
  /** What the SIP side's re-offer asks for, as `reofferFromRtp` reports it. */
  nextRemoteDirection: MediaDirection = 'sendrecv';

  constructor(callId: string, handlers: MediaSessionHandlers) {
    this.callId = callId;
    this.handlers = handlers;
  }

  async offerFromWebRtc(sdp: string): Promise<string> {
    if (sdp.includes('no-codec')) throw Object.assign(new Error('no codec in common'), { code: 'SDP_NO_COMMON_CODEC' });
    return `rtp-offer<-${sdp}`;
  }
  async answerFromRtp(sdp: string): Promise<string> {
    this.rtpAnswers.push(sdp);
    return `webrtc-answer<-${sdp}`;
  }
  async offerFromRtp(sdp: string): Promise<string> {
    return `webrtc-offer<-${sdp}`;
  }
  async answerFromWebRtc(sdp: string): Promise<string> {
    return `rtp-answer<-${sdp}`;
  }
  async offerToWebRtc(): Promise<string> {
    return 'webrtc-late-offer';
  }
  async offerFromWebRtcAnswer(sdp: string): Promise<string> {
    return `rtp-late-offer<-${sdp}`;
  }
  async createRtpOffer(options: { direction: MediaDirection; newPeer?: boolean }): Promise<string> {
    this.rtpOffers.push({ direction: options.direction, newPeer: options.newPeer ?? false });
    return `rtp-reoffer a=${options.direction}${options.newPeer ? ' new-peer' : ''}`;
  }
  async applyRtpAnswer(sdp: string): Promise<void> {
    this.rtpAnswers.push(sdp);
  }
  async reofferFromRtp(sdp: string): Promise<{ sdp: string; remoteDirection: MediaDirection }> {
    return { sdp: `rtp-reanswer<-${sdp}`, remoteDirection: this.nextRemoteDirection };
  }
  async addWebRtcCandidate(candidate: IceCandidate | null): Promise<void> {
    this.candidates.push(candidate);
  }
  async sendDtmf(digits: string): Promise<void> {
    this.dtmfSent.push(digits);
  }
  async stats(): Promise<MediaSessionStats> {
    return { packetsFromWebRtc: 0, packetsFromRtp: 0, packetsLost: 0 };
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}
