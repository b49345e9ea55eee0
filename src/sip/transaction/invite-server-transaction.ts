// RFC 3261 §17.2.1 INVITE server transaction, with the Accepted state of RFC 6026 §7.1 (Figure 7).
//
//                                |INVITE
//                                |pass INV to TU
//             INVITE             V send 100 if TU won't in 200 ms
//             send response+------------+
//                 +--------|            |--------+ 101-199 from TU
//                 |        |            |        | send response
//                 +------->|            |<-------+
//                          | Proceeding |
//                          |            |--------+ Transport Err.
//                          |            |        | Inform TU
//                          |            |<-------+
//                          +------------+
//             300-699 from TU |    |2xx from TU
//             send response   |    |send response
//              +--------------+    +------------+
//              |                                |
//     INVITE   V          Timer G fires         |
//     send +-----------+  send response         |
//  response|           |------+                 |
//     +----| Completed |      |                 |
//     |    |           |<-----+                 |
//     +--->+-----------+                        |
//            |  ^     |                         |
//            |  |     | Timer H fires           |
//            |  +-----+ or Transport Err.       |
//            |          Inform TU               V
//            |          |                 +-----------+  2xx from TU
//            | ACK      |                 |           |  send response
//            | -        |                 | Accepted  |--------+
//            V          |                 |           |<-------+ INVITE: absorbed
//     +-----------+     |                 +-----------+          ACK: to TU
//     |           |     |                       |
//     | Confirmed |     |                       | Timer L fires
//     |           |     |                       | -
//     +-----------+     |                       |
//            |          |                       |
//            |Timer I   |                       |
//            |fires     |                       |
//            V          V                       V
//     +---------------------------------------------+
//     |                  Terminated                 |
//     +---------------------------------------------+

import type { SipError } from '../errors.js';
import { createResponse } from '../message/builders.js';
import type { SipRequest, SipResponse } from '../message/message.js';
import { Transaction, type TransactionOptions, timeoutError } from './transaction.js';

export type InviteServerTransactionState = 'Proceeding' | 'Completed' | 'Accepted' | 'Confirmed' | 'Terminated';

/** The transaction user of a server transaction (the UA core). Every callback is optional. */
export interface ServerTransactionUser {
  /**
   * The transaction failed: `SIP_TIMEOUT` (status 408: Timer H fired, the ACK never came, RFC 3261 §17.2.1) or
   * `SIP_TRANSPORT_ERROR` (status 503: a response could not be sent, §17.2.4).
   */
  onError?(error: SipError): void;
  /** RFC 6026 §7.1: an ACK matching the INVITE while in Accepted goes to the TU (INVITE transactions only). */
  receiveAck?(ack: SipRequest): void;
}

export interface ServerTransactionOptions extends TransactionOptions {
  user?: ServerTransactionUser;
}

export class InviteServerTransaction extends Transaction<InviteServerTransactionState> {
  private readonly user: ServerTransactionUser;
  private lastResponse: SipResponse | undefined;
  private timerGInterval: number;

  /** Starts in Proceeding; sends 100 Trying after `timers.trying` ms unless the TU has responded by then. */
  constructor(opts: ServerTransactionOptions) {
    super(opts, 'Proceeding');
    this.user = opts.user ?? {};
    this.timerGInterval = this.timers.G;
    // §17.2.1: "If the TU is not going to generate a provisional response within 200 ms, the server transaction
    // MUST generate a 100 (Trying) response." We cannot know the TU's intent, so we wait 200 ms for it.
    this.startTimer('trying', this.timers.trying, () => {
      if (this.state === 'Proceeding' && this.lastResponse === undefined)
        this.respond(createResponse(this.request, 100, 'Trying'));
    });
  }

  /** The last response sent (what a retransmitted INVITE is answered with). */
  get response(): SipResponse | undefined {
    return this.lastResponse;
  }

