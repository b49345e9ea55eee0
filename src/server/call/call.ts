// One call: the browser's WebRTC leg and the SIP leg, joined by a media session. It turns the browser's
// requests into SIP and media operations, and SIP responses into the CALL_STATUS the browser sees
// (call-status.ts has the diagram). Every await is followed by a check that the call has not ended meanwhile:
// the browser may hang up at any moment, PENDING included, and the SIP side is then always told.
// What is done to a call once it is up lives beside it: hold and DTMF in call-controls.ts, transfers in
// call-transfers.ts; the media session's life in call-media.ts.
import type { Logger } from 'pino';
import type { CallStatus, DtmfType, IceCandidate, SipHeaders } from '../../protocol/common.js';
import type { ServerMessage } from '../../protocol/server-messages.js';
import { ServerError } from '../errors.js';
import type { MediaPort, MediaSession, SipAccount, SipCall, SipFailure, SipIncomingCall } from '../ports.js';
import type { MediaLimit } from '../session/media-limit.js';
import type { SessionGate } from '../session/session.js';
import { CallControls } from './call-controls.js';
import { CallMedia } from './call-media.js';
import { isFinal, reasonPhrase, statusForFailure, statusForProvisional } from './call-status.js';
import { CallTransfers } from './call-transfers.js';
import { sipHandlers } from './sip-handlers.js';

export interface CallContext {
  account: SipAccount;
  media: MediaPort;
  /** Sends a message to this call's browser. */
  send(message: ServerMessage): void;
  log: Logger;
  /** Told of every status change (the session forgets final calls; metrics count them). */
  onStatus(call: Call, status: CallStatus): void;
  /** Another call of the same session, for an attended transfer. */
  findCall(callId: string): Call | undefined;
  /** The server-wide cap on open media sessions (PARLEY_MAX_MEDIA_SESSIONS). */
  mediaLimit?: MediaLimit;
  /** The session's gate (webhook `call` policy), asked before following a REFER to a new target. */
  authorizeCall?(request: Parameters<SessionGate['call']>[1]): ReturnType<SessionGate['call']>;
}

export interface OutgoingCallRequest {
  callId: string;
  callee: string;
  visibleName?: string;
  hasAudio?: boolean;
  hasVideo?: boolean;
  sdp: string;
  sipHeaders?: SipHeaders;
}

const hasVideoIn = (sdp: string | undefined): boolean => sdp !== undefined && /^m=video [1-9]/m.test(sdp);

export class Call {
  readonly id: string;
  readonly incoming: boolean;
  readonly caller: string;
  readonly callee: string;
  readonly visibleName: string;
  readonly hasAudio: boolean;
  readonly hasVideo: boolean;
  readonly startedAt = Date.now();
  establishedAt: number | undefined;
  sipStatus: number | undefined;
  sipReason: string | undefined;

  readonly #ctx: CallContext;
  #status: CallStatus = 'NEW';
  #sip: SipCall | undefined;
  #sipIncoming: SipIncomingCall | undefined;
  readonly #media: CallMedia;
  #browserHasAnswer = false;
  /** The browser's answer came from a provisional response's SDP (early media). */
  #earlyAnswered = false;
  #hangupRequested = false;
  readonly transfers: CallTransfers;
  readonly controls: CallControls;

  private constructor(
    ctx: CallContext,
    init: {
      id: string;
      incoming: boolean;
      caller: string;
      callee: string;
      visibleName: string;
      hasAudio: boolean;
      hasVideo: boolean;
    },
  ) {
    this.#ctx = ctx;
    this.id = init.id;
    this.incoming = init.incoming;
    this.caller = init.caller;
    this.callee = init.callee;
    this.visibleName = init.visibleName;
    this.hasAudio = init.hasAudio;
    this.hasVideo = init.hasVideo;
    this.transfers = new CallTransfers(this, ctx);
    this.controls = new CallControls(this, (m) => ctx.send(m));
    this.#media = new CallMedia(init.id, ctx.log, ctx.mediaLimit);
  }

  /** A call from the browser; `start` places it. */
  static outgoing(ctx: CallContext, caller: string, req: OutgoingCallRequest): Call {
    return new Call(ctx, {
      id: req.callId,
      incoming: false,
      caller,
      callee: req.callee.trim(),
      visibleName: req.visibleName ?? caller,
      hasAudio: req.hasAudio ?? true,
      hasVideo: req.hasVideo ?? hasVideoIn(req.sdp),
    });
  }

