// Test support for the transaction tests (not used by the stack): a fake transport that records what goes
// on the wire with the fake clock's time, and request/response factories. A fake is used because these tests
// check the state machines alone; the transport tests use real sockets.

import type { Clock } from '../clock.js';
import { Headers } from '../message/headers.js';
import { type SipMessage, SipRequest, SipResponse } from '../message/message.js';
import type { TransactionTransport } from './transaction.js';

export interface SentMessage {
  at: number;
  message: SipMessage;
}

export class RecordingTransport implements TransactionTransport {
  readonly sent: SentMessage[] = [];
  /** When set, every send rejects with this error. */
  failWith: Error | undefined;

  constructor(
    readonly reliable: boolean,
    private readonly clock: Clock,
  ) {}

  send(message: SipMessage): Promise<void> {
    if (this.failWith !== undefined) return Promise.reject(this.failWith);
    this.sent.push({ at: this.clock.now(), message });
    return Promise.resolve();
  }

  /** Start lines of what was sent: `INVITE`, `ACK`, `100`, `486`. */
  get lines(): string[] {
    return this.sent.map((s) => (s.message.kind === 'request' ? s.message.method : String(s.message.status)));
  }

  get times(): number[] {
    return this.sent.map((s) => s.at);
  }
}

export function makeRequest(
  method: string,
  opts: { branch?: string; cseq?: number; sentBy?: string } = {},
): SipRequest {
  const h = new Headers();
  h.append('Via', `SIP/2.0/UDP ${opts.sentBy ?? '192.0.2.1:5060'};branch=${opts.branch ?? 'z9hG4bKtest1'};rport`);
  h.append('Max-Forwards', '70');
  h.append('Route', '<sip:proxy.example.com;lr>');
  h.append('From', '"Alice" <sip:alice@example.com>;tag=a1');
  h.append('To', '<sip:bob@example.com>');
  h.append('Call-ID', 'call-1@192.0.2.1');
  h.append('CSeq', `${opts.cseq ?? 1} ${method === 'ACK' ? 'INVITE' : method}`);
  h.append('Contact', '<sip:alice@192.0.2.1:5060>');
  h.append('Content-Length', '0');
  return new SipRequest(method, 'sip:bob@example.com', h);
}

/** A response to `request` with its Via, From, Call-ID, CSeq; To gets `toTag` for non-100 responses. */
export function makeResponse(request: SipRequest, status: number, toTag = 'b1'): SipResponse {
  const h = new Headers();
  for (const via of request.headers.getAll('Via')) h.append('Via', via);
  h.append('From', request.headers.get('From') ?? '');
  const to = request.headers.get('To') ?? '';
  h.append('To', status === 100 || to.includes('tag=') ? to : `${to};tag=${toTag}`);
  h.append('Call-ID', request.headers.get('Call-ID') ?? '');
  h.append('CSeq', request.headers.get('CSeq') ?? '');
  h.append('Content-Length', '0');
  return new SipResponse(status, status < 200 ? 'Ringing' : status < 300 ? 'OK' : 'Busy Here', h);
}

/** Lets the promise callbacks of the transaction's sends run (transport errors arrive that way). */
export function flushPromises(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
