// Transfers of a call. Ours: blind (REFER, RFC 3515) or attended (REFER with Replaces, RFC 3891), with the
// NOTIFY progress reported to the browser, and our dialog ended once the transfer succeeded (RFC 5589 §6.1).
// The peer's: a REFER received is followed by an INVITE to its target on the same account; the browser's
// WebRTC leg stays as it is and only the RTP leg moves to the new peer (RFC 5589 §7).
import { calleeProblem } from '../../protocol/sip-grammar.js';
import { ServerError } from '../errors.js';
import type { MediaSession, SipCall, SipIncomingRefer } from '../ports.js';
import type { Call, CallContext } from './call.js';
import { reasonPhrase } from './call-status.js';
import { sipHandlers } from './sip-handlers.js';

export class CallTransfers {
  readonly #call: Call;
  readonly #ctx: CallContext;
  #following = false;
  #oldLegEnded = false;
  /** Our REFER until its response is reported: a NOTIFY that overtakes the 202 waits for it (RFC 3515 §2.4.4). */
  #referSent: Promise<void> | undefined;
  /** The INVITE to a REFER's target, until it is answered or fails. */
  #pending: SipCall | undefined;

  constructor(call: Call, ctx: CallContext) {
    this.#call = call;
    this.#ctx = ctx;
  }

  /** True while a REFER from the peer is being followed: the old dialog's end does not end the call. */
  get following(): boolean {
    return this.#following;
  }

  async transfer(target: string | undefined, replacesCallId: string | undefined): Promise<void> {
    const call = this.#call;
    if ((target === undefined) === (replacesCallId === undefined)) {
      throw new ServerError('WS_INVALID_FIELD', 'target: give either target (blind) or replacesCallId (attended)', {
        field: 'target',
      });
    }
    const sip = call.sip;
    if (!sip || (call.status !== 'ESTABLISHED' && call.status !== 'HOLD')) {
      throw new ServerError('WS_OUT_OF_ORDER', `call.transfer: the call is ${call.status}`, { field: 'callId' });
    }
    let referTo: string | { replaces: SipCall };
    if (target !== undefined) {
      const problem = calleeProblem(target);
      if (problem) throw new ServerError('WS_INVALID_FIELD', `target: ${problem}`, { field: 'target' });
      referTo = target.trim();
    } else {
      const other = this.#ctx.findCall(replacesCallId!);
      if (!other || other === call || !other.sip?.dialogId) {
        throw new ServerError('WS_UNKNOWN_CALL', 'replacesCallId: no other established call with that id', {
          field: 'replacesCallId',
        });
      }
      referTo = { replaces: other.sip };
    }
    const sent = sip.refer(referTo);
    this.#referSent = sent.then(() => undefined);
    const outcome = await sent;
    if (!outcome.ok) {
      this.#report('FAILED', outcome.status, outcome.reason);
      throw new ServerError(
        'WS_OPERATION_FAILED',
        `REFER refused: ${outcome.status} ${reasonPhrase(outcome.status, outcome.reason)}`,
        {
          sipStatus: outcome.status,
        },
      );
    }
    this.#report('ACCEPTED', outcome.status, outcome.reason);
  }

  /** RFC 3515 §2.4.5: each NOTIFY's sipfrag status line; a 2xx means the target answered the transferee. */
  async onReferProgress(status: number, reason: string): Promise<void> {
    // The NOTIFY can arrive before the REFER's 202 (another transaction, maybe another path): ACCEPTED first.
    await this.#referSent;
    if (status < 200) return this.#report('PROGRESS', status, reason);
    if (status >= 300) return this.#report('FAILED', status, reason);
    this.#report('SUCCEEDED', status, reason);
    await this.#call.hangup();
  }