  /** A call from the SIP side; `offer` presents it to the browser. */
  static incomingFrom(ctx: CallContext, id: string, sip: SipIncomingCall): Call {
    const call = new Call(ctx, {
      id,
      incoming: true,
      caller: sip.caller,
      callee: sip.callee,
      visibleName: sip.callerDisplayName || sip.caller,
      hasAudio: true,
      hasVideo: hasVideoIn(sip.offer),
    });
    call.#sip = sip;
    call.#sipIncoming = sip;
    return call;
  }

  get status(): CallStatus {
    return this.#status;
  }
  get sip(): SipCall | undefined {
    return this.#sip;
  }
  get media(): MediaSession | undefined {
    return this.#media.session;
  }
  get log(): Logger {
    return this.#ctx.log;
  }
  get ended(): boolean {
    return isFinal(this.#status);
  }
  /** Up, held or not: ESTABLISHED or HOLD. */
  get connected(): boolean {
    return this.#status === 'ESTABLISHED' || this.#status === 'HOLD';
  }

  /** Outgoing: the browser's offer becomes an INVITE. Resolves once the INVITE is on its way. */
  async start(sdp: string, sipHeaders?: SipHeaders): Promise<void> {
    this.setStatus('PENDING');
    const media = await this.#openMedia();
    if (!media) return;
    let offer: string;
    try {
      offer = await media.offerFromWebRtc(sdp);
    } catch (e) {
      this.#failMedia(e, 488);
      return;
    }
    if (this.#hangupRequested) return this.#finishLocally();
    let leg: SipCall | undefined;
    leg = this.#ctx.account.invite(
      {
        target: this.callee,
        sdp: offer,
        displayName: this.visibleName,
        ...(sipHeaders ? { headers: sipHeaders } : {}),
      },
      sipHandlers(this, () => leg),
    );
    this.#sip = leg;
  }

  /** Incoming: the SIP offer becomes the browser's offer in `call.incoming`, and the SIP side hears 180. */
  async offer(): Promise<void> {
    const sip = this.#sipIncoming;
    if (!sip) throw new Error('offer() is for incoming calls');
    sip.listen(sipHandlers(this, () => sip));
    const media = await this.#openMedia();
    if (!media) return;
    let browserOffer: string;
    try {
      // RFC 3261 §13.2.1 late offer: an INVITE without SDP gets our offer in the 200 OK, made from the browser's
      // answer to an offer of what the gateway supports; the ACK brings the answer.
      if (sip.offer !== undefined) browserOffer = await media.offerFromRtp(sip.offer);
      else if (media.offerToWebRtc) browserOffer = await media.offerToWebRtc();
      else throw Object.assign(new Error('the media port cannot make a late offer'), { code: 'MEDIA_NO_LATE_OFFER' });
    } catch (e) {
      await sip.reject(488, 'Not Acceptable Here');
      this.#failMedia(e, 488);
      return;
    }
    if (this.ended) return;
    await sip.ring();
    this.#ctx.send({
      type: 'call.incoming',
      callId: this.id,
      caller: this.caller,
      callee: this.callee,
      visibleName: this.visibleName,
      hasAudio: this.hasAudio,
      hasVideo: this.hasVideo,
      sdp: browserOffer,
    });
    this.setStatus('RING', 180, 'Ringing');
  }

  /** Incoming: the browser's answer goes into the 200 OK. */
  async answer(sdp: string): Promise<void> {
    const sip = this.#sipIncoming;
    if (!sip) throw new ServerError('WS_OUT_OF_ORDER', 'call.answer: this call is outgoing', { field: 'callId' });
    if (this.#status !== 'RING')
      throw new ServerError('WS_OUT_OF_ORDER', `call.answer: the call is ${this.#status}`, { field: 'callId' });
    const media = this.#media.session;
    if (!media) throw new ServerError('WS_OUT_OF_ORDER', 'call.answer: the call has no media yet', { field: 'callId' });
    this.setStatus('PENDING');
    const late = sip.offer === undefined;
    let sipSdp: string;
    try {
      if (!late) sipSdp = await media.answerFromWebRtc(sdp);
      else if (media.offerFromWebRtcAnswer) sipSdp = await media.offerFromWebRtcAnswer(sdp);
      else throw Object.assign(new Error('the media port cannot make a late offer'), { code: 'MEDIA_NO_LATE_OFFER' });
    } catch (e) {
      await sip.reject(488, 'Not Acceptable Here');
      this.#failMedia(e, 488);
      return;
    }
    if (this.ended) return;
    const outcome = await sip.accept(sipSdp);
    if (!outcome.ok) return this.setStatus('FAILED', outcome.status, reasonPhrase(outcome.status, outcome.reason));
    if (late) {
      // RFC 3264 §5: the ACK of a late offer carries the answer; without a usable one the call cannot have media.
      try {
        if (outcome.sdp === undefined)
          throw Object.assign(new Error('ACK without SDP answer'), { code: 'SDP_NO_ANSWER' });
        await media.applyRtpAnswer(outcome.sdp);
      } catch (e) {
        this.log.warn({ callId: this.id, err: e }, 'the answer in the ACK cannot be used: BYE');
        await sip.hangup();
        this.#failMedia(e, 488);
        return;
      }
    }
    this.#established(outcome.status, outcome.reason);
  }

  /** Trickled candidates go to the media session as they come; none is waited for. */
  async addCandidate(candidate: IceCandidate | null): Promise<void> {
    if (this.ended) return;
    await this.#media.addCandidate(candidate);
  }

  /** Ends the call in any state; the SIP side is always told (CANCEL, BYE or a final response). */
  async hangup(declineStatus = 603): Promise<void> {
    if (this.ended || this.#hangupRequested) return;
    this.#hangupRequested = true;
    const sip = this.#sip;
    // `finally`: a SIP side that fails to answer must not keep the call (and its media) forever.
    if (this.#sipIncoming && !this.connected) {
      try {
        await this.#sipIncoming.reject(declineStatus, reasonPhrase(declineStatus));
      } finally {
        this.setStatus('FINISH', declineStatus, reasonPhrase(declineStatus));
      }
      return;
    }
    if (!sip) return; // start() sees the flag after its await and finishes the call
    try {
      await sip.hangup();
    } finally {
      // An outgoing call not yet answered usually ends through onFailed(487) first; if not, it ends here.
      if (!this.ended) this.setStatus('FINISH', undefined, 'Hangup');
    }
  }

  /** Hold or resume, from the browser (call-controls.ts). */
  hold(on: boolean): Promise<void> {
    return this.controls.hold(on);
  }

  /** DTMF towards the SIP side (call-controls.ts). */
  sendDtmf(digits: string, type?: DtmfType, durationMs?: number): Promise<void> {
    return this.controls.sendDtmf(digits, type, durationMs);
  }

  /** Any status change goes to the browser, once; a final status closes the media session. */
  setStatus(status: CallStatus, sipStatus?: number, sipReason?: string): void {
    if (this.ended) return;
    if (status === this.#status && sipStatus === this.sipStatus) return;
    this.#status = status;
    if (sipStatus !== undefined) {
      this.sipStatus = sipStatus;
      this.sipReason = reasonPhrase(sipStatus, sipReason);
    } else if (sipReason !== undefined) {
      // A reason without a SIP status (a local hangup, a media failure): the old status no longer applies.
      this.sipStatus = undefined;
      this.sipReason = sipReason;
    }
    this.log.info({ callId: this.id, status, sipStatus: this.sipStatus, sipReason: this.sipReason }, 'call status');
    this.#ctx.send({
      type: 'call.status',
      callId: this.id,
      status,
      ...(this.sipStatus !== undefined ? { sipStatus: this.sipStatus } : {}),
      ...(this.sipReason ? { sipReason: this.sipReason } : {}),
    });
    this.#ctx.onStatus(this, status);
    if (isFinal(status)) {
      this.transfers.abandon();
      this.controls.abandon();
      void this.#media.close();
    }
  }

  // ─── called by the SIP handlers (sip-handlers.ts) ─────────────────────────────────────────────────────
  async onSipProgress(status: number, reason: string, sdp: string | undefined): Promise<void> {
    if (sdp !== undefined && !(await this.#answerBrowser(sdp))) return;
    if (sdp !== undefined) this.#earlyAnswered = true;
    this.setStatus(statusForProvisional(status, sdp !== undefined, this.#status), status, reason);
  }

  async onSipAccepted(status: number, reason: string, sdp: string | undefined): Promise<void> {
    if (this.#hangupRequested) return; // our CANCEL crossed the 2xx: the UA sends BYE (RFC 3261 §9.1)
    if (sdp !== undefined && !(await this.#answerBrowser(sdp))) return;
    if (!this.#browserHasAnswer) {
      this.log.warn({ callId: this.id }, '2xx without an SDP answer');
      await this.#sip?.hangup();
      return this.setStatus('FAILED', 488, 'Not Acceptable Here');
    }
    this.#established(status, reason);
    // A 2xx whose SDP differs from the 183's: the browser, answered from the 183, may have to follow it.
    if (sdp !== undefined && this.#earlyAnswered) await this.controls.followRtpAnswer();
  }

  onSipFailed(failure: SipFailure): void {
    this.setStatus(
      statusForFailure(failure.status, this.#hangupRequested),
      failure.status,
      reasonPhrase(failure.status, failure.reason),
    );
  }

  onSipTerminated(info: { status?: number; reason?: string }): void {
    if (info.status !== undefined) this.setStatus('FINISH', info.status, reasonPhrase(info.status, info.reason));
    else this.setStatus('FINISH', undefined, info.reason ?? 'BYE');
  }

  onSipReinvite(offer: string | undefined): Promise<string> {
    return this.controls.onReinvite(offer);
  }

  onDtmfReceived(digit: string, type: DtmfType): void {
    this.#ctx.send({ type: 'call.dtmf', callId: this.id, digit, dtmfType: type });
  }

  /** Replaces the SIP dialog after following a REFER (call-transfers.ts). */
  replaceSipCall(sip: SipCall): void {
    this.#sip = sip;
    this.#sipIncoming = undefined;
  }

  // ─── internals ──────────────────────────────────────────────────────────────────────────────────────────
  #established(status: number, reason: string): void {
    this.establishedAt ??= Date.now();
    this.setStatus(this.controls.held ? 'HOLD' : 'ESTABLISHED', status, reason);
  }

  /** The SIP answer gives the browser its answer; only the first one goes to the browser (it is then stable). */
  async #answerBrowser(sipSdp: string): Promise<boolean> {
    const media = this.#media.session;
    if (!media) return false;
    try {
      const answer = await media.answerFromRtp(sipSdp);
      if (this.ended) return false;
      if (!this.#browserHasAnswer) {
        this.#browserHasAnswer = true;
        this.#ctx.send({ type: 'call.sdp', callId: this.id, sdpType: 'answer', sdp: answer });
      }
      return true;
    } catch (e) {
      await this.#sip?.hangup();
      this.#failMedia(e, 488);
      return false;
    }
  }

  async #openMedia(): Promise<MediaSession | undefined> {
    try {
      return await this.#media.open(
        this.#ctx.media,
        {
          onWebRtcCandidate: (candidate) => {
            if (!this.ended) this.#ctx.send({ type: 'call.ice', callId: this.id, candidate });
          },
          onStateChange: (state) => {
            this.log.info({ callId: this.id, mediaState: state }, 'media state');
            if (state === 'failed' && !this.ended) void this.#mediaFailed();
          },
          onDtmf: (digit) => this.onDtmfReceived(digit, 'RFC2833'),
        },
        { outgoing: !this.incoming },
      );
    } catch (e) {
      try {
        if (this.#sipIncoming) await this.#sipIncoming.reject(503, 'Service Unavailable');
      } finally {
        this.#failMedia(e, 503);
      }
      return undefined;
    }
  }

  async #mediaFailed(): Promise<void> {
    try {
      await this.#sip?.hangup();
    } catch (e) {
      this.log.warn({ callId: this.id, err: e }, 'hanging up after a media failure failed');
    } finally {
      this.setStatus('FAILED', undefined, 'Media connection failed');
    }
  }

  #failMedia(e: unknown, sipStatus: number): void {
    this.log.warn({ callId: this.id, err: e }, 'media negotiation failed');
    const reason = (e as { message?: string })?.message ?? 'media negotiation failed';
    this.setStatus('FAILED', sipStatus, reason);
  }

  #finishLocally(): void {
    this.setStatus('FINISH', undefined, 'Hangup');
  }
}