  /** The TU's response to the INVITE (RFC 3261 §17.2.1). */
  respond(response: SipResponse): void {
    const status = response.status;
    switch (this.state) {
      case 'Proceeding':
        this.stopTimer('trying');
        this.lastResponse = response;
        if (status < 200) {
          // "The TU passes any number of provisional responses to the server transaction."
          this.send(response);
        } else if (status < 300) {
          // RFC 6026 §7.1: "If, while in the "Proceeding" state, the TU passes a 2xx response to the server
          // transaction, the server transaction MUST pass this response to the transport layer for transmission.
          // It is not retransmitted by the server transaction. The server transaction MUST then transition to the
          // "Accepted" state" and start Timer L.
          this.setState('Accepted');
          this.startTimer('L', this.timers.L, () => this.setState('Terminated'));
          this.send(response);
        } else {
          // §17.2.1: a 300-699 response is sent, the state moves to Completed, Timer G is set for unreliable
          // transports, Timer H for all.
          this.setState('Completed');
          if (!this.transport.reliable) this.startTimer('G', this.timerGInterval, () => this.timerG());
          this.startTimer('H', this.timers.H, () => this.timerH());
          this.send(response);
        }
        return;
      case 'Accepted':
        // RFC 6026 §7.1: "2xx from TU: send response" (the TU's own retransmissions of the 2xx, §13.3.1.4).
        if (status >= 200 && status < 300) {
          this.lastResponse = response;
          this.send(response);
        } else this.logger.warn({ transaction: this.id, status }, 'non-2xx response in Accepted ignored');
        return;
      default:
        this.logger.warn({ transaction: this.id, state: this.state, status }, 'response after the final one ignored');
    }
  }

  /** A retransmitted INVITE, or an ACK, matched to this transaction (RFC 3261 §17.2.3). */
  receiveRequest(request: SipRequest): void {
    if (request.method === 'ACK') {
      if (this.state === 'Completed') {
        // "If an ACK is received while the server transaction is in the "Completed" state, the server
        // transaction MUST transition to the "Confirmed" state", Timer G is ignored, Timer I set (T4 on
        // unreliable transports, zero on reliable ones).
        this.stopTimer('G');
        this.stopTimer('H');
        this.setState('Confirmed');
        this.startTimer('I', this.transport.reliable ? 0 : this.timers.I, () => this.setState('Terminated'));
      } else if (this.state === 'Accepted') {
        this.user.receiveAck?.(request);
      }
      // Confirmed: "any ACKs that are received are absorbed without being passed to the TU".
      return;
    }
    // "If a request retransmission is received while in the "Proceeding" state, the most recent provisional
    // response that was received from the TU MUST be passed to the transport layer for retransmission."
    // "While in the "Completed" state, if a request retransmission is received, the server SHOULD pass the
    // response to the transport for retransmission." RFC 6026: absorbed in Accepted.
    if ((this.state === 'Proceeding' || this.state === 'Completed') && this.lastResponse !== undefined) {
      this.send(this.lastResponse);
    }
  }

  private timerG(): void {
    if (this.state !== 'Completed' || this.lastResponse === undefined) return;
    // "If timer G fires, the response is passed to the transport layer once more for retransmission, and timer G
    // is set to fire in MIN(2*T1, T2) seconds. From then on, when timer G fires, the response is passed to the
    // transport again for transmission, and timer G is reset with a value that doubles, unless that value
    // exceeds T2, in which case it is reset with the value of T2."
    this.send(this.lastResponse);
    this.timerGInterval = Math.min(2 * this.timerGInterval, this.timers.T2);
    this.startTimer('G', this.timerGInterval, () => this.timerG());
  }

  private timerH(): void {
    if (this.state !== 'Completed') return;
    // "If timer H fires while in the "Completed" state, it implies that the ACK was never received. In this
    // case, the server transaction MUST transition to the "Terminated" state, and MUST indicate to the TU that a
    // transaction failure has occurred."
    this.setState('Terminated');
    this.user.onError?.(timeoutError(this, 'H'));
  }

  protected onTransportError(error: SipError): void {
    // §17.2.4 and Figure 7: a transport error in Proceeding or Completed informs the TU and terminates.
    // RFC 6026 §7.1: in Accepted the 2xx is the TU's business; it keeps the transaction to absorb INVITEs.
    this.logger.warn({ transaction: this.id, state: this.state, err: error }, 'transport error');
    if (this.state === 'Terminated' || this.state === 'Confirmed') return;
    if (this.state !== 'Accepted') this.setState('Terminated');
    this.user.onError?.(error);
  }
}
