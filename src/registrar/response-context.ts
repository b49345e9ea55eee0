// The response context of a stateful proxy (RFC 3261 §16.6 - §16.10) for one forwarded request: its branches
// (one client transaction per target, all started at once: parallel forking), Timer C per INVITE branch, the
// responses passed back (1xx and 2xx at once, the best final response when every branch has one), and the
// CANCELs (§16.10 on a CANCEL from upstream, §16.7 step 10 after a 2xx, §16.8 when Timer C fires).
//
//   upstream server tx ──► context ──► branch 1 (client tx) ──► contact 1
//                                  └─► branch 2 (client tx) ──► contact 2

import type { Clock, TimerHandle } from '../sip/clock.js';
import type { SipError } from '../sip/errors.js';
import { createResponse } from '../sip/message/builders.js';
import { splitHeaderList } from '../sip/message/header-list.js';
import { SipRequest, SipResponse } from '../sip/message/message.js';
import type { ClientTransaction, ServerTransaction, TransactionLayer } from '../sip/transaction/transaction-layer.js';
import type { Logger } from '../sip/transport/logger.js';
import type { Destination, MessageSource } from '../sip/transport/transport.js';
import { bestResponse } from './best-response.js';

/** A branch: the request as forwarded to one target, its client transaction and what came back. */
interface Branch {
  request: SipRequest;
  destination: Destination;
  tx: ClientTransaction | undefined;
  provisional: boolean;
  final: SipResponse | undefined;
  /** A CANCEL is owed once a provisional response arrives (§9.1: never before). */
  cancelPending: boolean;
  cancelSent: boolean;
  cancelReason: string | undefined;
  timerC: TimerHandle | undefined;
}

export interface ResponseContextOptions {
  serverTx: ServerTransaction;
  /** The request as received (before per-branch changes). */
  request: SipRequest;
  source: MessageSource;
  layer: TransactionLayer;
  clock: Clock;
  /** §16.6 step 11: Timer C, "MUST be greater than 3 minutes". */
  timerC: number;
  logger: Logger;
  /** A response to send upstream outside the server transaction (a 2xx after a final response). */
  sendStateless(response: SipResponse): void;
  /** Called once the context has nothing left to do. */
  onDone(): void;
}

export class ResponseContext {
  private readonly o: ResponseContextOptions;
  private readonly branches: Branch[] = [];
  private finalSent = false;
  private canceled = false;
  private done = false;

  constructor(opts: ResponseContextOptions) {
    this.o = opts;
  }

  get isInvite(): boolean {
    return this.o.request.method === 'INVITE';
  }

  /** Whether a final response went upstream. */
  get answered(): boolean {
    return this.finalSent;
  }

  /** Starts one branch (§16.6 step 10: "forward the new request ... to the address"). */
  fork(request: SipRequest, destination: Destination): void {
    const branch: Branch = {
      request,
      destination,
      tx: undefined,
      provisional: false,
      final: undefined,
      cancelPending: false,
      cancelSent: false,
      cancelReason: undefined,
      timerC: undefined,
    };
    this.branches.push(branch);
    try {
      branch.tx = this.o.layer.sendRequest(request, destination, {
        receiveResponse: (r) => this.receiveResponse(branch, r),
        onError: (e) => this.branchFailed(branch, e),
      });
    } catch (e) {
      // §16.9: a request that cannot be sent is answered as if by 503 (Service Unavailable).
      this.o.logger.warn({ err: e, destination }, 'branch could not be started');
      queueMicrotask(() => this.branchFinal(branch, this.synthetic(branch, 503)));
      return;
    }
    if (this.isInvite) this.startTimerC(branch);
  }

  /** §16.10: a CANCEL from upstream: cancel every pending branch; their 487s make the final response. */
  cancel(): void {
    if (this.canceled) return;
    this.canceled = true;
    for (const b of this.branches) this.cancelBranch(b, undefined);
  }

  private receiveResponse(branch: Branch, response: SipResponse): void {
    // §16.7 step 3: "The proxy removes the topmost Via header field value from the response."
    const up = forUpstream(response);
    const status = response.status;
    if (status < 200) {
      branch.provisional = true;
      if (branch.cancelPending) this.sendCancel(branch);
      else if (this.isInvite) this.startTimerC(branch); // §16.7 step 2: a provisional resets Timer C
      // §16.7 step 5: "Any provisional response other than 100 (Trying)" is forwarded at once.
      if (status !== 100 && !this.finalSent) this.o.serverTx.respond(up);
      return;
    }
    if (status < 300) {
      this.stopTimerC(branch);
      const first = branch.final === undefined;
      branch.final ??= response;
      // Step 5: every 2xx to an INVITE is forwarded at once, even after a final response; to another method only
      // until a final one was sent.
      if (this.isInvite) {
        if (this.o.serverTx.state === 'Proceeding' || this.o.serverTx.state === 'Accepted') this.o.serverTx.respond(up);
        else this.o.sendStateless(up);
        this.finalSent = true;
        // §16.7 step 10 (§16.7 "If a 2xx was forwarded ... the proxy MUST cancel all pending client transactions").
        for (const b of this.branches)
          if (b !== branch) this.cancelBranch(b, 'SIP;cause=200;text="Call completed elsewhere"');
      } else if (!this.finalSent) {
        this.finalSent = true;
        this.o.serverTx.respond(up);
      }
      if (first) this.checkDone();
      return;
    }
    if (branch.final !== undefined) return;
    if (status >= 600 && this.isInvite) {
      // §16.7 step 5 (6xx): not forwarded at once; "the proxy SHOULD cancel all client pending transactions".
      for (const b of this.branches) if (b !== branch) this.cancelBranch(b, undefined);
    }
    this.branchFinal(branch, response);
  }

