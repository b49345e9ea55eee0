// A call as the page sees it: the browser's RTCPeerConnection and the call's signalling on the session's
// WebSocket. ICE candidates go to the server as they are found (RFC 8838 trickle): the offer leaves at once,
// nothing waits for gathering to complete. Mute is track.enabled (no renegotiation).

import type { ServerMessage } from '../protocol/server-messages.js';
import { CALL_STATUS, type CallStatus } from '../protocol/status.js';
import { Emitter, type Handler } from './emitter.js';
import { invalid, ParleyError } from './errors.js';
import { MediaDisplay } from './media-display.js';
import type { DtmfType, SipHeaders } from './public-types.js';
import { videoAccepted } from './sdp-video.js';
import type { Signalling } from './signalling.js';

export interface MediaOptions {
  /** A <video> element, or a container the SDK puts a <video> into. */
  localVideoDisplay?: HTMLElement | null;
  /** A <video>/<audio> element, or a container the SDK puts a <video> (or <audio>) into. */
  remoteVideoDisplay?: HTMLElement | null;
  /** getUserMedia constraints; default `{ audio: true, video: false }`. */
  constraints?: MediaStreamConstraints;
  receiveAudio?: boolean;
  receiveVideo?: boolean;
}

export interface CallOptions extends MediaOptions {
  callee: string;
  visibleName?: string;
  sipHeaders?: SipHeaders;
}

export interface CallInfo {
  status: CallStatus;
  sipStatus?: number;
  sipReason?: string;
}

export type CallEventHandler = (call: Call, info: CallInfo) => void;

/** Events of a call besides its statuses: transfer progress (RFC 3515 NOTIFY) and DTMF received. */
export const CALL_EVENT = {
  TRANSFER_ACCEPTED: 'TRANSFER_ACCEPTED',
  TRANSFER_PROGRESS: 'TRANSFER_PROGRESS',
  TRANSFER_SUCCEEDED: 'TRANSFER_SUCCEEDED',
  TRANSFER_FAILED: 'TRANSFER_FAILED',
  /** The handler gets (call, digit, type). */
  DTMF: 'DTMF',
} as const;
export type CallEvent = keyof typeof CALL_EVENT;
const FINAL: ReadonlySet<CallStatus> = new Set(['FINISH', 'FAILED', 'BUSY']);

/** @internal What the Session gives a Call: its socket, and a way to forget it when it ends. */
export interface CallHost {
  readonly signalling: Signalling | undefined;
  callEnded(call: Call): void;
}

export class Call {
  readonly #host: CallHost;
  readonly #id: string;
  readonly #incoming: boolean;
  readonly #caller: string;
  readonly #callee: string;
  readonly #visibleName: string;
  #hasVideo: boolean;
  #options: MediaOptions;
  readonly #sipHeaders: SipHeaders | undefined;
  readonly #events = new Emitter();
  readonly #display = new MediaDisplay();
  #status: CallStatus = CALL_STATUS.NEW;
  #sipStatus: number | undefined;
  #sipReason: string | undefined;
  #pc: RTCPeerConnection | undefined;
  #local: MediaStream | undefined;
  readonly #remote = new MediaStream();
  #remoteOffer: string | undefined;
  #signalled = false;
  /** Remote candidates that came before the remote description. */
  #queuedCandidates: (RTCIceCandidateInit | null)[] = [];
  /** Local candidates found before the offer or answer left. */
  #pendingLocal: (RTCIceCandidateInit | null)[] = [];

  /** @internal Created by Session.createCall or for an incoming call. */
  constructor(
    host: CallHost,
    init: {
      id: string;
      incoming: boolean;
      caller: string;
      callee: string;
      visibleName: string;
      hasVideo: boolean;
      offer?: string;
      sipHeaders?: SipHeaders;
    },
    options: MediaOptions,
  ) {
    this.#host = host;
    this.#id = init.id;
    this.#incoming = init.incoming;
    this.#caller = init.caller;
    this.#callee = init.callee;
    this.#visibleName = init.visibleName;
    this.#hasVideo = init.hasVideo;
    this.#remoteOffer = init.offer;
    this.#sipHeaders = init.sipHeaders;
    this.#options = options;
  }

  on(status: CallStatus, handler: CallEventHandler): this;
  on(event: typeof CALL_EVENT.DTMF, handler: (call: Call, digit: string, type: DtmfType) => void): this;
  on(event: CallEvent, handler: CallEventHandler): this;
  on(status: CallStatus | CallEvent, handler: Handler): this {
    if (!(status in CALL_STATUS) && !(status in CALL_EVENT))
      throw invalid('status', `unknown CALL_STATUS or CALL_EVENT ${String(status)}`);
    this.#events.on(status, handler);
    return this;
  }

