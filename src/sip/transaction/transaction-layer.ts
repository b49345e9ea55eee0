// The transaction layer (RFC 3261 §17): creates client transactions with their branch, creates server
// transactions for new requests, and matches what the transport layer receives to them: responses by §17.1.3,
// requests by §17.2.3 (ACK and CANCEL included). What matches nothing goes up to the transaction user.

import { randomBytes } from 'node:crypto';
import { type Clock, RealClock } from '../clock.js';
import { SipError } from '../errors.js';
import { createResponse } from '../message/builders.js';
import type { SipMessage, SipRequest, SipResponse } from '../message/message.js';
import { formatVia } from '../message/via.js';
import { DEFAULT_TIMERS, type TimerConfig } from '../timers.js';
import { type Logger, silentLogger } from '../transport/logger.js';
import type { Address, Destination, MessageSource, TransportProtocol } from '../transport/transport.js';
import { type ClientTransactionUser, InviteClientTransaction } from './invite-client-transaction.js';
import { InviteServerTransaction, type ServerTransactionUser } from './invite-server-transaction.js';
import { NonInviteClientTransaction } from './non-invite-client-transaction.js';
import { NonInviteServerTransaction } from './non-invite-server-transaction.js';
import type { TransactionTransport } from './transaction.js';
import { clientKey, newBranch, responseKey, serverKey, tagOf, topVia } from './transaction-key.js';

export type ClientTransaction = InviteClientTransaction | NonInviteClientTransaction;
export type ServerTransaction = InviteServerTransaction | NonInviteServerTransaction;

/** What the transaction layer needs from the transport layer (a `TransportLayer` is one). */
export interface TransactionLayerTransport {
  /** Sends a request (or a stateless ACK) to a destination. */
  send(message: SipMessage, destination: Destination): Promise<void>;
  /** Sends a response where RFC 3261 §18.2.2 says, given the source of the request. */
  sendResponse(response: SipResponse, source: MessageSource): Promise<void>;
  /** The sent-by to put in the Via of requests sent on that transport (§18.1.1). */
  sentBy(transport: TransportProtocol): Address;
}

/** The transaction user of the layer: the UA core. */
export interface TransactionLayerUser {
  /**
   * A new request (not a retransmission) with the server transaction created for it. The TU answers through
   * `transaction.respond`. For a CANCEL, `matchCancel(request)` gives the INVITE transaction it cancels (§9.2).
   */
  receiveRequest(request: SipRequest, transaction: ServerTransaction, source: MessageSource): void;
  /** An ACK that matched no INVITE server transaction: the ACK for a 2xx (§13.3.1.4, §17.2.3), for the dialog. */
  receiveAck(ack: SipRequest, source: MessageSource): void;
  /** A response matching no client transaction (§18.1.2: e.g. a 2xx retransmitted after Timer M, §13.2.2.4). */
  receiveStrayResponse?(response: SipResponse, source: MessageSource): void;
  /** A server transaction failed: Timer H (`SIP_TIMEOUT`, the ACK never came) or a transport error. */
  onServerTransactionError?(error: SipError, transaction: ServerTransaction): void;
}

export interface TransactionLayerOptions {
  transport: TransactionLayerTransport;
  user: TransactionLayerUser;
  clock?: Clock;
  timers?: TimerConfig;
  logger?: Logger;
  /** Live server transactions; a new request beyond it is answered 503 with Retry-After. Default 4096. */
  maxServerTransactions?: number;
}

/** Seconds a request refused for load is told to wait (RFC 3261 §21.5.4, §20.33 Retry-After). */
const OVERLOAD_RETRY_AFTER = 5;

interface ServerEntry {
  tx: ServerTransaction;
  /** RFC 2543 fallback: the To tag of the request that created the transaction. */
  toTag?: string;
}

export class TransactionLayer {
  private readonly transport: TransactionLayerTransport;
  private readonly user: TransactionLayerUser;
  private readonly clock: Clock;
  private readonly timers: TimerConfig;
  private readonly logger: Logger;
  private readonly clients = new Map<string, ClientTransaction>();
  private readonly servers = new Map<string, ServerEntry>();
  private readonly maxServerTransactions: number;
  private closed = false;

  constructor(opts: TransactionLayerOptions) {
    this.transport = opts.transport;
    this.user = opts.user;
    this.clock = opts.clock ?? new RealClock();
    this.timers = opts.timers ?? DEFAULT_TIMERS;
    this.logger = opts.logger ?? silentLogger;
    this.maxServerTransactions = opts.maxServerTransactions ?? 4096;
  }

