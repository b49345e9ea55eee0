// The UAS side of an initial INVITE (RFC 3261 §13.3): provisional responses (180, 183 with early-media SDP,
// reliable when the UAC requires 100rel, RFC 3262 §3), the 2xx kept alive until the ACK (§13.3.1.4),
// rejection, and CANCEL (§9.2: 200 to the CANCEL, 487 to the INVITE).
//
//   incoming INVITE ─▶ progress(180/183) ... ─▶ accept(sdp) ─▶ 200 (retransmitted) ─▶ ACK ─▶ Session
//                         │                                        └─ no ACK in 64*T1 ─▶ BYE
//                         └─▶ reject(486...) / CANCEL (487) ─▶ "canceled"
import { EventEmitter } from 'node:events';
import { Dialog, newTag } from '../dialog/dialog.js';
import type { SipRequest } from '../message/message.js';
import { ALLOWED_METHODS, SUPPORTED, type UaContext } from './context.js';
import { createResponse, cseqOf } from './message-factory.js';
import type { ServerTransactionPort } from './network.js';
import { ReliableProvisional } from './reliable-provisional.js';
import { Session } from './session.js';
import { clampSessionInterval, parseSessionExpires } from './session-timer.js';
import { Uas2xxRetransmitter } from './uas-2xx.js';

export interface InviteServerEvents {
  /** The caller cancelled before we answered (RFC 3261 §9.2). */
  canceled: [];
  /** The session exists (we sent the 2xx); `ackAnswer` on it brings the answer of an offerless INVITE. */
  accepted: [session: Session];
  /** Accepted, rejected or canceled: the INVITE has its final response. */
  ended: [];
}

export type InviteServerState = 'Proceeding' | 'Accepted' | 'Rejected' | 'Canceled';

export class InviteServer extends EventEmitter<InviteServerEvents> {
  readonly request: SipRequest;
  /** RFC 3891: the session this INVITE replaces, when it carried a matching Replaces header. */
  readonly replaces: Session | undefined;
  private readonly ctx: UaContext;
  private readonly tx: ServerTransactionPort;
  private readonly localTag = newTag();
  private readonly register: (key: string, session: Session) => void;
  private current: InviteServerState = 'Proceeding';
  private rseq = 0;
  /** The reliable provisional awaiting its PRACK (RFC 3262 §3). */
  private reliable: ReliableProvisional | undefined;

  constructor(
    ctx: UaContext,
    request: SipRequest,
    tx: ServerTransactionPort,
    register: (key: string, session: Session) => void,
    replaces?: Session,
  ) {
    super();
    this.ctx = ctx;
    this.request = request;
    this.tx = tx;
    this.register = register;
    this.replaces = replaces;
  }

  get state(): InviteServerState {
    return this.current;
  }

  /** The offer of the INVITE; empty for an offerless INVITE (our offer goes in the 2xx, §13.2.1). */
  get offer(): Buffer {
    return this.request.body;
  }

  /** The From user's display name and URI, as the caller gave them. */
  get from(): string {
    return this.request.headers.get('From') ?? '';
  }

  /** Sends 180 Ringing or 183 Session Progress (with early-media SDP). */
  progress(status = 180, body?: Buffer): void {
    if (this.current !== 'Proceeding' || status <= 100 || status >= 200) return;
    // RFC 3262 §3: "If the UAC requires ... 100rel, the UAS MUST send reliable provisional responses".
    if (!/\b100rel\b/i.test(this.request.headers.get('Require') ?? '')) {
      this.tx.respond(createResponse(this.request, status, { toTag: this.localTag, contact: this.ctx.contact, body }));
      return;
    }
    // "The UAS MUST NOT send a second reliable provisional response until the first is acknowledged."
    if (this.reliable !== undefined) {
      this.ctx.logger.warn({ status }, 'reliable provisional not sent: the previous one awaits its PRACK');
      return;
    }
    const rseq = ++this.rseq;
    const headers: [string, string][] = [
      ['Require', '100rel'],
      ['RSeq', String(rseq)],
    ];
    const res = createResponse(this.request, status, {
      toTag: this.localTag,
      contact: this.ctx.contact,
      body,
      headers,
    });
    this.reliable = new ReliableProvisional(this.ctx, this.tx, res, rseq, () => {
      this.reliable = undefined;
      this.ctx.logger.warn({ rseq }, 'no PRACK within 64*T1 (RFC 3262 §3): rejecting the INVITE');
      this.reject(504, 'No PRACK');
    });
  }