  /**
   * A REFER from the peer: call its target, keep the browser's leg, report with NOTIFYs. The target is asked
   * of the application's backend first, like a call the browser places (the far end must not make the gateway
   * call anyone the backend would refuse). Resolves once the new INVITE is sent: its outcome is handled by its
   * own handlers, so that the old leg's BYE or re-INVITE (same serial event chain) is never held up by a
   * target that rings for ever.
   */
  async followRefer(refer: SipIncomingRefer): Promise<void> {
    const call = this.#call;
    const media = call.media;
    const problem = calleeProblem(refer.target);
    if (!media || this.#following || call.ended || problem) {
      call.log.info({ callId: call.id, target: refer.target, problem }, 'REFER not followed');
      await this.#notify(refer, problem ? 400 : 503, problem ? 'Bad Request' : 'Service Unavailable');
      return;
    }
    this.#following = true;
    this.#oldLegEnded = false;
    let started = false;
    try {
      let target = refer.target;
      if (this.#ctx.authorizeCall) {
        const decision = await this.#ctx.authorizeCall({
          callId: call.id,
          callee: target,
          visibleName: call.visibleName,
          hasVideo: call.hasVideo,
        });
        if (!decision.allow || calleeProblem(decision.value.callee)) {
          const sipStatus = decision.allow ? 403 : decision.sipStatus;
          const reason = decision.allow ? 'the application rewrote the target to an invalid one' : decision.reason;
          call.log.info({ callId: call.id, target, sipStatus, reason }, 'REFER refused by the application');
          // RFC 3515 §2.4.5: a final sipfrag status ends the implicit subscription; 603 Decline, as a callee would.
          await this.#notify(refer, 603, 'Declined');
          this.#report('FAILED', sipStatus, reason);
          return;
        }
        target = decision.value.callee;
      }
      if (call.ended) return void (await this.#notify(refer, 487, 'Request Terminated'));
      const offer = await media.createRtpOffer({ direction: 'sendrecv', newPeer: true });
      if (call.ended) return void (await this.#notify(refer, 487, 'Request Terminated'));
      await this.#notify(refer, 100, 'Trying');
      this.#invite(refer, target, offer, media);
      started = true;
    } catch (e) {
      call.log.warn({ callId: call.id, err: e }, 'following a REFER failed');
      await this.#notify(refer, 503, 'Service Unavailable');
    } finally {
      if (!started) {
        this.#following = false;
        // The transferor may have sent its BYE meanwhile: with no new leg, the call is over.
        if (this.#oldLegEnded && !call.ended) call.onSipTerminated({ reason: 'Transfer failed' });
      }
    }
  }

  /** The browser's call ended while a REFER was being followed: the new INVITE is cancelled (no orphan dialog). */
  abandon(): void {
    const leg = this.#pending;
    if (!leg) return;
    this.#pending = undefined;
    this.#call.log.info({ callId: this.#call.id }, 'call ended while following a REFER: new leg cancelled');
    leg
      .hangup()
      .catch((e: unknown) =>
        this.#call.log.warn({ callId: this.#call.id, err: e }, 'cancelling the transfer leg failed'),
      );
  }

  #invite(refer: SipIncomingRefer, target: string, offer: string, media: MediaSession): void {
    const call = this.#call;
    const old = call.sip;
    let leg: SipCall | undefined;
    const settle = (succeeded: boolean): void => {
      if (this.#pending === leg) this.#pending = undefined;
      this.#following = false;
      if (call.ended) return;
      if (succeeded) {
        call.log.info({ callId: call.id, target }, 'followed REFER: call moved to the transfer target');
        if (old && !this.#oldLegEnded) {
          old
            .hangup()
            .catch((e: unknown) => call.log.warn({ callId: call.id, err: e }, 'BYE to the transferor failed'));
        }
      } else if (this.#oldLegEnded) {
        call.onSipTerminated({ reason: 'Transfer failed' });
      }
    };
    const base = sipHandlers(call, () => leg);
    leg = this.#ctx.account.invite(
      {
        target,
        sdp: offer,
        displayName: call.visibleName,
        ...(refer.replaces ? { replaces: refer.replaces } : {}),
      },
      {
        ...base,
        // 100 Trying was notified above, before the INVITE left.
        onProgress: (status, reason) => {
          if (status > 100) void this.#notify(refer, status, reason);
        },
        onAccepted: (status, reason, sdp) => {
          if (call.ended) {
            // The browser hung up while the target answered: the UA sent the ACK; end the dialog (RFC 3261 §15).
            void leg?.hangup().catch((e: unknown) => call.log.warn({ callId: call.id, err: e }, 'BYE failed'));
            return settle(false);
          }
          const applied = sdp === undefined ? Promise.resolve() : media.applyRtpAnswer(sdp);
          applied
            .then(
              () => {
                call.replaceSipCall(leg!);
                void this.#notify(refer, status, reason);
                settle(true);
                // The new peer may have answered a codec the browser did not agree to: it follows (or the call ends).
                return call.controls.followRtpAnswer();
              },
              (e: unknown) => {
                call.log.warn({ callId: call.id, err: e }, 'the transfer target answer could not be applied');
                void leg?.hangup().catch((err: unknown) => call.log.warn({ callId: call.id, err }, 'BYE failed'));
                void this.#notify(refer, 488, 'Not Acceptable Here');
                settle(false);
              },
            )
            .catch((e: unknown) => call.log.error({ callId: call.id, err: e }, 'following the transfer target failed'));
        },
        onFailed: (failure) => {
          void this.#notify(refer, failure.status, failure.reason);
          settle(false);
        },
      },
    );
    this.#pending = leg;
  }

  onOldLegEnded(): void {
    this.#oldLegEnded = true;
  }

  async #notify(refer: SipIncomingRefer, status: number, reason: string): Promise<void> {
    try {
      await refer.notify(status, reasonPhrase(status, reason));
    } catch (e) {
      this.#call.log.warn({ callId: this.#call.id, err: e }, 'NOTIFY for a REFER failed');
    }
  }

  #report(status: 'ACCEPTED' | 'PROGRESS' | 'SUCCEEDED' | 'FAILED', sipStatus: number, sipReason: string): void {
    this.#call.log.info({ callId: this.#call.id, transfer: status, sipStatus }, 'transfer progress');
    this.#ctx.send({
      type: 'call.transfer',
      callId: this.#call.id,
      status,
      sipStatus,
      sipReason: reasonPhrase(sipStatus, sipReason),
    });
  }
}
