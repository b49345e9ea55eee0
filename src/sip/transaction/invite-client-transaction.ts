// RFC 3261 §17.1.1 INVITE client transaction, with the Accepted state of RFC 6026 §7.2 (Figure 5).
//
//                                |INVITE from TU
//              Timer A fires     |INVITE sent
//              Reset A,          V                      Timer B fires
//              INVITE sent +-----------+                or Transport Err.
//                +---------|           |---------------+inform TU
//                |         |  Calling  |               |
//                +-------->|           |-------------->|
//                          +-----------+ 2xx           |
//                             |  |       2xx to TU     |
//                             |  |1xx                  |
//     300-699 +---------------+  |1xx to TU            |
//    ACK sent |                  |                     |
// resp. to TU |  1xx             V                     |
//             |  1xx to TU  -----------+               |
//             |  +---------|           |               |
//             |  |         |Proceeding |-------------->|
//             |  +-------->|           | 2xx           |
//             |            +-----------+ 2xx to TU     |
//             |       300-699    |                     |
//             |       ACK sent,  |                     |
//             |       resp. to TU|                     |
//             |                  |                     |      NOTE:
//             |  300-699         V                     |
//             |  ACK sent  +-----------+Transport Err. |  transitions
//             |  +---------|           |Inform TU      |  labeled with
//             |  |         | Completed |-------------->|  the event
//             |  +-------->|           |               |  over the action
//             |            +-----------+               |  to take
//             |              ^   |                     |
//             |              |   | Timer D fires       |
//             +--------------+   | -                   |
//                                |                     |
//                                V                     |
//   (RFC 6026)             +-----------+               |
//   2xx from Calling/      |           |               |
//   Proceeding: Timer M -> | Accepted  | 2xx: to TU    |
//   Timer M fires -------->|           |               |
//                          +-----------+               |
//                                |                     |
//                                V                     |
//                          +-----------+               |
//                          |           |               |
//                          | Terminated|<--------------+
//                          |           |
//                          +-----------+

import type { SipError } from '../errors.js';
import type { SipRequest, SipResponse } from '../message/message.js';
import { ackForNon2xx } from './ack-for-non-2xx.js';
import { Transaction, type TransactionOptions, timeoutError } from './transaction.js';

export type InviteClientTransactionState = 'Calling' | 'Proceeding' | 'Completed' | 'Accepted' | 'Terminated';

/** The transaction user (UA core or dialog) of a client transaction. */
export interface ClientTransactionUser {
  /** Every response the TU must see: 1xx, the first final response, and (INVITE) each 2xx in Accepted. */
  receiveResponse(response: SipResponse): void;
  /**
   * The request failed without a final response: `SIP_TIMEOUT` (status 408, Timer B or F) or
   * `SIP_TRANSPORT_ERROR` (status 503) (RFC 3261 §8.1.3.1, §17.1.4).
   */
  onError(error: SipError): void;
}

export interface ClientTransactionOptions extends TransactionOptions {
  user: ClientTransactionUser;
}

export class InviteClientTransaction extends Transaction<InviteClientTransactionState> {
  private readonly user: ClientTransactionUser;
  private ackSent: SipRequest | undefined;
  private timerAInterval: number;

  /** Sends the INVITE at once and starts Timers A (unreliable transports) and B. */
  constructor(opts: ClientTransactionOptions) {
    super(opts, 'Calling');
    this.user = opts.user;
    this.timerAInterval = this.timers.A;
    // §17.1.1.2: "the client transaction MUST pass the request to the transport layer for transmission".
    this.send(this.request);
    // "If an unreliable transport is being used, the client transaction MUST start timer A with a value of T1."
    if (!this.transport.reliable) this.startTimer('A', this.timerAInterval, () => this.timerA());
    // "For any transport, the client transaction MUST start timer B with a value of 64*T1 seconds."
    this.startTimer('B', this.timers.B, () => this.timerB());
  }

  /** A response matched to this transaction by the transaction layer (RFC 3261 §17.1.3). */
  receiveResponse(response: SipResponse): void {
    const status = response.status;
    switch (this.state) {
      case 'Calling':
      case 'Proceeding':
        if (status < 200) {
          // §17.1.1.2: "If the client transaction receives a provisional response while in the "Calling" state,
          // it transitions to the "Proceeding" state ... the client transaction SHOULD NOT retransmit the request".
          this.stopTimer('A');
          this.stopTimer('B');
          this.setState('Proceeding');
          this.user.receiveResponse(response);
        } else if (status < 300) {
          // RFC 6026 §7.2: a 2xx moves to Accepted and starts Timer M; the response goes to the TU.
          this.stopTimer('A');
          this.stopTimer('B');
          this.setState('Accepted');
          this.startTimer('M', this.timers.M, () => this.setState('Terminated'));
          this.user.receiveResponse(response);
        } else {
          // §17.1.1.2: a 300-699 response: ACK, to Completed, Timer D (zero for reliable transports).
          this.stopTimer('A');
          this.stopTimer('B');
          this.ackSent = ackForNon2xx(this.request, response);
          this.setState('Completed');
          this.send(this.ackSent);
          this.startTimer('D', this.transport.reliable ? 0 : this.timers.D, () => this.setState('Terminated'));
          this.user.receiveResponse(response);
        }
        return;
      case 'Completed':
        // "Any retransmissions of the final response that are received while in the "Completed" state MUST cause
        // the ACK to be re-passed to the transport layer for retransmission, but the newly received response MUST
        // NOT be passed up to the TU."
        if (status >= 300 && this.ackSent !== undefined) this.send(this.ackSent);
        return;
      case 'Accepted':
        // RFC 6026 §7.2: "2xx: to TU" (the TU's dialog acknowledges every 2xx retransmission); others absorbed.
        if (status >= 200 && status < 300) this.user.receiveResponse(response);
        return;
      case 'Terminated':
        return;
    }
  }

  private timerA(): void {
    if (this.state !== 'Calling') return;
    // §17.1.1.2: "When timer A fires, the client transaction MUST retransmit the request by passing it to the
    // transport layer, and MUST reset the timer with a value of 2*T1." The INVITE interval has no T2 cap; Timer B
    // bounds it.
    this.send(this.request);
    this.timerAInterval *= 2;
    this.startTimer('A', this.timerAInterval, () => this.timerA());
  }

  private timerB(): void {
    if (this.state !== 'Calling') return;
    // §17.1.1.2: "If the client transaction is still in the "Calling" state when timer B fires, the client
    // transaction SHOULD inform the TU that a timeout has occurred."
    this.setState('Terminated');
    this.user.onError(timeoutError(this, 'B'));
  }

  protected onTransportError(error: SipError): void {
    // §17.1.4 and Figure 5: a transport error in Calling, Proceeding or Completed informs the TU and terminates
    // (in Completed the TU already has the final response: the error only says the ACK did not leave).
    // RFC 6026 §7.2: the Accepted state sends nothing, so no transport error can arise there.
    this.logger.warn({ transaction: this.id, state: this.state, err: error }, 'transport error');
    if (this.state === 'Accepted') return;
    this.setState('Terminated');
    this.user.onError(error);
  }
}