  private branchFailed(branch: Branch, error: SipError): void {
    // §16.7 step 1 / §16.9: a timeout is a 408, a transport error a 503.
    this.o.logger.info({ code: error.code, destination: branch.destination }, 'branch failed');
    this.branchFinal(branch, this.synthetic(branch, error.code === 'SIP_TIMEOUT' ? 408 : 503));
  }

  private branchFinal(branch: Branch, response: SipResponse): void {
    if (branch.final !== undefined) return;
    this.stopTimerC(branch);
    branch.final = response;
    branch.cancelPending = false;
    this.checkDone();
  }

  private checkDone(): void {
    if (this.branches.some((b) => b.final === undefined)) return;
    if (!this.finalSent) {
      // §16.7 step 6: every branch answered; forward the best final response.
      this.finalSent = true;
      const finals = this.branches.map((b) => b.final!);
      let best = bestResponse(finals);
      // A cancelled request ends in 487 (§9.2) even when a branch that never rang timed out (408) meanwhile:
      // the caller asked for the cancellation; only a 6xx says more.
      if (this.canceled && best.status < 600) best = finals.find((r) => r.status === 487) ?? best;
      this.o.serverTx.respond(forUpstream(best));
    }
    this.finish();
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    for (const b of this.branches) this.stopTimerC(b);
    this.o.onDone();
  }

  /** §9.1: a CANCEL is sent only for a branch that had a provisional response and no final one. */
  private cancelBranch(branch: Branch, reason: string | undefined): void {
    if (!this.isInvite || branch.final !== undefined || branch.cancelSent) return;
    branch.cancelReason = reason;
    if (branch.provisional) this.sendCancel(branch);
    else branch.cancelPending = true;
  }

  private sendCancel(branch: Branch): void {
    if (branch.cancelSent) return;
    branch.cancelSent = true;
    branch.cancelPending = false;
    const cancel = cancelFor(branch.request, branch.cancelReason);
    try {
      this.o.layer.sendRequest(cancel, branch.destination, {
        receiveResponse: (r) => this.o.logger.debug({ status: r.status }, 'response to our CANCEL'),
        onError: (e) => this.o.logger.info({ code: e.code }, 'our CANCEL failed'),
      });
    } catch (e) {
      this.o.logger.warn({ err: e }, 'CANCEL could not be sent');
    }
  }

  private startTimerC(branch: Branch): void {
    this.stopTimerC(branch);
    branch.timerC = this.o.clock.setTimeout(() => {
      branch.timerC = undefined;
      // §16.8: "If the client transaction has received a provisional response, the proxy MUST generate a CANCEL
      // request matching that transaction. If [not], the proxy MUST behave as if the transaction received a 408".
      if (branch.final !== undefined) return;
      if (branch.provisional) this.cancelBranch(branch, undefined);
      else {
        branch.tx?.dispose();
        this.branchFinal(branch, this.synthetic(branch, 408));
      }
    }, this.o.timerC);
  }

  private stopTimerC(branch: Branch): void {
    if (branch.timerC === undefined) return;
    this.o.clock.clearTimeout(branch.timerC);
    branch.timerC = undefined;
  }

  /** A response made here for a branch (408, 503), shaped like one received on it. */
  private synthetic(branch: Branch, status: number): SipResponse {
    return createResponse(branch.request, status);
  }

  /** Ends every branch without answering (the server is closing). */
  dispose(): void {
    for (const b of this.branches) {
      this.stopTimerC(b);
      b.tx?.dispose();
    }
    this.done = true;
  }
}

/** A response for upstream: a copy without the top Via (ours). */
function forUpstream(response: SipResponse): SipResponse {
  const headers = response.headers.clone();
  headers.removeFirst('Via');
  return new SipResponse(response.status, response.reason, headers, response.body);
}

/**
 * §9.1: "The Request-URI, Call-ID, To, the numeric part of CSeq, and From header fields in the CANCEL request
 * MUST be identical to those in the request being cancelled, including tags. A CANCEL constructed by a client
 * MUST have only a single Via header field value matching the top Via value in the request being cancelled."
 * Route header fields are copied too. RFC 3326: Reason says why (a 2xx elsewhere).
 */
export function cancelFor(invite: SipRequest, reason?: string): SipRequest {
  const h = invite.headers;
  const cancel = new SipRequest('CANCEL', invite.uri);
  const via = h.get('Via');
  if (via !== undefined) cancel.headers.append('Via', splitHeaderList(via)[0]!);
  cancel.headers.append('Max-Forwards', '70');
  for (const name of ['From', 'To', 'Call-ID']) {
    const v = h.get(name);
    if (v !== undefined) cancel.headers.append(name, v);
  }
  const seq = (h.get('CSeq') ?? '').trim().split(/\s+/)[0] ?? '1';
  cancel.headers.append('CSeq', `${seq} CANCEL`);
  for (const r of h.getAll('Route')) cancel.headers.append('Route', r);
  if (reason !== undefined) cancel.headers.append('Reason', reason);
  return cancel;
}
