// RFC 3261 §17.1.2 non-INVITE client transaction (Figure 6).
//
//                                    |Request from TU
//                                    |send request
//                Timer E             V
//                send request  +-----------+
//                    +---------|           |-------------------+
//                    |         |  Trying   |  Timer F          |
//                    +-------->|           |  or Transport Err.|
//                              +-----------+  inform TU        |
//                 200-699         |  |                         |
//                 resp. to TU     |  |1xx                      |
//                 +---------------+  |resp. to TU              |
//                 |                  |                         |
//                 |   Timer E        V       Timer F           |
//                 |   send req +-----------+ or Transport Err. |
//                 |  +---------|           | inform TU         |
//                 |  |         |Proceeding |------------------>|
//                 |  +-------->|           |-----+             |
//                 |            +-----------+     |1xx          |
//                 |              |      ^        |resp to TU   |
//                 | 200-699      |      +--------+             |
//                 | resp. to TU  |                             |
//                 |              |                             |
//                 |              V                             |
//                 |            +-----------+                   |
//                 |            |           |                   |
//                 |            | Completed |                   |
//                 |            |           |                   |
//                 |            +-----------+                   |
//                 |              ^   |                         |
//                 |              |   | Timer K                 |
//                 +--------------+   | -                       |
//                                    |                         |
//                                    V                         |
//              NOTE:           +-----------+                   |
//                              |           |                   |
//          transitions         | Terminated|<------------------+
//          labeled with        |           |
//          the event           +-----------+
//          over the action
//          to take

import type { SipError } from '../errors.js';
import type { SipResponse } from '../message/message.js';
import type { ClientTransactionOptions, ClientTransactionUser } from './invite-client-transaction.js';
import { Transaction, timeoutError } from './transaction.js';

export type NonInviteClientTransactionState = 'Trying' | 'Proceeding' | 'Completed' | 'Terminated';

export class NonInviteClientTransaction extends Transaction<NonInviteClientTransactionState> {
  private readonly user: ClientTransactionUser;
  private timerEInterval: number;

  /** Sends the request at once and starts Timers E (unreliable transports) and F. */
  constructor(opts: ClientTransactionOptions) {
    super(opts, 'Trying');
    this.user = opts.user;
    this.timerEInterval = this.timers.E;
    this.send(this.request);
    // §17.1.2.2: "If an unreliable transport is in use, the client transaction MUST set timer E to fire in T1
    // seconds." "Timer F MUST be set to fire in 64*T1 seconds" whatever the transport.
    if (!this.transport.reliable) this.startTimer('E', this.timerEInterval, () => this.timerE());
    this.startTimer('F', this.timers.F, () => this.timerF());
  }

  receiveResponse(response: SipResponse): void {
    const status = response.status;
    switch (this.state) {
      case 'Trying':
      case 'Proceeding':
        if (status < 200) {
          // "If a provisional response is received while in the "Trying" state, the response MUST be passed to
          // the TU, and then the client transaction SHOULD move to the "Proceeding" state."
          this.setState('Proceeding');
          this.user.receiveResponse(response);
          return;
        }
        // "If a final response (status codes 200-699) is received while in the "Trying" [or "Proceeding"] state,
        // the response MUST be passed to the TU, and the client transaction MUST transition to the "Completed"
        // state." "Once the client transaction enters the "Completed" state, it MUST set Timer K to fire in T4
        // seconds for unreliable transports, and zero seconds for reliable transports."
        this.stopTimer('E');
        this.stopTimer('F');
        this.setState('Completed');
        this.startTimer('K', this.transport.reliable ? 0 : this.timers.K, () => this.setState('Terminated'));
        this.user.receiveResponse(response);
        return;
      case 'Completed':
      case 'Terminated':
        // "The "Completed" state exists to buffer any additional response retransmissions that may be received."
        return;
    }
  }

  private timerE(): void {
    if (this.state !== 'Trying' && this.state !== 'Proceeding') return;
    // §17.1.2.2: in Trying "the timer is reset with a value of MIN(2*T1, T2)" and doubles up to T2; "If Timer E
    // fires while in the "Proceeding" state, the request MUST be passed to the transport layer for
    // retransmission, and Timer E MUST be reset with a value of T2 seconds."
    this.send(this.request);
    this.timerEInterval = this.state === 'Trying' ? Math.min(2 * this.timerEInterval, this.timers.T2) : this.timers.T2;
    this.startTimer('E', this.timerEInterval, () => this.timerE());
  }

  private timerF(): void {
    if (this.state !== 'Trying' && this.state !== 'Proceeding') return;
    // "If Timer F fires while the client transaction is still in the "Trying" [or "Proceeding"] state, the
    // client transaction SHOULD inform the TU about the timeout, and then it SHOULD enter the "Terminated" state."
    this.setState('Terminated');
    this.user.onError(timeoutError(this, 'F'));
  }

  protected onTransportError(error: SipError): void {
    // §17.1.4: a transport failure in Trying or Proceeding informs the TU and terminates (Figure 6).
    this.logger.warn({ transaction: this.id, state: this.state, err: error }, 'transport error');
    if (this.state !== 'Trying' && this.state !== 'Proceeding') return;
    this.setState('Terminated');
    this.user.onError(error);
  }
}
