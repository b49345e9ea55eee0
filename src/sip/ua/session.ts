// An INVITE session (RFC 3261 §13–§15) over a confirmed dialog: target refresh and offer/answer by re-INVITE
// (§14) and UPDATE (RFC 3311), INFO (RFC 6086), REFER/NOTIFY (RFC 3515), session timers (RFC 4028), BYE (§15).
//
//   Confirmed ──── bye() / BYE received / session timer / 2xx never ACKed ────▶ Terminated
import { randomInt } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Dialog } from '../dialog/dialog.js';
import type { SipError } from '../errors.js';
import type { SipRequest, SipResponse } from '../message/message.js';
import { AckSender } from './ack-sender.js';
import { ALLOWED_METHODS, type UaContext } from './context.js';
import { type DtmfTone, formatDtmfRelay, parseDtmfInfo } from './dtmf.js';
import { GlareBackoff } from './glare-backoff.js';
import { createResponse } from './message-factory.js';
import type { ServerTransactionPort } from './network.js';
import { type IncomingRefer, ReferHandler, type ReferProgress } from './refer.js';
import { sendWithAuth } from './request-sender.js';
import { SessionTimer } from './session-timer.js';
import { Uas2xxRetransmitter } from './uas-2xx.js';

export type SessionState = 'Confirmed' | 'Terminated';

export interface TerminatedInfo {
  by: 'local' | 'remote' | 'error';
  reason: string;
  status?: number;
}

/** An offer received in a re-INVITE or UPDATE; answer it with accept(answer) or reject(status). */
export interface IncomingOffer {
  method: 'INVITE' | 'UPDATE';
  /** The offer; empty for an offerless re-INVITE (then `accept` gives our offer and the ACK the answer). */
  body: Buffer;
  accept(answer: Buffer): void;
  reject(status: number): void;
}

export interface InfoReceived {
  contentType: string | undefined;
  body: Buffer;
  dtmf: DtmfTone | undefined;
}

export interface SessionEvents {
  offer: [offer: IncomingOffer];
  /** The ACK for a 2xx we sent (initial INVITE or re-INVITE) arrived (RFC 3261 §13.3.1.4). */
  acked: [];
  /** The answer in the ACK of an offerless INVITE or re-INVITE we accepted. */
  ackAnswer: [body: Buffer];
  info: [info: InfoReceived];
  refer: [refer: IncomingRefer];
  referProgress: [progress: ReferProgress];
  terminated: [info: TerminatedInfo];
}

export interface RequestOutcome {
  status: number;
  reason: string;
  body: Buffer;
}

export interface SessionOptions {
  ctx: UaContext;
  dialog: Dialog;
  /** We sent the initial INVITE: the Call-ID is ours (RFC 3261 §14.1 back-off). */
  isCallIdOwner: boolean;
  /** RFC 4028 Session-Expires agreed in the initial transaction, if any. */
  sessionTimer?: { interval: number; refresher: 'local' | 'remote' };
}

export class Session extends EventEmitter<SessionEvents> {
  readonly dialog: Dialog;
  private readonly ctx: UaContext;
  private current: SessionState = 'Confirmed';
  /** §14.1: at most one INVITE transaction of ours pending in the dialog. */
  private outgoingInvite = false;
  /** Our UPDATE with an offer awaits its answer (RFC 3311 §5.1). */
  private outgoingOffer = false;
  /** A reinvite() call is in progress (including its 491 back-off). */
  private reinviting = false;
  private incomingInvite: { seq: number; retransmitter: Uas2xxRetransmitter | undefined } | undefined;
  /** reinvite() calls waiting for the peer's INVITE transaction to complete (§14.1). */
  private inviteWaiters: (() => void)[] = [];
  private readonly backoff: GlareBackoff;
  private readonly acker: AckSender;
  private readonly refer: ReferHandler;
  private sessionTimer: SessionTimer | undefined;

  constructor(o: SessionOptions) {
    super();
    this.ctx = o.ctx;
    this.dialog = o.dialog;
    this.backoff = new GlareBackoff(o.ctx.clock, o.isCallIdOwner);
    this.acker = new AckSender(o.ctx, o.dialog);
    this.refer = new ReferHandler(this, o.ctx);
    if (o.sessionTimer !== undefined) this.startSessionTimer(o.sessionTimer.interval, o.sessionTimer.refresher);
  }

