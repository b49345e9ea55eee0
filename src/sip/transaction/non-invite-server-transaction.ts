// RFC 3261 §17.2.2 non-INVITE server transaction (Figure 8).
//
//                                   |Request received
//                                   |pass to TU
//                                   V
//                             +-----------+
//                             |           |
//                             | Trying    |-------------+
//                             |           |             |
//                             +-----------+             |200-699 from TU
//                                   |                   |send response
//                                   |1xx from TU        |
//                                   |send response      |
//                                   |                   |
//                Request            V      1xx from TU  |
//                send response+-----------+send response|
//                    +--------|           |--------+    |
//                    |        | Proceeding|        |    |
//                    +------->|           |<-------+    |
//             +<--------------|           |             |
//             |Trnsprt Err    +-----------+             |
//             |Inform TU            |                   |
//             |                     |                   |
//             |                     |200-699 from TU    |
//             |                     |send response      |
//             |  Request            V                   |
//             |  send response+-----------+             |
//             |      +--------|           |             |
//             |      |        | Completed |<------------+
//             |      +------->|           |
//             +<--------------|           |
//             |Trnsprt Err    +-----------+
//             |Inform TU            |
//             |                     |Timer J fires
//             |                     |-
//             |                     |
//             |                     V
//             |               +-----------+
//             |               |           |
//             +-------------->| Terminated|
//                             |           |
//                             +-----------+

import type { SipError } from '../errors.js';
import type { SipRequest, SipResponse } from '../message/message.js';
import type { ServerTransactionOptions, ServerTransactionUser } from './invite-server-transaction.js';
import { Transaction, timeoutError } from './transaction.js';

export type NonInviteServerTransactionState = 'Trying' | 'Proceeding' | 'Completed' | 'Terminated';

export class NonInviteServerTransaction extends Transaction<NonInviteServerTransactionState> {
  private readonly user: ServerTransactionUser;
  private lastResponse: SipResponse | undefined;

  constructor(opts: ServerTransactionOptions) {
    super(opts, 'Trying');
    this.user = opts.user ?? {};
    // DEVIATION: §17.2.2 has no timer in Trying or Proceeding. The client gives up after Timer F (64*T1), after
    // which no response can matter; a TU that never answers would otherwise keep the transaction forever.
    this.startTimer('F', this.timers.F, () => {
      if (this.state !== 'Trying' && this.state !== 'Proceeding') return;
      this.logger.warn(
        { transaction: this.id, method: this.request.method },
        'the TU never answered: transaction ended',
      );
      this.setState('Terminated');
      this.user.onError?.(timeoutError(this, 'F (server side)'));
    });
  }

  get response(): SipResponse | undefined {
    return this.lastResponse;
  }

  /** The TU's response (RFC 3261 §17.2.2). */
  respond(response: SipResponse): void {
    if (this.state !== 'Trying' && this.state !== 'Proceeding') {
      this.logger.warn(
        { transaction: this.id, state: this.state, status: response.status },
        'response after the final one ignored',
      );
      return;
    }
    this.lastResponse = response;
    if (response.status < 200) {
      // "While in the "Trying" state, if the TU passes a provisional response to the server transaction, the
      // server transaction MUST enter the "Proceeding" state."
      this.setState('Proceeding');
      this.send(response);
      return;
    }
    // "If the TU passes a final response (status codes 200-699) to the server while in the "Proceeding" [or
    // "Trying"] state, the transaction MUST enter the "Completed" state, and the response MUST be passed to the
    // transport layer for transmission." "When the server transaction enters the "Completed" state, it MUST set
    // Timer J to fire in 64*T1 seconds for unreliable transports, and zero seconds for reliable transports."
    this.stopTimer('F');
    this.setState('Completed');
    this.startTimer('J', this.transport.reliable ? 0 : this.timers.J, () => this.setState('Terminated'));
    this.send(response);
  }

  /** A retransmission of the request, matched by the transaction layer (RFC 3261 §17.2.3). */
  receiveRequest(_request: SipRequest): void {
    // "Once in the "Trying" state, any further request retransmissions are discarded." In Proceeding "the most
    // recently sent provisional response MUST be passed to the transport layer for retransmission"; in Completed
    // "the server MUST pass the final response to the transport layer for retransmission".
    if ((this.state === 'Proceeding' || this.state === 'Completed') && this.lastResponse !== undefined) {
      this.send(this.lastResponse);
    }
  }

  protected onTransportError(error: SipError): void {
    // §17.2.4, Figure 8: "Trnsprt Err, Inform TU" from Proceeding and Completed to Terminated.
    this.logger.warn({ transaction: this.id, state: this.state, err: error }, 'transport error');
    if (this.state === 'Terminated') return;
    this.setState('Terminated');
    this.user.onError?.(error);
  }
}