  /** Sends 200 OK with `body` (the answer, or our offer for an offerless INVITE) and makes the session. */
  accept(body: Buffer): Session | undefined {
    if (this.current !== 'Proceeding') return undefined;
    let dialog: Dialog;
    try {
      dialog = Dialog.fromUasRequest(this.request, this.localTag, this.ctx.contact, 'Confirmed');
    } catch (e) {
      this.ctx.logger.warn({ err: e }, 'INVITE cannot make a dialog; answered 400');
      this.reject(400);
      return undefined;
    }
    this.current = 'Accepted';
    this.reliable?.stop();
    const headers: [string, string][] = [
      ['Allow', ALLOWED_METHODS],
      ['Supported', SUPPORTED],
    ];
    // RFC 4028 §9: as UAS, echo the interval, lowered to MAX_SESSION_EXPIRES when it is longer ("the UAS MAY
    // reduce its value but MUST NOT set it to a duration lower than the value in the Min-SE header");
    // the UAC refreshes unless it asked us to.
    const se = parseSessionExpires(this.request.headers.get('Session-Expires'));
    let sessionTimer: { interval: number; refresher: 'local' | 'remote' } | undefined;
    if (se !== undefined) {
      const refresher = se.refresher === 'uas' ? 'local' : 'remote';
      const interval = clampSessionInterval(se.interval);
      sessionTimer = { interval, refresher };
      headers.push(['Session-Expires', `${interval};refresher=${se.refresher ?? 'uac'}`]);
      if (/\btimer\b/i.test(this.request.headers.get('Supported') ?? '')) headers.push(['Require', 'timer']);
    }
    const session = new Session({ ctx: this.ctx, dialog, isCallIdOwner: false, sessionTimer });
    this.register(dialog.key, session);
    const res = createResponse(this.request, 200, { toTag: this.localTag, contact: this.ctx.contact, body, headers });
    const r = new Uas2xxRetransmitter(this.ctx, this.tx, res, () => {
      // §13.3.1.4: "the dialog is confirmed, but the session SHOULD be terminated" with BYE.
      this.ctx.logger.warn({ callId: dialog.id.callId }, 'no ACK for 2xx in 64*T1, sending BYE');
      session
        .bye({ by: 'error', reason: 'no ACK for the 2xx within 64*T1', status: 408 })
        .catch((e: unknown) => this.ctx.logger.warn({ err: e }, 'BYE failed'));
    });
    session.awaitAck(cseqOf(this.request).seq, r);
    // RFC 3891 §3: once the new dialog is accepted, "the UAS MUST ... terminate the target dialog" with BYE.
    if (this.replaces !== undefined && this.replaces.state !== 'Terminated') {
      this.replaces
        .bye({ by: 'local', reason: 'replaced (RFC 3891)' })
        .catch((e: unknown) => this.ctx.logger.warn({ err: e }, 'BYE failed'));
    }
    this.emit('accepted', session);
    this.emit('ended');
    return session;
  }

  /** A final non-2xx (486 Busy Here, 603 Decline...). */
  reject(status = 486, reason?: string): void {
    if (this.current !== 'Proceeding') return;
    this.current = 'Rejected';
    this.reliable?.stop();
    this.tx.respond(createResponse(this.request, status, { toTag: this.localTag, reason }));
    this.emit('ended');
  }

  /** RFC 3261 §9.2: the CANCEL matched this INVITE. */
  receiveCancel(cancel: SipRequest, tx: ServerTransactionPort): void {
    tx.respond(createResponse(cancel, 200));
    if (this.current !== 'Proceeding') return;
    this.current = 'Canceled';
    this.reliable?.stop();
    this.tx.respond(createResponse(this.request, 487, { toTag: this.localTag }));
    this.emit('canceled');
    this.emit('ended');
  }

  /** PRACK (RFC 3262 §3) or UPDATE in the early dialog. */
  receiveEarlyRequest(req: SipRequest, tx: ServerTransactionPort): void {
    switch (req.method) {
      case 'PRACK': {
        // RFC 3262 §3: RAck = response-num CSeq-num Method; it must match the unacknowledged response.
        const [rseq, seq, method] = (req.headers.get('RAck') ?? '').trim().split(/\s+/);
        const invite = cseqOf(this.request);
        const matches =
          this.reliable !== undefined &&
          Number(rseq) === this.reliable.rseq &&
          Number(seq) === invite.seq &&
          method?.toUpperCase() === 'INVITE';
        if (!matches) {
          tx.respond(createResponse(req, 481));
          return;
        }
        this.reliable?.stop();
        this.reliable = undefined;
        tx.respond(createResponse(req, 200));
        return;
      }
      case 'UPDATE':
        // DEVIATION: an offer in an early-dialog UPDATE (RFC 3311 §5.2) is not negotiated yet; a body-less
        // UPDATE (a session refresh) is accepted.
        tx.respond(createResponse(req, req.body.length === 0 ? 200 : 488));
        return;
      case 'BYE':
        // RFC 3261 §15: a BYE in an early dialog ends it; the INVITE gets 487.
        tx.respond(createResponse(req, 200));
        if (this.current === 'Proceeding') {
          this.current = 'Canceled';
          this.reliable?.stop();
          this.tx.respond(createResponse(this.request, 487, { toTag: this.localTag }));
          this.emit('canceled');
          this.emit('ended');
        }
        return;
      default:
        tx.respond(createResponse(req, 481));
    }
  }

  get earlyDialogTag(): string {
    return this.localTag;
  }
}