  get state(): SessionState {
    return this.current;
  }

  /** A method, not a property: TypeScript does not narrow it across the awaits of reinvite(). */
  private isTerminated(): boolean {
    return this.current === 'Terminated';
  }

  /** RFC 3891 §3 Replaces value that makes the peer of this dialog replace it: call-id;to-tag;from-tag. */
  get replaces(): string {
    return `${this.dialog.id.callId};to-tag=${this.dialog.id.remoteTag};from-tag=${this.dialog.id.localTag}`;
  }

  /** Sends a request in the dialog and resolves with its final response (401/407 answered). */
  request(method: string, opts: { body?: Buffer; contentType?: string; headers?: [string, string][] } = {}) {
    return new Promise<RequestOutcome>((resolve, reject) => {
      if (this.current === 'Terminated' && method !== 'BYE') {
        reject(new Error(`session terminated [method:${method} call-id:${this.dialog.id.callId}]`));
        return;
      }
      const req = this.dialog.createRequest(method, opts);
      sendWithAuth(this.ctx, req, () => this.dialog.nextSeq(), {
        response: (res, sent) => {
          if (res.status < 200) return;
          if (method === 'INVITE' && res.status < 300) this.acker.ack(sent);
          if ((method === 'INVITE' || method === 'UPDATE') && res.status < 300) this.dialog.refreshTarget(res.headers);
          if (res.status === 481 || res.status === 408)
            this.end({ by: 'error', reason: res.reason, status: res.status });
          resolve({ status: res.status, reason: res.reason, body: res.body });
        },
        error: (e: SipError) => {
          // RFC 3261 §12.2.1.2: "If the response for a request within a dialog is a 481 or a 408 or the request
          // times out, the UAC SHOULD terminate the dialog."
          if (method !== 'BYE') this.end({ by: 'error', reason: e.message, status: e.status });
          resolve({ status: e.status ?? 500, reason: e.message, body: Buffer.alloc(0) });
        },
      });
    });
  }

  /**
   * A re-INVITE with a new offer (hold, unhold, codec change). A 491 is retried after the RFC 3261 §14.1
   * back-off: "If the UAC is the owner of the Call-ID ... between 2.1 and 4 seconds ... If the UAC is not the
   * owner ... between 0 and 2 seconds", in units of 10 ms.
   */
  async reinvite(offer: Buffer): Promise<RequestOutcome> {
    if (this.reinviting) return { status: 491, reason: 'Request Pending', body: Buffer.alloc(0) };
    this.reinviting = true;
    // §14.1: "a UAC MUST NOT initiate a re-INVITE while another INVITE transaction is in progress in either
    // direction": wait until the peer's re-INVITE is ACKed (or given up after 64*T1).
    while (this.incomingInvite !== undefined && !this.isTerminated()) {
      await new Promise<void>((resolve) => this.inviteWaiters.push(resolve));
    }
    if (this.isTerminated()) {
      this.reinviting = false;
      return { status: 481, reason: 'Session terminated', body: Buffer.alloc(0) };
    }
    try {
      for (;;) {
        this.outgoingInvite = true;
        let r: RequestOutcome;
        try {
          r = await this.request('INVITE', { body: offer, headers: this.sessionTimerHeaders() });
        } finally {
          this.outgoingInvite = false;
        }
        if (r.status !== 491 || this.isTerminated()) {
          if (r.status < 300) this.sessionTimer?.refreshed();
          return r;
        }
        // No INVITE transaction of ours is pending during the back-off: the peer's re-INVITE may come in.
        await this.backoff.wait();
        if (this.isTerminated()) return { status: 481, reason: 'Session terminated', body: Buffer.alloc(0) };
      }
    } finally {
      this.reinviting = false;
    }
  }

  /** RFC 3311 UPDATE with an offer (or none, as a session refresh). */
  async update(offer?: Buffer): Promise<RequestOutcome> {
    const withOffer = offer !== undefined && offer.length > 0;
    for (;;) {
      // RFC 3311 §5.1: an UPDATE with an offer while an offer of ours is outstanding would collide.
      if (withOffer) this.outgoingOffer = true;
      let r: RequestOutcome;
      try {
        r = await this.request('UPDATE', { body: offer, headers: this.sessionTimerHeaders() });
      } finally {
        if (withOffer) this.outgoingOffer = false;
      }
      if (r.status < 300) this.sessionTimer?.refreshed();
      // RFC 3311 §5.2: a 491 is retried after the back-off of RFC 3261 §14.1.
      if (r.status !== 491 || this.isTerminated()) return r;
      await this.backoff.wait();
      if (this.isTerminated()) return { status: 481, reason: 'Session terminated', body: Buffer.alloc(0) };
    }
  }

