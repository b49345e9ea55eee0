// RFC 3261 §13.3.1.4: the UAS core, not the transaction, keeps a 2xx to INVITE alive until the ACK comes.
// "The 2xx response is passed to the transport with an interval that starts at T1 seconds and doubles for each
// retransmission until it reaches T2 seconds ... If the server retransmits the 2xx response for 64*T1 seconds
// without receiving an ACK, the dialog is confirmed, but the session SHOULD be terminated" (with a BYE).
import type { TimerHandle } from '../clock.js';
import type { SipResponse } from '../message/message.js';
import type { UaContext } from './context.js';
import type { ServerTransactionPort } from './network.js';

export class Uas2xxRetransmitter {
  private timer: TimerHandle | undefined;
  private giveUp: TimerHandle | undefined;
  private interval: number;
  private done = false;

  constructor(
    private readonly ctx: UaContext,
    private readonly tx: ServerTransactionPort,
    private readonly response: SipResponse,
    private readonly onTimeout: () => void,
  ) {
    this.interval = ctx.timers.T1;
    tx.respond(response);
    this.timer = ctx.clock.setTimeout(() => this.retransmit(), this.interval);
    this.giveUp = ctx.clock.setTimeout(() => {
      if (this.done) return;
      this.stop();
      this.onTimeout();
    }, 64 * ctx.timers.T1);
  }

  private retransmit(): void {
    if (this.done) return;
    this.tx.respond(this.response);
    this.interval = Math.min(2 * this.interval, this.ctx.timers.T2);
    this.timer = this.ctx.clock.setTimeout(() => this.retransmit(), this.interval);
  }

  /** The ACK arrived (or the session ended): no more retransmissions. */
  stop(): void {
    this.done = true;
    if (this.timer !== undefined) this.ctx.clock.clearTimeout(this.timer);
    if (this.giveUp !== undefined) this.ctx.clock.clearTimeout(this.giveUp);
    this.timer = undefined;
    this.giveUp = undefined;
  }
}
