// What can be done to a call once it is up: hold and unhold from either side, and DTMF towards the SIP side.
// Hold is a re-INVITE on the SIP leg only (RFC 3264 §8.4: sendonly to hold, sendrecv to resume); the
// browser's leg is not renegotiated for it. The call is HOLD while either side holds it:
//
//   ESTABLISHED ──hold() / peer re-INVITE sendonly|inactive──▶ HOLD ──both resumed──▶ ESTABLISHED
//
// A re-INVITE from the SIP side is answered from what the browser agreed to when it can be (hold, a new
// address). One the browser must agree to (a codec change, often after a transfer on a PBX) goes to the page
// as a `call.sdp` offer on the same ICE/DTLS transport; the page's answer gives the 200 OK. A page that
// refuses or does not answer within BROWSER_ANSWER_TIMEOUT_MS: 488, and the call goes on as before.
import type { DtmfType } from '../../protocol/common.js';
import type { ServerMessage } from '../../protocol/server-messages.js';
import { ServerError } from '../errors.js';
import type { MediaDirection, MediaSession } from '../ports.js';
import type { Call } from './call.js';
import { reasonPhrase } from './call-status.js';

const DEFAULT_DTMF_MS = 160;
/** How long a SIP re-offer waits for the page's answer (the SIP side's INVITE transaction has 32 s, §17.1.1.2). */
export const BROWSER_ANSWER_TIMEOUT_MS = 8000;

/** The page's `call.sdp` reply to a re-offer. */
export interface BrowserSdpReply {
  sdpType: 'answer' | 'rejected';
  sdp?: string | undefined;
  reason?: string | undefined;
}

interface AwaitedAnswer {
  resolve(sdp: string): void;
  reject(e: Error): void;
}

export class CallControls {
  readonly #call: Call;
  /** Sends a message to the call's page. */
  readonly #send: (message: ServerMessage) => void;
  /** We put the call on hold (the browser asked). */
  #localHold = false;
  /** The SIP peer put it on hold (its re-offer was sendonly or inactive). */
  #remoteHold = false;
  /** A SIP re-offer sent to the page, waiting for its answer. */
  #awaited: AwaitedAnswer | undefined;

  constructor(call: Call, send: (message: ServerMessage) => void) {
    this.#call = call;
    this.#send = send;
  }

  /** Either side holds the call. */
  get held(): boolean {
    return this.#localHold || this.#remoteHold;
  }

  /** Hold (RFC 3264 §8.4: a re-INVITE with sendonly) or resume (sendrecv). */
  async hold(on: boolean): Promise<void> {
    const call = this.#call;
    const { sip, media } = call;
    if (!sip || !media || !call.connected) {
      throw new ServerError('WS_OUT_OF_ORDER', `call.${on ? 'hold' : 'unhold'}: the call is ${call.status}`, {
        field: 'callId',
      });
    }
    if (this.#localHold === on) return;
    const offer = await media.createRtpOffer({ direction: on ? 'sendonly' : 'sendrecv' });
    const outcome = await sip.reinvite(offer);
    if (!outcome.ok) {
      throw new ServerError(
        'WS_OPERATION_FAILED',
        `re-INVITE refused: ${outcome.status} ${reasonPhrase(outcome.status, outcome.reason)}`,
        { sipStatus: outcome.status },
      );
    }
    if (outcome.sdp !== undefined) await media.applyRtpAnswer(outcome.sdp);
    this.#localHold = on;
    this.#refresh();
  }

  /** A re-INVITE from the SIP peer: answered from what the browser's leg negotiated; it may hold or resume. */
  async onReinvite(offer: string | undefined): Promise<string> {
    const media = this.#call.media;
    if (!media || offer === undefined)
      throw new ServerError('WS_OPERATION_FAILED', 're-INVITE without an offer is not supported');
    const { sdp, remoteDirection } = await this.#answerReoffer(media, offer);
    this.#remoteHold = remoteDirection === 'sendonly' || remoteDirection === 'inactive';
    this.#refresh();
    return sdp;
  }

  /** The page's `call.sdp` reply to our re-offer. */
  onBrowserSdp(reply: BrowserSdpReply): void {
    const awaited = this.#awaited;
    if (awaited === undefined)
      throw new ServerError('WS_OUT_OF_ORDER', 'call.sdp: no offer of this call awaits an answer', { field: 'callId' });
    if (reply.sdpType === 'answer' && reply.sdp === undefined)
      throw new ServerError('WS_INVALID_FIELD', 'sdp: an answer needs its sdp', { field: 'sdp' });
    this.#awaited = undefined;
    if (reply.sdp !== undefined && reply.sdpType === 'answer') awaited.resolve(reply.sdp);
    else awaited.reject(new Error(`the browser refused the re-offer: ${reply.reason ?? 'no reason given'}`));
  }

  /** The call ended: a re-offer waiting for the page is given up. */
  abandon(): void {
    this.#awaited?.reject(new Error('the call ended'));
    this.#awaited = undefined;
  }

  async #answerReoffer(media: MediaSession, offer: string): Promise<{ sdp: string; remoteDirection: MediaDirection }> {
    try {
      return await media.reofferFromRtp(offer);
    } catch (e) {
      const needsBrowser = (e as { code?: unknown })?.code === 'MEDIA_RENEGOTIATION_NEEDED';
      if (!needsBrowser || !media.reofferToWebRtc || !media.answerReofferFromWebRtc) throw e;
      this.#call.log.info({ callId: this.#call.id, reason: (e as Error).message }, 're-offer sent to the browser');
    }
    const browserOffer = await media.reofferToWebRtc(offer);
    try {
      const answer = this.#browserAnswer();
      this.#send({ type: 'call.sdp', callId: this.#call.id, sdpType: 'offer', sdp: browserOffer });
      return await media.answerReofferFromWebRtc(await answer);
    } catch (e) {
      this.#call.log.warn({ callId: this.#call.id, err: e }, 'the browser did not agree to the re-offer: 488');
      await media.abandonReoffer?.();
      throw e;
    }
  }