  /** Live transactions, for metrics and tests. */
  get size(): { clients: number; servers: number } {
    return { clients: this.clients.size, servers: this.servers.size };
  }

  /**
   * Sends a request in a new client transaction. Without a Via, one is added (`SIP/2.0/<transport> sent-by;
   * branch=z9hG4bK...;rport`, RFC 3261 §8.1.1.7, RFC 3581 §3); a request with a Via and a branch keeps them
   * (a CANCEL carries its INVITE's branch, §9.1). Not for ACK (see `sendAck`).
   */
  sendRequest(request: SipRequest, destination: Destination, user: ClientTransactionUser): ClientTransaction {
    if (this.closed) throw new SipError('SIP_CLOSED', `transaction layer closed [method:${request.method}]`);
    if (request.method === 'ACK') throw new TypeError('an ACK is sent with sendAck, not in a transaction');
    const branch = this.ensureVia(request, destination.transport);
    const key = clientKey(branch, request.method);
    if (this.clients.has(key)) {
      throw new SipError(
        'SIP_TRANSACTION_TERMINATED',
        `a client transaction already exists [branch:${branch}, method:${request.method}]`,
      );
    }
    const transport: TransactionTransport = {
      reliable: destination.transport !== 'UDP',
      send: (m) => this.transport.send(m, destination),
    };
    const opts = { id: branch, request, transport, user, clock: this.clock, timers: this.timers, logger: this.logger };
    const tx = request.method === 'INVITE' ? new InviteClientTransaction(opts) : new NonInviteClientTransaction(opts);
    if (tx.state !== 'Terminated') {
      this.clients.set(key, tx);
      tx.on('stateChanged', (state) => {
        if (state === 'Terminated' && this.clients.get(key) === tx) this.clients.delete(key);
      });
    }
    return tx;
  }

  /**
   * Sends an ACK for a 2xx outside any transaction (RFC 3261 §13.2.2.4, §17.1.1.3: "the ACK for a 2xx is a
   * separate transaction"), adding a Via with a new branch when it has none.
   */
  sendAck(ack: SipRequest, destination: Destination): Promise<void> {
    this.ensureVia(ack, destination.transport);
    return this.transport.send(ack, destination);
  }

  /** §9.2: the INVITE server transaction a CANCEL cancels, matched by §17.2.3 with the method INVITE. */
  matchCancel(cancel: SipRequest): InviteServerTransaction | undefined {
    const key = serverKey(cancel, 'INVITE');
    if (!key.ok) return undefined;
    const entry = this.servers.get(key.value.key);
    if (entry === undefined || !(entry.tx instanceof InviteServerTransaction)) return undefined;
    return entry.tx;
  }

  /** Everything the transport layer receives goes through here. Never throws. */
  receiveMessage(message: SipMessage, source: MessageSource): void {
    if (this.closed) return;
    if (message.kind === 'response') this.receiveResponse(message, source);
    else this.receiveRequest(message, source);
  }

  private receiveResponse(response: SipResponse, source: MessageSource): void {
    const key = responseKey(response);
    if (!key.ok) {
      this.logger.warn({ err: key.error, source }, 'response dropped: cannot match it to a transaction');
      return;
    }
    const tx = this.clients.get(key.value);
    if (tx !== undefined) {
      tx.receiveResponse(response);
      return;
    }
    if (this.user.receiveStrayResponse !== undefined) this.user.receiveStrayResponse(response, source);
    else this.logger.debug({ status: response.status, source }, 'stray response dropped (RFC 3261 §18.1.2)');
  }

