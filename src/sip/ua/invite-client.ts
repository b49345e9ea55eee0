// The UAC side of an initial INVITE (RFC 3261 §13.2): provisional responses (early dialogs, one per To tag,
// §12.1.2 forking), reliable provisionals acknowledged with PRACK (RFC 3262 §4), the 2xx and its
// retransmissions acknowledged by the UA core (§13.2.2.4), CANCEL (§9.1), and every failure reported.
//
//   start() ─▶ INVITE ─▶ 1xx (100 included) ─▶ "progress" ... ─▶ 2xx ─▶ ACK, "accepted" (Session)
//                  │                              └─▶ 2xx from another fork, or after cancel(): ACK + BYE
//                  └─▶ 3xx-6xx / Timer B (408) / transport error (503) ─▶ "failed"
import { EventEmitter } from 'node:events';
import { Dialog, dialogIdOfIncomingResponse, dialogKey } from '../dialog/dialog.js';
import { Headers } from '../message/headers.js';
import { SipRequest, type SipResponse } from '../message/message.js';
import { ALLOWED_METHODS, SUPPORTED, type UaContext } from './context.js';
import { createRequest, cseqOf } from './message-factory.js';
import { sendWithAuth } from './request-sender.js';
import { Session } from './session.js';
import { parseSessionExpires } from './session-timer.js';

export interface Progress {
  status: number;
  reason: string;
  body: Buffer;
}

export interface CallFailure {
  status: number;
  reason: string;
  /** SIP_TIMEOUT, SIP_TRANSPORT_ERROR, SIP_AUTH_REJECTED... when the failure was found locally. */
  code?: string;
}

export interface InviteClientEvents {
  progress: [progress: Progress];
  accepted: [session: Session, response: Progress];
  failed: [failure: CallFailure];
}

export interface InviteClientOptions {
  /** Request-URI and To URI. */
  target: string;
  /** The SDP offer; empty for an offerless INVITE (then the ACK must carry the answer: give `ackBody`). */
  offer: Buffer;
  /** For an offerless INVITE: makes the answer to the offer in the 2xx. */
  answerFor?: (offer: Buffer) => Buffer;
  headers?: [string, string][];
  /** Called for each session created, so the user agent can route in-dialog requests to it. */
  register(key: string, session: Session): void;
}

export class InviteClient extends EventEmitter<InviteClientEvents> {
  private readonly ctx: UaContext;
  private readonly o: InviteClientOptions;
  private invite: SipRequest | undefined;
  private provisional = false;
  private cancelRequested = false;
  private cancelSent = false;
  private finished = false;
  private session: Session | undefined;
  private readonly early = new Map<string, Dialog>();
  private readonly prackedRSeq = new Set<string>();
  /** Sessions made by 2xx of this INVITE, by dialog key (the first one, and forks we hung up). */
  private readonly confirmed = new Map<string, Session>();

  constructor(ctx: UaContext, o: InviteClientOptions) {
    super();
    this.ctx = ctx;
    this.o = o;
  }

  get request(): SipRequest | undefined {
    return this.invite;
  }

  start(): void {
    const req = createRequest({
      method: 'INVITE',
      uri: this.o.target,
      from: this.ctx.from,
      to: `<${this.o.target}>`,
      contact: this.ctx.contact,
      routes: this.ctx.routes,
      body: this.o.offer,
      headers: [
        ['Allow', ALLOWED_METHODS],
        ['Supported', SUPPORTED],
        ['User-Agent', this.ctx.userAgent],
        ...(this.o.headers ?? []),
      ],
    });
    let seq = cseqOf(req).seq;
    sendWithAuth(this.ctx, req, () => ++seq, {
      sent: (r) => {
        // §9.1 applies to the INVITE on the wire: a retry after 401/407 waits for its own provisional.
        this.invite = r;
        this.provisional = false;
      },
      mayRetry: () => !this.cancelRequested,
      response: (res, sent) => this.receiveResponse(res, sent),
      error: (e) => this.fail({ status: e.status ?? 500, reason: e.message, code: e.code }),
    });
  }

  /**
   * RFC 3261 §9.1: "If no provisional response has been received, the CANCEL request MUST NOT be sent; rather,
   * the client MUST wait for the arrival of a provisional response before sending the request."
   */
  cancel(): void {
    if (this.finished || this.cancelRequested) return;
    this.cancelRequested = true;
    if (this.provisional) this.sendCancel();
  }

  private sendCancel(): void {
    const inv = this.invite;
    if (inv === undefined) return;
    this.cancelSent = true;
    // §9.1: same Request-URI, Call-ID, To, From, CSeq number and top Via (branch) as the INVITE; same Route.
    const h = new Headers();
    const via = inv.headers.get('Via');
    if (via !== undefined) h.append('Via', via);
    for (const r of inv.headers.getAll('Route')) h.append('Route', r);
    h.append('Max-Forwards', '70');
    for (const n of ['From', 'To', 'Call-ID']) h.append(n, inv.headers.get(n) ?? '');
    h.append('CSeq', `${cseqOf(inv).seq} CANCEL`);
    h.append('Content-Length', '0');
    this.ctx.network.sendRequest(new SipRequest('CANCEL', inv.uri, h), {
      receiveResponse: (r) => this.ctx.logger.debug({ status: r.status }, 'CANCEL answered'),
      onError: (e) => this.ctx.logger.warn({ code: e.code }, 'CANCEL failed'),
    });
  }