  id = (): string => this.#id;
  status = (): CallStatus => this.#status;
  caller = (): string => this.#caller;
  callee = (): string => this.#callee;
  visibleName = (): string => this.#visibleName;
  /**
   * Whether the call has video: what was asked for until the offer/answer completes, then what both sides
   * agreed (a video stream the other side rejected, `m=video 0`, makes it false).
   */
  hasVideo = (): boolean => {
    const local = this.#pc?.currentLocalDescription?.sdp;
    const remote = this.#pc?.currentRemoteDescription?.sdp;
    return local && remote ? videoAccepted(local) && videoAccepted(remote) : this.#hasVideo;
  };
  isIncoming = (): boolean => this.#incoming;
  /** The SIP status and reason of the last failure or finish. */
  getInfo = (): CallInfo => ({
    status: this.#status,
    ...(this.#sipStatus !== undefined ? { sipStatus: this.#sipStatus } : {}),
    ...(this.#sipReason ? { sipReason: this.#sipReason } : {}),
  });
  getLocalMediaStream = (): MediaStream | undefined => this.#local;
  getRemoteMediaStream = (): MediaStream => this.#remote;

  /** W3C getStats of the call's peer connection (codec, packet loss, jitter, round-trip time). */
  async getStats(): Promise<RTCStatsReport | Map<string, unknown>> {
    return this.#pc ? this.#pc.getStats() : new Map();
  }

  /** Places an outgoing call. */
  call(): void {
    if (this.#incoming) throw new ParleyError('INVALID_STATE', 'call(): this call is incoming; use answer()');
    if (this.#status !== CALL_STATUS.NEW) throw new ParleyError('INVALID_STATE', `call(): the call is ${this.#status}`);
    this.#setStatus(CALL_STATUS.PENDING);
    this.#run('call()', async () => {
      const pc = await this.#preparePeer();
      if (!pc) return;
      await pc.setLocalDescription(await pc.createOffer());
      if (this.#ended()) return;
      const sdp = pc.localDescription?.sdp ?? '';
      this.#sendOrFail({
        type: 'call.start',
        callId: this.#id,
        callee: this.#callee,
        visibleName: this.#visibleName,
        hasAudio: true,
        hasVideo: this.#hasVideo,
        sdp,
        ...(this.#sipHeaders ? { sipHeaders: this.#sipHeaders } : {}),
      });
    });
  }

  /** Answers an incoming call. */
  answer(options: MediaOptions = {}): void {
    if (!this.#incoming) throw new ParleyError('INVALID_STATE', 'answer(): this call is outgoing');
    if (this.#status !== CALL_STATUS.RING && this.#status !== CALL_STATUS.NEW) {
      throw new ParleyError('INVALID_STATE', `answer(): the call is ${this.#status}`);
    }
    this.#options = { ...this.#options, ...options };
    this.#hasVideo = Boolean(this.#options.constraints?.video) || Boolean(this.#options.receiveVideo);
    this.#setStatus(CALL_STATUS.PENDING);
    this.#run('answer()', async () => {
      const pc = await this.#preparePeer();
      if (!pc || this.#remoteOffer === undefined) return;
      await pc.setRemoteDescription({ type: 'offer', sdp: this.#remoteOffer });
      await pc.setLocalDescription(await pc.createAnswer());
      if (this.#ended()) return;
      this.#sendOrFail({
        type: 'call.answer',
        callId: this.#id,
        sdp: pc.localDescription?.sdp ?? '',
        hasVideo: this.#hasVideo,
      });
    });
  }

  /** Ends the call in any state; the server is always told when it knows the call. */
  hangup(): void {
    if (this.#ended()) return;
    const told =
      this.#signalled || this.#incoming
        ? this.#host.signalling?.send({ type: 'call.hangup', callId: this.#id })
        : false;
    // The server answers with FINISH; without a server to tell (or before it knew the call) finish here.
    if (!told) this.#setStatus(CALL_STATUS.FINISH, undefined, 'Hangup');
  }

  hold(): Promise<void> {
    return this.#request({ type: 'call.hold', callId: this.#id });
  }
  unhold(): Promise<void> {
    return this.#request({ type: 'call.unhold', callId: this.#id });
  }

  /** Blind transfer to a number or SIP URI, or attended transfer to another call of the session. */
  transfer(target: string | Call): Promise<void> {
    if (target instanceof Call)
      return this.#request({ type: 'call.transfer', callId: this.#id, replacesCallId: target.id() });
    if (typeof target !== 'string' || target.trim() === '')
      throw invalid('target', 'must be a number, SIP URI or another Call');
    return this.#request({ type: 'call.transfer', callId: this.#id, target: target.trim() });
  }

  sendDTMF(digits: string, type: DtmfType = 'RFC2833'): Promise<void> {
    if (typeof digits !== 'string' || !/^[0-9A-Da-d*#]{1,64}$/.test(digits))
      throw invalid('digits', 'must be 0-9, *, #, A-D');
    if (type !== 'RFC2833' && type !== 'INFO') throw invalid('type', 'must be RFC2833 or INFO');
    return this.#request({ type: 'call.dtmf', callId: this.#id, digits, dtmfType: type });
  }

  muteAudio = (): void => this.#mute('audio', true);
  unmuteAudio = (): void => this.#mute('audio', false);
  muteVideo = (): void => this.#mute('video', true);
  unmuteVideo = (): void => this.#mute('video', false);

  /** Switches microphone and camera during the call (RTCRtpSender.replaceTrack: no renegotiation). */
  async switchDevices(constraints: MediaStreamConstraints): Promise<void> {
    const pc = this.#pc;
    if (!pc || this.#ended()) return;
    const fresh = await navigator.mediaDevices.getUserMedia(constraints);
    for (const track of fresh.getTracks()) {
      const sender = pc.getSenders().find((s) => s.track?.kind === track.kind);
      if (sender) await sender.replaceTrack(track);
      const old = this.#local?.getTracks().find((t) => t.kind === track.kind);
      if (old) {
        track.enabled = old.enabled;
        old.stop();
        this.#local?.removeTrack(old);
      }
      this.#local?.addTrack(track);
    }
  }

  /** @internal A message of this call from the server. */
  handle(m: ServerMessage): void {
    const pc = this.#pc;
    switch (m.type) {
      case 'call.status':
        if (m.status !== this.#status) this.#setStatus(m.status, m.sipStatus, m.sipReason);
        return;
      case 'call.sdp':
        if (m.sdpType === 'answer' && pc) {
          this.#run('applying the answer', () => pc.setRemoteDescription({ type: 'answer', sdp: m.sdp }));
        } else if (m.sdpType === 'offer') this.#answerReoffer(m.sdp);
        return;
      case 'call.ice':
        if (!pc?.remoteDescription) this.#queuedCandidates.push(m.candidate);
        else if (m.candidate)
          this.#run('adding a candidate', () => pc.addIceCandidate(m.candidate as RTCIceCandidateInit));
        return;
      case 'call.transfer':
        this.#events.emit(`TRANSFER_${m.status}`, this, {
          status: this.#status,
          sipStatus: m.sipStatus,
          sipReason: m.sipReason,
        });
        return;
      case 'call.dtmf':
        this.#events.emit(CALL_EVENT.DTMF, this, m.digit, m.dtmfType);
        return;
      case 'error':
        console.warn(`parley: call ${this.#id}: ${m.code}: ${m.message}`);
        return;
      default:
        return;
    }
  }

  /**
   * A re-offer from the server (the SIP side changed codec, e.g. after a transfer): same ICE and DTLS, so
   * no restart. The answer goes back as `call.sdp`; a browser that cannot apply it says so and the call
   * goes on as before (the server refuses the SIP re-offer).
   */
  #answerReoffer(sdp: string): void {
    const pc = this.#pc;
    const reply = (m: { sdpType: 'answer'; sdp: string } | { sdpType: 'rejected'; reason: string }) =>
      this.#host.signalling?.send({ type: 'call.sdp', callId: this.#id, ...m });
    if (!pc || this.#ended()) {
      reply({ sdpType: 'rejected', reason: `the call is ${this.#status}` });
      return;
    }
    (async () => {
      await pc.setRemoteDescription({ type: 'offer', sdp });
      await pc.setLocalDescription(await pc.createAnswer());
      reply({ sdpType: 'answer', sdp: pc.localDescription?.sdp ?? '' });
    })().catch(async (e: unknown) => {
      console.warn(`parley: call ${this.#id}: the server's re-offer cannot be applied`, e);
      // Back to the last stable description, so the call goes on with what it had (JSEP rollback).
      if (pc.signalingState === 'have-remote-offer') {
        await pc.setLocalDescription({ type: 'rollback' }).catch((r: unknown) => console.warn('parley: rollback', r));
      }
      reply({ sdpType: 'rejected', reason: String((e as Error)?.message ?? e).slice(0, 256) });
    });
  }

  /** @internal The session ended: the call ends with it. */
  sessionEnded(reason: string): void {
    if (!this.#ended()) this.#setStatus(CALL_STATUS.FINISH, undefined, reason);
  }

  async #preparePeer(): Promise<RTCPeerConnection | undefined> {
    const o = this.#options;
    const constraints = o.constraints ?? { audio: true, video: false };
    let local: MediaStream;
    try {
      local = await navigator.mediaDevices.getUserMedia(constraints);
    } catch (e) {
      const err = e as DOMException;
      this.#fail(`${err.name ?? 'Error'}: ${err.message ?? 'cannot open the microphone or camera'}`);
      return undefined;
    }
    if (this.#ended()) {
      for (const t of local.getTracks()) t.stop();
      return undefined;
    }
    this.#local = local;
    const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
    this.#pc = pc;
    pc.onicecandidate = (ev) => {
      const c = ev.candidate ? ev.candidate.toJSON() : null;
      if (this.#signalled) this.#host.signalling?.send({ type: 'call.ice', callId: this.#id, candidate: iceInit(c) });
      else this.#pendingLocal.push(c);
    };
    pc.ontrack = (ev) => {
      if (!this.#remote.getTracks().includes(ev.track)) this.#remote.addTrack(ev.track);
      this.#display.attach(this.#remote, o.remoteVideoDisplay, { local: false });
    };
    for (const track of local.getTracks()) pc.addTrack(track, local);
    const wantsVideo = o.receiveVideo ?? Boolean(constraints.video);
    if (!this.#incoming) {
      if (local.getAudioTracks().length === 0 && o.receiveAudio !== false)
        pc.addTransceiver('audio', { direction: 'recvonly' });
      if (local.getVideoTracks().length === 0 && wantsVideo) pc.addTransceiver('video', { direction: 'recvonly' });
      this.#hasVideo = local.getVideoTracks().length > 0 || wantsVideo;
    }
    if (local.getVideoTracks().length > 0) this.#display.attach(local, o.localVideoDisplay, { local: true });
    return pc;
  }

  #sendOrFail(message: Parameters<Signalling['send']>[0]): void {
    if (!this.#host.signalling?.send(message)) {
      this.#fail('not connected to the server');
      return;
    }
    this.#signalled = true;
    for (const c of this.#pendingLocal.splice(0))
      this.#host.signalling?.send({ type: 'call.ice', callId: this.#id, candidate: iceInit(c) });
  }

  #flushRemoteCandidates(pc: RTCPeerConnection): void {
    for (const c of this.#queuedCandidates.splice(0))
      if (c) this.#run('adding a candidate', () => pc.addIceCandidate(c));
  }

  #request(message: Parameters<Signalling['request']>[0]): Promise<void> {
    const s = this.#host.signalling;
    if (!s || this.#ended())
      return Promise.reject(new ParleyError('INVALID_STATE', `${message.type}: the call is ${this.#status}`));
    return s.request(message);
  }

  #mute(kind: 'audio' | 'video', muted: boolean): void {
    for (const t of this.#local?.getTracks() ?? []) if (t.kind === kind) t.enabled = !muted;
    if (this.#signalled) this.#host.signalling?.send({ type: 'call.mute', callId: this.#id, kind, muted });
  }

  #ended(): boolean {
    return FINAL.has(this.#status);
  }

  #fail(reason: string): void {
    if (this.#signalled) this.#host.signalling?.send({ type: 'call.hangup', callId: this.#id });
    this.#setStatus(CALL_STATUS.FAILED, undefined, reason);
  }

  #run(what: string, fn: () => Promise<unknown>): void {
    fn()
      .then(() => {
        const pc = this.#pc;
        if (pc?.remoteDescription) this.#flushRemoteCandidates(pc);
      })
      .catch((e: unknown) => {
        console.error(`parley: call ${this.#id}: ${what} failed`, e);
        if (!this.#ended()) this.#fail(`${what} failed: ${(e as Error)?.message ?? String(e)}`);
      });
  }

  #setStatus(status: CallStatus, sipStatus?: number, sipReason?: string): void {
    if (this.#ended()) return;
    this.#status = status;
    if (sipStatus !== undefined || sipReason !== undefined) {
      this.#sipStatus = sipStatus;
      this.#sipReason = sipReason;
    }
    if (FINAL.has(status)) this.#cleanup();
    this.#events.emit(status, this, this.getInfo());
  }

  #cleanup(): void {
    for (const t of this.#local?.getTracks() ?? []) t.stop();
    this.#pc?.close();
    this.#display.detach();
    this.#host.callEnded(this);
  }
}

/** The protocol's candidate: RTCIceCandidateInit without undefined fields. */
function iceInit(c: RTCIceCandidateInit | null) {
  if (!c) return null;
  return {
    candidate: c.candidate ?? '',
    ...(c.sdpMid !== undefined ? { sdpMid: c.sdpMid } : {}),
    ...(c.sdpMLineIndex !== undefined ? { sdpMLineIndex: c.sdpMLineIndex } : {}),
    ...(c.usernameFragment !== undefined ? { usernameFragment: c.usernameFragment } : {}),
  };
}
