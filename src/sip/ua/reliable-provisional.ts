// RFC 3262 §3: a reliable provisional response is retransmitted by the UAS core "with an interval that starts
// at T1 seconds and doubles for each retransmission" until the PRACK comes; "if a reliable provisional response
// is retransmitted for 64*T1 seconds without reception of a corresponding PRACK, the UAS SHOULD reject the
// original request with a 5xx response".
import type { TimerHandle } from '../clock.js';
import type { SipResponse } from '../message/message.js';
import type { UaContext } from './context.js';
import type { ServerTransactionPort } from './network.js';

export class ReliableProvisional {
  readonly rseq: number;
  private timer: TimerHandle | undefined;
  private giveUp: TimerHandle | undefined;
  private interval: number;

  constructor(
    private readonly ctx: UaContext,
    private readonly tx: ServerTransactionPort,
    private readonly response: SipResponse,
    rseq: number,
    onTimeout: () => void,
  ) {
    this.rseq = rseq;
    this.interval = ctx.timers.T1;
    tx.respond(response);
    this.timer = ctx.clock.setTimeout(() => this.retransmit(), this.interval);
    this.giveUp = ctx.clock.setTimeout(() => {
      this.stop();
      onTimeout();
    }, 64 * ctx.timers.T1);
  }

  private retransmit(): void {
    this.tx.respond(this.response);
    this.interval *= 2;
    this.timer = this.ctx.clock.setTimeout(() => this.retransmit(), this.interval);
  }

  /** The PRACK arrived, or a final response was sent. */
  stop(): void {
    if (this.timer !== undefined) this.ctx.clock.clearTimeout(this.timer);
    if (this.giveUp !== undefined) this.ctx.clock.clearTimeout(this.giveUp);
    this.timer = undefined;
    this.giveUp = undefined;
  }
}