  info(contentType: string, body: Buffer): Promise<RequestOutcome> {
    return this.request('INFO', { contentType, body });
  }

  /** One DTMF tone as INFO `application/dtmf-relay`. */
  sendDtmf(tone: DtmfTone): Promise<RequestOutcome> {
    return this.info('application/dtmf-relay', formatDtmfRelay(tone));
  }

  /** REFER (RFC 3515) to `target` (a URI); `replaces` (another session's `replaces`) for attended transfer. */
  transfer(target: string, replaces?: string): Promise<RequestOutcome> {
    return this.refer.send(target, replaces);
  }

  /** Ends the session with BYE (RFC 3261 §15.1.1); resolves when the BYE is answered or failed. */
  async bye(info: TerminatedInfo = { by: 'local', reason: 'BYE sent' }): Promise<void> {
    if (this.current === 'Terminated') return;
    this.end(info);
    await this.request('BYE');
  }

  /** A request within this dialog, routed here by the user agent (RFC 3261 §12.2.2). */
  receiveRequest(req: SipRequest, tx: ServerTransactionPort | undefined): void {
    if (req.method === 'ACK') {
      this.receiveAck(req);
      return;
    }
    if (tx === undefined) return;
    const check = this.dialog.receiveRequest(req);
    if (!check.ok) {
      tx.respond(createResponse(req, check.status));
      return;
    }
    if (this.current === 'Terminated' && req.method !== 'BYE') {
      tx.respond(createResponse(req, 481));
      return;
    }
    switch (req.method) {
      case 'BYE':
        tx.respond(createResponse(req, 200));
        this.end({ by: 'remote', reason: 'BYE received' });
        return;
      case 'INVITE':
      case 'UPDATE':
        this.receiveOffer(req, tx);
        return;
      case 'INFO': {
        tx.respond(createResponse(req, 200));
        const contentType = req.headers.get('Content-Type');
        this.emit('info', { contentType, body: req.body, dtmf: parseDtmfInfo(contentType, req.body) });
        return;
      }
      case 'REFER':
        this.refer.receiveRefer(req, tx);
        return;
      case 'NOTIFY':
        this.refer.receiveNotify(req, tx);
        return;
      case 'PRACK':
      case 'OPTIONS':
        tx.respond(createResponse(req, 200));
        return;
      default:
        tx.respond(
          createResponse(req, 501, {
            headers: [['Allow', ALLOWED_METHODS]],
          }),
        );
    }
  }

  /** The 2xx retransmissions of the initial INVITE, routed here once the session exists. */
  receive2xxRetransmission(_res: SipResponse, invite: SipRequest): void {
    this.acker.ack(invite);
  }

  /** Remembers the ACK sent for the initial INVITE so that 2xx retransmissions get it again. */
  rememberAck(seq: number, ack: SipRequest): void {
    this.acker.remember(seq, ack);
  }

  /** The initial INVITE's 2xx we retransmit until ACK (UAS side, §13.3.1.4). */
  awaitAck(seq: number, retransmitter: Uas2xxRetransmitter): void {
    this.incomingInvite = { seq, retransmitter };
  }

  /** The peer's INVITE transaction is over (ACKed, rejected, or given up): waiting re-INVITEs may go. */
  private incomingInvitesDone(): void {
    this.incomingInvite = undefined;
    const waiters = this.inviteWaiters;
    this.inviteWaiters = [];
    for (const w of waiters) w();
  }

  private receiveAck(ack: SipRequest): void {
    const seq = Number((ack.headers.get('CSeq') ?? '').split(/\s+/)[0]);
    if (this.incomingInvite === undefined || this.incomingInvite.seq !== seq) return;
    this.incomingInvite.retransmitter?.stop();
    this.incomingInvitesDone();
    this.emit('acked');
    if (ack.body.length > 0) this.emit('ackAnswer', ack.body);
  }

