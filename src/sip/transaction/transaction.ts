// What the four RFC 3261 §17 transaction state machines share: the transport they send on, the clock their
// timers run on, the state with its change event, and idempotent termination.

import { EventEmitter } from 'node:events';
import type { Clock, TimerHandle } from '../clock.js';
import { SipError } from '../errors.js';
import type { SipMessage, SipRequest } from '../message/message.js';
import type { TimerConfig } from '../timers.js';
import { type Logger, silentLogger } from '../transport/logger.js';

export type TransactionState =
  | 'Calling'
  | 'Trying'
  | 'Proceeding'
  | 'Completed'
  | 'Accepted'
  | 'Confirmed'
  | 'Terminated';

/**
 * How a transaction reaches the network: for a client transaction, bound to the destination the request goes
 * to; for a server transaction, bound to the source of the request so that responses follow RFC 3261 §18.2.2.
 */
export interface TransactionTransport {
  /** TCP, TLS: no retransmissions, Timers D, I, J, K are zero (RFC 3261 §17). */
  readonly reliable: boolean;
  /** Resolves once the message is handed to the network; rejects on a transport error. */
  send(message: SipMessage): Promise<void>;
}

export interface TransactionEvents {
  stateChanged: [state: TransactionState];
}

export interface TransactionOptions {
  /** The transaction id: the branch of the top Via (RFC 3261 §17.1.3, §17.2.3). */
  id: string;
  request: SipRequest;
  transport: TransactionTransport;
  clock: Clock;
  timers: TimerConfig;
  logger?: Logger;
}

export abstract class Transaction<S extends TransactionState> extends EventEmitter<TransactionEvents> {
  readonly id: string;
  /** The request that created the transaction. */
  readonly request: SipRequest;
  readonly transport: TransactionTransport;
  protected readonly clock: Clock;
  protected readonly timers: TimerConfig;
  protected readonly logger: Logger;
  private currentState: S;
  private readonly pendingTimers = new Map<string, TimerHandle>();

  constructor(opts: TransactionOptions, initial: S) {
    super();
    this.id = opts.id;
    this.request = opts.request;
    this.transport = opts.transport;
    this.clock = opts.clock;
    this.timers = opts.timers;
    this.logger = opts.logger ?? silentLogger;
    this.currentState = initial;
  }

  get state(): S {
    return this.currentState;
  }

  /** A short description for logs and error messages. */
  get label(): string {
    return `[${this.constructor.name} id:${this.id} method:${this.request.method}]`;
  }

  protected setState(state: S): void {
    if (state === this.currentState) return;
    this.logger.debug(
      { transaction: this.id, method: this.request.method, from: this.currentState, to: state },
      'transaction state',
    );
    this.currentState = state;
    if (state === 'Terminated') this.clearTimers();
    this.emit('stateChanged', state);
  }

  /** Starts (or restarts) the named RFC timer. */
  protected startTimer(name: string, ms: number, fire: () => void): void {
    this.stopTimer(name);
    const handle = this.clock.setTimeout(() => {
      this.pendingTimers.delete(name);
      fire();
    }, ms);
    this.pendingTimers.set(name, handle);
  }

  protected stopTimer(name: string): void {
    const handle = this.pendingTimers.get(name);
    if (handle === undefined) return;
    this.clock.clearTimeout(handle);
    this.pendingTimers.delete(name);
  }

  private clearTimers(): void {
    for (const handle of this.pendingTimers.values()) this.clock.clearTimeout(handle);
    this.pendingTimers.clear();
  }

  /**
   * Sends on the transport; a failure is reported through `onTransportError` (RFC 3261 §17.1.4, §17.2.4).
   */
  protected send(message: SipMessage): void {
    this.transport.send(message).then(
      () => undefined,
      (cause: unknown) => {
        if (this.state === 'Terminated') {
          this.logger.warn({ transaction: this.id, err: cause }, 'send failed after the transaction terminated');
          return;
        }
        const reason = cause instanceof Error ? cause.message : String(cause);
        this.onTransportError(
          new SipError('SIP_TRANSPORT_ERROR', `transport error ${this.label}: ${reason}`, { status: 503, cause }),
        );
      },
    );
  }

  protected abstract onTransportError(error: SipError): void;

  /** Ends the transaction now, without telling the TU (the TU asked for it, or the stack is closing). */
  dispose(): void {
    this.setState('Terminated' as S);
  }
}

export function timeoutError(tx: { label: string }, timer: string): SipError {
  return new SipError('SIP_TIMEOUT', `Timer ${timer} fired ${tx.label}`, { status: 408 });
}