  private receiveResponse(res: SipResponse, sent: SipRequest): void {
    if (res.status < 200) {
      this.provisional = true;
      if (this.cancelRequested && !this.cancelSent && !this.finished) this.sendCancel();
      // §13.2.2.1 / §12.1: a 100 makes no early dialog, but it is progress the user shows ("Trying").
      if (res.status > 100) this.receiveProvisional(res, sent);
      else if (!this.finished) this.emit('progress', { status: res.status, reason: res.reason, body: res.body });
      return;
    }
    if (res.status < 300) {
      this.receive2xx(res, sent);
      return;
    }
    if (this.session !== undefined) return;
    // A challenge left unanswered because the caller cancelled meanwhile: report the cancellation.
    if (this.cancelRequested && (res.status === 401 || res.status === 407)) {
      this.fail({ status: 487, reason: 'Request Terminated' });
      return;
    }
    this.fail({ status: res.status, reason: res.reason });
  }

  private receiveProvisional(res: SipResponse, sent: SipRequest): void {
    const id = dialogIdOfIncomingResponse(res);
    if (id !== undefined) {
      const key = dialogKey(id);
      let d = this.early.get(key);
      if (d === undefined) {
        d = Dialog.fromUacResponse(sent, res, this.ctx.contact);
        this.early.set(key, d);
      }
      this.prack(d, res, sent);
    }
    if (!this.finished) this.emit('progress', { status: res.status, reason: res.reason, body: res.body });
  }

  /** RFC 3262 §4: a reliable provisional (Require: 100rel, RSeq) gets a PRACK with RAck in its early dialog. */
  private prack(d: Dialog, res: SipResponse, sent: SipRequest): void {
    const rseq = res.headers.get('RSeq')?.trim();
    const require = (res.headers.get('Require') ?? '').toLowerCase();
    if (rseq === undefined || !/\b100rel\b/.test(require) || !/^\d{1,10}$/.test(rseq)) return;
    const key = `${d.key}\n${rseq}`;
    if (this.prackedRSeq.has(key)) return;
    this.prackedRSeq.add(key);
    const prack = d.createRequest('PRACK', { headers: [['RAck', `${rseq} ${cseqOf(sent).seq} INVITE`]] });
    this.ctx.network.sendRequest(prack, {
      receiveResponse: (r) => {
        if (r.status >= 300) this.ctx.logger.warn({ status: r.status }, 'PRACK refused');
      },
      onError: (e) => this.ctx.logger.warn({ code: e.code }, 'PRACK failed'),
    });
  }

  private receive2xx(res: SipResponse, sent: SipRequest): void {
    const id = dialogIdOfIncomingResponse(res);
    if (id === undefined) {
      this.ctx.logger.warn({ status: res.status }, '2xx without To tag ignored');
      return;
    }
    const key = dialogKey(id);
    const known = this.confirmed.get(key);
    if (known !== undefined) {
      known.receive2xxRetransmission(res, sent); // §13.2.2.4: each retransmission gets the ACK again
      return;
    }
    let dialog: Dialog;
    try {
      dialog = this.early.get(key) ?? Dialog.fromUacResponse(sent, res, this.ctx.contact);
      dialog.confirm(res);
    } catch (e) {
      this.ctx.logger.warn({ err: e }, '2xx cannot make a dialog');
      return;
    }
    const se = parseSessionExpires(res.headers.get('Session-Expires'));
    const session = new Session({
      ctx: this.ctx,
      dialog,
      isCallIdOwner: true,
      sessionTimer:
        se === undefined
          ? undefined
          : { interval: se.interval, refresher: se.refresher === 'uas' ? 'remote' : 'local' },
    });
    this.confirmed.set(key, session);
    this.o.register(key, session);
    const ackBody = res.body.length > 0 && this.o.offer.length === 0 ? this.o.answerFor?.(res.body) : undefined;
    const ack = dialog.createRequest('ACK', { cseq: cseqOf(sent).seq, body: ackBody });
    // RFC 3261 §22.1: the ACK for a 2xx carries the credentials of the INVITE it acknowledges.
    for (const name of ['Authorization', 'Proxy-Authorization']) {
      for (const v of sent.headers.getAll(name)) ack.headers.append(name, v);
    }
    session.rememberAck(cseqOf(sent).seq, ack);
    this.ctx.network.sendAck(ack);
    if (this.session !== undefined || this.cancelRequested) {
      // §13.2.2.4: a 2xx from a second fork, or one that crossed our CANCEL: ACK it, then BYE.
      session.bye().catch((e: unknown) => this.ctx.logger.warn({ err: e }, 'BYE failed'));
      if (this.session === undefined) {
        this.session = session;
        this.fail({ status: 487, reason: 'Request Terminated' });
      }
      return;
    }
    this.session = session;
    this.finished = true;
    this.emit('accepted', session, { status: res.status, reason: res.reason, body: res.body });
  }

  private fail(f: CallFailure): void {
    if (this.finished) return;
    this.finished = true;
    this.emit('failed', f);
  }
}
