// RFC 3261 §13.2.2.4: the UAC core acknowledges every 2xx to an INVITE (and each retransmission of it) with
// the same ACK, sent outside any transaction, carrying the INVITE's credentials (§22.1).
import type { Dialog } from '../dialog/dialog.js';
import type { SipRequest } from '../message/message.js';
import type { UaContext } from './context.js';
import { cseqOf } from './message-factory.js';

export class AckSender {
  private readonly acks = new Map<number, SipRequest>();

  constructor(
    private readonly ctx: UaContext,
    private readonly dialog: Dialog,
  ) {}

  /** ACKs the 2xx to `invite`: the first time a new ACK, afterwards the same one again (with a new Via). */
  ack(invite: SipRequest): void {
    const seq = cseqOf(invite).seq;
    let ack = this.acks.get(seq);
    if (ack === undefined) {
      ack = this.dialog.createRequest('ACK', { cseq: seq });
      for (const name of ['Authorization', 'Proxy-Authorization']) {
        for (const v of invite.headers.getAll(name)) ack.headers.append(name, v);
      }
      this.acks.set(seq, ack);
    } else {
      ack.headers.removeFirst('Via');
    }
    this.ctx.network.sendAck(ack);
  }

  /** An ACK already sent for the INVITE with CSeq `seq` (the initial INVITE's, sent by the invite client). */
  remember(seq: number, ack: SipRequest): void {
    this.acks.set(seq, ack);
  }
}
