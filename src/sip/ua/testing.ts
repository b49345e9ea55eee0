// Test support for the user agent tests (not used by the stack): two user agents wired through the real
// RFC 3261 §17 transaction state machines over an in-memory wire. The wire is a fake because these tests check
// the UA's behaviour; the transport layer has its own socket tests, and test/e2e runs the UA against real peers.
// The wire records each message as `A>B INVITE` / `B>A 180` for assertions, and can drop messages.
import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { SipMessage, SipRequest, SipResponse } from '../message/message.js';
import { DEFAULT_TIMERS, type TimerConfig } from '../timers.js';
import { InviteClientTransaction } from '../transaction/invite-client-transaction.js';
import { InviteServerTransaction } from '../transaction/invite-server-transaction.js';
import { NonInviteClientTransaction } from '../transaction/non-invite-client-transaction.js';
import { NonInviteServerTransaction } from '../transaction/non-invite-server-transaction.js';
import type { TransactionTransport } from '../transaction/transaction.js';
import type { IncomingRequestHandler, RequestCallbacks, UaNetwork } from './network.js';

export interface WireEntry {
  from: string;
  to: string;
  message: SipMessage;
  at: number;
}

type Client = InviteClientTransaction | NonInviteClientTransaction;
type Server = InviteServerTransaction | NonInviteServerTransaction;

export class LoopbackWire {
  readonly log: WireEntry[] = [];
  private readonly ends = new Map<string, LoopbackEnd>();
  /** Return true to drop a message (it is still logged, with `dropped`). */
  drop: ((e: WireEntry) => boolean) | undefined;
  readonly dropped: WireEntry[] = [];
  /** Sends that failed outside a transaction (an ACK with no peer on the wire). */
  readonly errors: unknown[] = [];

  constructor(
    readonly clock: Clock,
    readonly timers: TimerConfig = DEFAULT_TIMERS,
  ) {}

  end(name: string, reliable = true): LoopbackEnd {
    const e = new LoopbackEnd(this, name, reliable);
    this.ends.set(name, e);
    return e;
  }

  /** `A>B INVITE`, `B>A 180` ... */
  get lines(): string[] {
    return this.log.map((e) => `${e.from}>${e.to} ${lineOf(e.message)}`);
  }

  /** The messages sent to `to` so far whose start line matches. */
  find(pred: (m: SipMessage) => boolean): SipMessage[] {
    return this.log.map((e) => e.message).filter(pred);
  }

  transmit(from: string, message: SipMessage): Promise<void> {
    const toName = [...this.ends.keys()].find((n) => n !== from);
    const to = toName === undefined ? undefined : this.ends.get(toName);
    if (to === undefined) return Promise.reject(new Error('no peer on the loopback wire'));
    const entry = { from, to: to.name, message: message, at: this.clock.now() };
    this.log.push(entry);
    if (this.drop?.(entry)) {
      this.dropped.push(entry);
      return Promise.resolve();
    }
    // Delivered asynchronously, as a socket would: the sender's stack finishes its step first.
    queueMicrotask(() => to.deliver(message));
    return Promise.resolve();
  }
}

function lineOf(m: SipMessage): string {
  return m.kind === 'request' ? m.method : String(m.status);
}

function branchOf(m: SipMessage): string | undefined {
  const via = m.headers.get('Via');
  return via === undefined ? undefined : /;\s*branch=([^;,\s]+)/i.exec(via)?.[1];
}

function cseqMethod(m: SipMessage): string {
  return (m.headers.get('CSeq') ?? '').trim().split(/\s+/)[1] ?? '';
}

export class LoopbackEnd implements UaNetwork {
  readonly contact: UaNetwork['contact'];
  private handler: IncomingRequestHandler | undefined;
  private readonly clients = new Map<string, Client>();
  private readonly servers = new Map<string, Server>();
  private readonly transport: TransactionTransport;

  constructor(
    private readonly wire: LoopbackWire,
    readonly name: string,
    reliable: boolean,
  ) {
    this.contact = { host: `${name.toLowerCase()}.invalid`, port: 5060, transport: reliable ? 'TCP' : 'UDP' };
    this.transport = { reliable, send: (m) => wire.transmit(name, m) };
  }

  sendRequest(request: SipRequest, callbacks: RequestCallbacks): void {
    if (!request.headers.has('Via')) {
      const branch = `z9hG4bK${randomBytes(8).toString('hex')}`;
      request.headers.prepend('Via', `SIP/2.0/${this.contact.transport} ${this.contact.host}:5060;branch=${branch}`);
    }
    const key = `${branchOf(request)}|${request.method}`;
    const opts = {
      id: key,
      request,
      transport: this.transport,
      clock: this.wire.clock,
      timers: this.wire.timers,
      user: callbacks,
    };
    const tx = request.method === 'INVITE' ? new InviteClientTransaction(opts) : new NonInviteClientTransaction(opts);
    this.clients.set(key, tx);
    tx.on('stateChanged', (s) => {
      if (s === 'Terminated') this.clients.delete(key);
    });
  }

  sendAck(ack: SipRequest): void {
    const branch = `z9hG4bK${randomBytes(8).toString('hex')}`;
    ack.headers.prepend('Via', `SIP/2.0/${this.contact.transport} ${this.contact.host}:5060;branch=${branch}`);
    this.transport.send(ack).then(undefined, (e: unknown) => this.wire.errors.push(e));
  }

  onRequest(handler: IncomingRequestHandler): void {
    this.handler = handler;
  }

  /** RFC 3261 §17.1.3 / §17.2.3 matching by branch and method (CANCEL and ACK have their own keys). */
  deliver(message: SipMessage): void {
    if (message.kind === 'response') {
      this.clients.get(`${branchOf(message)}|${cseqMethod(message)}`)?.receiveResponse(message);
      return;
    }
    const method = message.method === 'ACK' ? 'INVITE' : message.method;
    const key = `${branchOf(message)}|${method}`;
    const existing = this.servers.get(key);
    if (existing !== undefined) {
      existing.receiveRequest(message);
      return;
    }
    if (message.method === 'ACK') {
      this.handler?.(message, undefined);
      return;
    }
    const opts = {
      id: key,
      request: message,
      transport: this.transport,
      clock: this.wire.clock,
      timers: this.wire.timers,
      user: { receiveAck: (ack: SipRequest) => this.handler?.(ack, undefined) },
    };
    const tx = message.method === 'INVITE' ? new InviteServerTransaction(opts) : new NonInviteServerTransaction(opts);
    this.servers.set(key, tx);
    tx.on('stateChanged', (s) => {
      if (s === 'Terminated') this.servers.delete(key);
    });
    this.handler?.(message, { respond: (r: SipResponse) => tx.respond(r) });
  }

  /** Ends every transaction (their timers stop). */
  close(): void {
    for (const t of [...this.clients.values(), ...this.servers.values()]) t.dispose();
  }
}