  /**
   * The SIP side's latest answer (a 2xx whose SDP differs from the 183's, a transfer target's 200 OK, both
   * ACKed already) may use a codec the browser did not agree to: the page then gets a `call.sdp` offer of that
   * answer's codecs on the same ICE/DTLS transport. A page that refuses or stays silent ends the call (BYE):
   * browser and device would each send a codec the other does not decode, and the audio would be lost both
   * ways without a word. Resolves false when the call was ended.
   */
  async followRtpAnswer(): Promise<boolean> {
    const call = this.#call;
    const media = call.media;
    if (!media?.offerFollowingRtpAnswer || !media.applyWebRtcAnswer || call.ended) return !call.ended;
    let offer: string | undefined;
    try {
      offer = await media.offerFollowingRtpAnswer();
    } catch (e) {
      call.log.warn({ callId: call.id, err: e }, 'no offer for the browser to follow the SIP answer');
      return !call.ended;
    }
    if (offer === undefined) return true;
    call.log.info({ callId: call.id }, 'the SIP answer changed codec: re-offer sent to the browser');
    try {
      const answer = this.#browserAnswer();
      this.#send({ type: 'call.sdp', callId: call.id, sdpType: 'offer', sdp: offer });
      await media.applyWebRtcAnswer(await answer);
      return !call.ended;
    } catch (e) {
      await media.abandonReoffer?.();
      if (call.ended) return false;
      const reason = `the browser did not switch to the codec the SIP side answered: ${(e as Error).message}`;
      call.log.warn({ callId: call.id, err: e }, 'the browser did not follow the SIP answer: call ended');
      try {
        await call.sip?.hangup();
      } catch (err) {
        call.log.warn({ callId: call.id, err }, 'BYE after a failed renegotiation failed');
      } finally {
        call.setStatus('FAILED', undefined, reason);
      }
      return false;
    }
  }

  /** The page's answer, or a rejection when it refuses, the call ends or the time is up. */
  #browserAnswer(): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#awaited = undefined;
        reject(new Error(`the browser did not answer the re-offer within ${BROWSER_ANSWER_TIMEOUT_MS} ms`));
      }, BROWSER_ANSWER_TIMEOUT_MS);
      this.#awaited = {
        resolve: (sdp) => {
          clearTimeout(timer);
          resolve(sdp);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
    });
  }

  /** DTMF towards the SIP side: RFC 4733 events on the RTP leg (early media included), or SIP INFO per digit. */
  async sendDtmf(digits: string, type: DtmfType = 'RFC2833', durationMs = DEFAULT_DTMF_MS): Promise<void> {
    const call = this.#call;
    const { sip, media } = call;
    const connected = call.connected || (type === 'RFC2833' && call.status === 'RING_MEDIA');
    if (!sip || !media || !connected) {
      throw new ServerError('WS_OUT_OF_ORDER', `call.dtmf: the call is ${call.status}`, { field: 'callId' });
    }
    if (type === 'RFC2833') return media.sendDtmf(digits.toUpperCase(), durationMs);
    for (const digit of digits.toUpperCase()) {
      const outcome = await sip.sendInfoDtmf(digit, durationMs);
      if (!outcome.ok) {
        throw new ServerError('WS_OPERATION_FAILED', `INFO refused: ${outcome.status} ${outcome.reason}`, {
          sipStatus: outcome.status,
        });
      }
    }
  }

  /** The status that says whether the call is held, once it is up. */
  #refresh(): void {
    const call = this.#call;
    if (call.connected) call.setStatus(this.held ? 'HOLD' : 'ESTABLISHED', call.sipStatus, call.sipReason);
  }
}