  private receiveRequest(request: SipRequest, source: MessageSource): void {
    const key = serverKey(request);
    if (!key.ok) {
      this.logger.warn({ err: key.error, method: request.method, source }, 'request dropped: cannot match it');
      return;
    }
    const entry = this.servers.get(key.value.key);
    const toTag = tagOf(request.headers.get('To'));
    const matched = entry !== undefined && (!key.value.rfc2543 || this.rfc2543ToTagMatches(entry, request, toTag));
    if (request.method === 'ACK') {
      // §17.2.3: an ACK matches the INVITE server transaction (absorbed, or passed up in Accepted); any other
      // ACK acknowledges a 2xx and belongs to the dialog.
      if (matched && entry.tx instanceof InviteServerTransaction) entry.tx.receiveRequest(request);
      else this.user.receiveAck(request, source);
      return;
    }
    if (matched) {
      // §17.2.3: a retransmission; the transaction absorbs it or re-sends its last response.
      entry.tx.receiveRequest(request);
      return;
    }
    if (this.servers.size >= this.maxServerTransactions) {
      // RFC 3261 §21.5.4: 503 "The server is temporarily unable to process the request due to a temporary
      // overloading"; statelessly: a transaction is what we cannot afford. A retransmission gets another 503.
      this.logger.warn({ method: request.method, source, limit: this.maxServerTransactions }, 'request refused: 503');
      this.respondStatelessly(request, source, 503, [['Retry-After', String(OVERLOAD_RETRY_AFTER)]]);
      return;
    }
    const transport: TransactionTransport = {
      reliable: source.transport !== 'UDP',
      send: (m) => {
        if (m.kind !== 'response') return Promise.reject(new Error('a server transaction sends responses only'));
        return this.transport.sendResponse(m, source);
      },
    };
    const serverUser: ServerTransactionUser = {
      onError: (error) => {
        this.logger.warn({ err: error, method: request.method }, 'server transaction failed');
        this.user.onServerTransactionError?.(error, tx);
      },
      // RFC 6026 §7.1: an ACK matching an INVITE transaction in Accepted goes to the TU like any 2xx ACK.
      receiveAck: (ack) => this.user.receiveAck(ack, source),
    };
    const opts = {
      id: topBranch(request),
      request,
      transport,
      user: serverUser,
      clock: this.clock,
      timers: this.timers,
      logger: this.logger,
    };
    const tx = request.method === 'INVITE' ? new InviteServerTransaction(opts) : new NonInviteServerTransaction(opts);
    const stored: ServerEntry = key.value.rfc2543 ? { tx, toTag } : { tx };
    const k = key.value.key;
    this.servers.set(k, stored);
    tx.on('stateChanged', (state) => {
      if (state === 'Terminated' && this.servers.get(k) === stored) this.servers.delete(k);
    });
    try {
      this.user.receiveRequest(request, tx, source);
    } catch (e) {
      // A bug in the TU loses this request only: it is answered 500 (RFC 3261 §21.5.1) so that the transaction
      // ends now, instead of by Timer F (non-INVITE) or never (INVITE).
      this.logger.error({ err: e, method: request.method, source }, 'request handler threw; answered 500');
      const last = tx.response;
      if (tx.state !== 'Terminated' && (last === undefined || last.status < 200)) {
        tx.respond(createResponse(request, 500, undefined, { toTag: randomBytes(8).toString('hex') }));
      }
    }
  }

  /** A response without a transaction (RFC 3261 §8.2.7 stateless UAS behaviour). */
  private respondStatelessly(
    request: SipRequest,
    source: MessageSource,
    status: number,
    headers: [string, string][],
  ): void {
    const res = createResponse(request, status, undefined, { toTag: randomBytes(8).toString('hex'), headers });
    this.transport
      .sendResponse(res, source)
      .catch((e: unknown) => this.logger.warn({ err: e, source, status }, 'stateless response not sent'));
  }

  /** RFC 2543 matching (§17.2.3): a retransmission carries the original To tag; an ACK carries the response's. */
  private rfc2543ToTagMatches(entry: ServerEntry, request: SipRequest, toTag: string): boolean {
    if (request.method !== 'ACK') return toTag === entry.toTag;
    const response = entry.tx.response;
    return response !== undefined && toTag === tagOf(response.headers.get('To'));
  }

  /** Makes sure the top Via exists and has a branch; returns the branch. */
  private ensureVia(request: SipRequest, transport: TransportProtocol): string {
    const existing = request.headers.get('Via');
    if (existing !== undefined) {
      const via = topVia(request);
      if (!via.ok) throw via.error;
      const branch = via.value.params.get('branch');
      if (typeof branch === 'string' && branch !== '') return branch;
      throw new SipError('SIP_PARSE_BAD_VIA', `request to send has a Via without a branch [method:${request.method}]`, {
        field: 'Via',
      });
    }
    const sentBy = this.transport.sentBy(transport);
    const branch = newBranch();
    const params = new Map<string, string | null>([
      ['branch', branch],
      ['rport', null],
    ]);
    request.headers.prepend(
      'Via',
      formatVia({ protocol: 'SIP/2.0', transport, host: sentBy.host, port: sentBy.port, params }),
    );
    return branch;
  }

  /** Terminates every transaction. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const tx of [...this.clients.values()]) tx.dispose();
    for (const { tx } of [...this.servers.values()]) tx.dispose();
    this.clients.clear();
    this.servers.clear();
  }
}

function topBranch(request: SipRequest): string {
  const via = topVia(request);
  const branch = via.ok ? via.value.params.get('branch') : undefined;
  return typeof branch === 'string' ? branch : '';
}
