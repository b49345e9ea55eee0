// Transfers of a call. Ours: blind (REFER, RFC 3515) or attended (REFER with Replaces, RFC 3891), with the
// NOTIFY progress reported to the browser, and our dialog ended once the transfer succeeded (RFC 5589 §6.1).
// The peer's: a REFER received is followed by an INVITE to its target on the same account; the browser's
// WebRTC leg stays as it is and only the RTP leg moves to the new peer (RFC 5589 §7).
import { calleeProblem } from '../../protocol/sip-grammar.js';
import { ServerError } from '../errors.js';
import type { SipCall, SipIncomingRefer } from '../ports.js';
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

  /** A REFER from the peer: call its target, keep the browser's leg, report with NOTIFYs. */
  async followRefer(refer: SipIncomingRefer): Promise<void> {
    const call = this.#call;
    const media = call.media;
    const problem = calleeProblem(refer.target);
    if (!media || this.#following || call.ended || problem) {
      call.log.info({ callId: call.id, target: refer.target, problem }, 'REFER not followed');
      await refer.notify(problem ? 400 : 503, problem ? 'Bad Request' : 'Service Unavailable');
      return;
    }
    this.#following = true;
    this.#oldLegEnded = false;
    const old = call.sip;
    let leg: SipCall | undefined;
    try {
      const offer = await media.createRtpOffer({ direction: 'sendrecv', newPeer: true });
      await refer.notify(100, 'Trying');
      const settled = new Promise<boolean>((resolve) => {
        const base = sipHandlers(call, () => leg);
        leg = this.#ctx.account.invite(
          {
            target: refer.target,
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
              const applied = sdp === undefined ? Promise.resolve() : media.applyRtpAnswer(sdp);
              applied.then(
                () => {
                  call.replaceSipCall(leg!);
                  void this.#notify(refer, status, reason);
                  resolve(true);
                },
                (e: unknown) => {
                  call.log.warn({ callId: call.id, err: e }, 'the transfer target answer could not be applied');
                  void leg?.hangup();
                  void this.#notify(refer, 488, 'Not Acceptable Here');
                  resolve(false);
                },
              );
            },
            onFailed: (failure) => {
              void this.#notify(refer, failure.status, failure.reason);
              resolve(false);
            },
          },
        );
      });
      const succeeded = await settled;
      if (succeeded) {
        call.log.info({ callId: call.id, target: refer.target }, 'followed REFER: call moved to the transfer target');
        if (old && !this.#oldLegEnded) await old.hangup();
      } else if (this.#oldLegEnded) {
        call.onSipTerminated({ reason: 'Transfer failed' });
      }
    } finally {
      this.#following = false;
    }
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
