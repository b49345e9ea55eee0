// What can be done to a call once it is up: hold and unhold from either side, and DTMF towards the SIP side.
// Hold is a re-INVITE on the SIP leg only (RFC 3264 §8.4: sendonly to hold, sendrecv to resume); the
// browser's leg is never renegotiated. The call is HOLD while either side holds it:
//
//   ESTABLISHED ──hold() / peer re-INVITE sendonly|inactive──▶ HOLD ──both resumed──▶ ESTABLISHED
import type { DtmfType } from '../../protocol/common.js';
import { ServerError } from '../errors.js';
import type { Call } from './call.js';
import { reasonPhrase } from './call-status.js';

const DEFAULT_DTMF_MS = 160;

export class CallControls {
  readonly #call: Call;
  /** We put the call on hold (the browser asked). */
  #localHold = false;
  /** The SIP peer put it on hold (its re-offer was sendonly or inactive). */
  #remoteHold = false;

  constructor(call: Call) {
    this.#call = call;
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
    const { sdp, remoteDirection } = await media.reofferFromRtp(offer);
    this.#remoteHold = remoteDirection === 'sendonly' || remoteDirection === 'inactive';
    this.#refresh();
    return sdp;
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