  private receiveOffer(req: SipRequest, tx: ServerTransactionPort): void {
    const method = req.method as 'INVITE' | 'UPDATE';
    // RFC 3311 §5.2: "If an UPDATE is received that contains an offer, and the UAS has generated an offer (in an
    // UPDATE, PRACK or INVITE) to which it has not yet received an answer, the UAS MUST reject the UPDATE with a
    // 491"; RFC 3261 §14.2 likewise for a re-INVITE while ours is pending.
    if (
      (method === 'UPDATE' && req.body.length > 0 && (this.outgoingOffer || this.outgoingInvite)) ||
      (method === 'INVITE' && this.outgoingOffer)
    ) {
      tx.respond(createResponse(req, 491));
      return;
    }
    if (method === 'INVITE') {
      // §14.2: "A UAS that receives a second INVITE before it sends the final response to a first INVITE with a
      // lower CSeq ... MUST return a 500 ... with a Retry-After"; one while ours is pending gets 491.
      if (this.outgoingInvite) {
        tx.respond(createResponse(req, 491));
        return;
      }
      if (this.incomingInvite !== undefined) {
        tx.respond(createResponse(req, 500, { headers: [['Retry-After', String(randomInt(0, 11))]] }));
        return;
      }
      this.incomingInvite = { seq: this.dialog.remoteSeq ?? 0, retransmitter: undefined };
    }
    this.sessionTimer?.receivedRefresh(req);
    let answered = false;
    const st = this.sessionTimerHeaders(req);
    const accept = (answer: Buffer) => {
      if (answered) return;
      answered = true;
      this.dialog.refreshTarget(req.headers);
      const res = createResponse(req, 200, {
        contact: this.dialog.localContact,
        body: answer,
        headers: [['Supported', 'timer, replaces'], ...st],
      });
      if (method === 'UPDATE') {
        tx.respond(res);
        return;
      }
      const seq = this.incomingInvite?.seq ?? 0;
      const r = new Uas2xxRetransmitter(this.ctx, tx, res, () => {
        this.ctx.logger.warn({ callId: this.dialog.id.callId }, 'no ACK for 2xx to re-INVITE');
        this.incomingInvitesDone();
        this.bye({ by: 'error', reason: 'no ACK for the 2xx within 64*T1', status: 408 }).catch((e: unknown) =>
          this.ctx.logger.warn({ err: e }, 'BYE failed'),
        );
      });
      this.incomingInvite = { seq, retransmitter: r };
    };
    const reject = (status: number) => {
      if (answered) return;
      answered = true;
      if (method === 'INVITE') this.incomingInvitesDone();
      tx.respond(createResponse(req, status));
    };
    if (this.listenerCount('offer') === 0) {
      // Without a listener a body-less refresh is accepted; an offer cannot be answered.
      if (req.body.length === 0) accept(Buffer.alloc(0));
      else reject(488);
      return;
    }
    this.emit('offer', { method, body: req.body, accept, reject });
  }

  private startSessionTimer(interval: number, refresher: 'local' | 'remote'): void {
    this.sessionTimer = new SessionTimer(this.ctx, interval, refresher, {
      refresh: () => {
        this.update().then(
          (r) => {
            if (r.status >= 300) this.ctx.logger.warn({ status: r.status }, 'session refresh refused');
          },
          (e: unknown) => this.ctx.logger.warn({ err: e }, 'session refresh not sent'),
        );
      },
      expired: () => {
        this.ctx.logger.warn({ callId: this.dialog.id.callId }, 'session timer expired (RFC 4028 §10)');
        this.bye({ by: 'error', reason: 'session timer expired', status: 408 }).catch((e: unknown) =>
          this.ctx.logger.warn({ err: e }, 'BYE failed'),
        );
      },
    });
  }

  private sessionTimerHeaders(req?: SipRequest): [string, string][] {
    if (this.sessionTimer === undefined) return [];
    if (req !== undefined && !req.headers.has('Session-Expires')) return [];
    return [['Session-Expires', this.sessionTimer.headerValue(req !== undefined)]];
  }

  /** Ends without sending anything (the dialog already ended, or the user agent is closing). */
  end(info: TerminatedInfo): void {
    if (this.current === 'Terminated') return;
    this.current = 'Terminated';
    this.dialog.terminate();
    this.incomingInvite?.retransmitter?.stop();
    this.incomingInvitesDone();
    this.sessionTimer?.stop();
    this.backoff.release();
    this.emit('terminated', info);
  }
}
