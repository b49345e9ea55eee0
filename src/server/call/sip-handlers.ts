// The SIP events of one leg of a call, in order: each event waits for the previous one to be handled (a 2xx
// processed before the 183 that preceded it would put the call back to RING_MEDIA), and events of a leg
// the call no longer uses (replaced after following a REFER) are logged and dropped.
import type { SipCall, SipOutgoingCallHandlers } from '../ports.js';
import type { Call } from './call.js';

export function sipHandlers(call: Call, leg: () => SipCall | undefined): SipOutgoingCallHandlers {
  let chain: Promise<void> = Promise.resolve();
  const current = (): boolean => {
    const l = leg();
    return l === undefined || call.sip === undefined || call.sip === l;
  };
  const serial = (what: string, fn: () => unknown): void => {
    chain = chain
      .then(async () => {
        if (!current()) {
          call.log.debug({ callId: call.id, event: what }, 'event of a replaced SIP leg ignored');
          return;
        }
        await fn();
      })
      .catch((e: unknown) => call.log.error({ callId: call.id, err: e }, `handling ${what} failed`));
  };
  return {
    onProgress: (status, reason, sdp) => serial('provisional response', () => call.onSipProgress(status, reason, sdp)),
    onAccepted: (status, reason, sdp) => serial('2xx response', () => call.onSipAccepted(status, reason, sdp)),
    onFailed: (failure) => serial('final failure', () => call.onSipFailed(failure)),
    onTerminated: (info) =>
      serial('dialog end', () => {
        if (call.transfers.following) call.transfers.onOldLegEnded();
        else call.onSipTerminated(info);
      }),
    onReinvite: (offer) => {
      const answer = chain.then(() => call.onSipReinvite(offer));
      chain = answer.then(
        () => undefined,
        (e: unknown) => call.log.warn({ callId: call.id, err: e }, 're-INVITE refused'),
      );
      return answer;
    },
    // Only the start of following a REFER is in the chain (the INVITE sent in order); its outcome is not
    // waited for, or a target ringing for ever would hold up the old leg's BYE and re-INVITEs.
    onRefer: (refer) =>
      serial('REFER', () => {
        call.transfers
          .followRefer(refer)
          .catch((e: unknown) => call.log.error({ callId: call.id, err: e }, 'following a REFER failed'));
      }),
    onInfoDtmf: (digit) => serial('INFO DTMF', () => call.onDtmfReceived(digit, 'INFO')),
    onReferProgress: (status, reason) => serial('REFER progress', () => call.transfers.onReferProgress(status, reason)),
  };
}
