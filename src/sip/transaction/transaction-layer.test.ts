import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FakeClock } from '../clock.js';
import type { SipError } from '../errors.js';
import { type SipMessage, SipRequest, SipResponse } from '../message/message.js';
import { parseVia } from '../message/via.js';
import { DEFAULT_TIMERS } from '../timers.js';
import type { Destination, MessageSource } from '../transport/transport.js';
import { flushPromises, makeRequest, makeResponse } from './testing.js';
import {
  type ServerTransaction,
  TransactionLayer,
  type TransactionLayerTransport,
  type TransactionLayerUser,
} from './transaction-layer.js';

function copy(m: SipMessage): SipMessage {
  return m.kind === 'request'
    ? new SipRequest(m.method, m.uri, m.headers.clone(), m.body)
    : new SipResponse(m.status, m.reason, m.headers.clone(), m.body);
}

/** Records what a layer sends and hands copies to the peer layer, asynchronously like a real network. */
class FakeTransport implements TransactionLayerTransport {
  readonly sent: { message: SipMessage; to: Destination | MessageSource }[] = [];
  peer: TransactionLayer | undefined;
  constructor(
    readonly host: string,
    readonly port: number,
  ) {}
  send(message: SipMessage, destination: Destination): Promise<void> {
    this.sent.push({ message, to: destination });
    const peer = this.peer;
    if (peer !== undefined)
      queueMicrotask(() => peer.receiveMessage(copy(message), this.source(destination.transport)));
    return Promise.resolve();
  }
  sendResponse(response: SipResponse, source: MessageSource): Promise<void> {
    this.sent.push({ message: response, to: source });
    const peer = this.peer;
    if (peer !== undefined) queueMicrotask(() => peer.receiveMessage(copy(response), this.source(source.transport)));
    return Promise.resolve();
  }
  sentBy() {
    return { host: this.host, port: this.port };
  }
  source(transport: Destination['transport']): MessageSource {
    return { transport, host: this.host, port: this.port, local: { host: '127.0.0.1', port: 5060 } };
  }
  get lines(): string[] {
    return this.sent.map((s) => (s.message.kind === 'request' ? s.message.method : String(s.message.status)));
  }
}

interface Recorded {
  requests: { request: SipRequest; tx: ServerTransaction }[];
  acks: SipRequest[];
  strays: SipResponse[];
  errors: SipError[];
}

function makeLayer(
  clock: FakeClock,
  transport: FakeTransport,
  onRequest?: (r: SipRequest, tx: ServerTransaction) => void,
) {
  const rec: Recorded = { requests: [], acks: [], strays: [], errors: [] };
  const user: TransactionLayerUser = {
    receiveRequest: (request, tx) => {
      rec.requests.push({ request, tx });
      onRequest?.(request, tx);
    },
    receiveAck: (ack) => rec.acks.push(ack),
    receiveStrayResponse: (r) => rec.strays.push(r),
    onServerTransactionError: (e) => rec.errors.push(e),
  };
  return { layer: new TransactionLayer({ transport, user, clock, timers: DEFAULT_TIMERS }), rec };
}

const SOURCE: MessageSource = {
  transport: 'UDP',
  host: '192.0.2.1',
  port: 5060,
  local: { host: '127.0.0.1', port: 5060 },
};
const DEST: Destination = { transport: 'UDP', host: '192.0.2.9', port: 5060 };

function bareRequest(method: string): SipRequest {
  const r = makeRequest(method);
  r.headers.remove('Via');
  return r;
}

describe('TransactionLayer (RFC 3261 §17)', () => {
  test('sendRequest adds a Via with a fresh z9hG4bK branch, rport and the transport`s sent-by', () => {
    const clock = new FakeClock();
    const transport = new FakeTransport('198.51.100.7', 5070);
    const { layer } = makeLayer(clock, transport);
    const user = { receiveResponse: () => undefined, onError: () => undefined };
    const a = layer.sendRequest(bareRequest('OPTIONS'), DEST, user);
    const b = layer.sendRequest(bareRequest('OPTIONS'), DEST, user);
    assert.notEqual(a.id, b.id);
    const via = parseVia(a.request.headers.get('Via') ?? '');
    assert.ok(via.ok);
    const top = via.value[0];
    assert.equal(top?.transport, 'UDP');
    assert.equal(top?.host, '198.51.100.7');
    assert.equal(top?.port, 5070);
    assert.match(String(top?.params.get('branch')), /^z9hG4bK[A-Za-z0-9_-]{16}$/);
    assert.equal(top?.params.get('rport'), null);
    assert.deepEqual(transport.lines, ['OPTIONS', 'OPTIONS']);
    layer.close();
    layer.close();
    assert.deepEqual(layer.size, { clients: 0, servers: 0 });
  });

  test('responses match by branch and CSeq method (§17.1.3); others are stray', () => {
    const clock = new FakeClock();
    const transport = new FakeTransport('198.51.100.7', 5060);
    const { layer, rec } = makeLayer(clock, transport);
    const inviteResponses: number[] = [];
    const cancelResponses: number[] = [];
    const invite = layer.sendRequest(bareRequest('INVITE'), DEST, {
      receiveResponse: (r) => inviteResponses.push(r.status),
      onError: () => assert.fail(),
    });
    const cancel = new SipRequest('CANCEL', invite.request.uri, invite.request.headers.clone());
    cancel.headers.set('CSeq', '1 CANCEL');
    layer.sendRequest(cancel, DEST, {
      receiveResponse: (r) => cancelResponses.push(r.status),
      onError: () => assert.fail(),
    });
    layer.receiveMessage(makeResponse(invite.request, 180), SOURCE);
    layer.receiveMessage(makeResponse(cancel, 200), SOURCE);
    layer.receiveMessage(makeResponse(invite.request, 487), SOURCE);
    assert.deepEqual(inviteResponses, [180, 487]);
    assert.deepEqual(cancelResponses, [200]);
    assert.deepEqual(transport.lines, ['INVITE', 'CANCEL', 'ACK'], 'the 487 is acknowledged by the transaction');
    layer.receiveMessage(makeResponse(makeRequest('INVITE', { branch: 'z9hG4bKother' }), 200), SOURCE);
    assert.equal(rec.strays.length, 1);
    layer.close();
  });

  test('a new request gets a server transaction; retransmissions are absorbed; the last response is re-sent', () => {
    const clock = new FakeClock();
    const transport = new FakeTransport('127.0.0.1', 5060);
    const { layer, rec } = makeLayer(clock, transport);
    const register = makeRequest('REGISTER');
    layer.receiveMessage(register, SOURCE);
    layer.receiveMessage(makeRequest('REGISTER'), SOURCE);
    assert.equal(rec.requests.length, 1);
    const tx = rec.requests[0]?.tx;
    tx?.respond(makeResponse(register, 200));
    layer.receiveMessage(makeRequest('REGISTER'), SOURCE);
    assert.equal(rec.requests.length, 1);
    assert.deepEqual(transport.lines, ['200', '200']);
    // Same branch from another sent-by is another transaction (§17.2.3).
    layer.receiveMessage(makeRequest('REGISTER', { sentBy: '192.0.2.2:5060' }), SOURCE);
    assert.equal(rec.requests.length, 2);
    clock.tick(DEFAULT_TIMERS.J - 1);
    assert.equal(layer.size.servers, 2);
    clock.tick(1);
    assert.equal(layer.size.servers, 0, 'Timer J ended the answered one, 64*T1 the unanswered one');
    layer.close();
  });

  test('ACK for a non-2xx matches the INVITE transaction and is absorbed; ACK for a 2xx goes to the TU', () => {
    const clock = new FakeClock();
    const transport = new FakeTransport('127.0.0.1', 5060);
    const { layer, rec } = makeLayer(clock, transport);
    const invite = makeRequest('INVITE');
    layer.receiveMessage(invite, SOURCE);
    const tx = rec.requests[0]?.tx;
    assert.ok(tx?.request.method === 'INVITE');
    tx.respond(makeResponse(invite, 486));
    layer.receiveMessage(makeRequest('ACK'), SOURCE);
    assert.equal(tx.state, 'Confirmed');
    assert.equal(rec.acks.length, 0);
    layer.receiveMessage(makeRequest('ACK', { branch: 'z9hG4bKack2xx' }), SOURCE);
    assert.equal(rec.acks.length, 1);
    layer.close();
  });

  test('CANCEL gets its own transaction and matchCancel finds the INVITE (§9.2)', () => {
    const clock = new FakeClock();
    const transport = new FakeTransport('127.0.0.1', 5060);
    const { layer, rec } = makeLayer(clock, transport);
    layer.receiveMessage(makeRequest('INVITE'), SOURCE);
    layer.receiveMessage(makeRequest('CANCEL'), SOURCE);
    assert.equal(rec.requests.length, 2);
    const cancel = rec.requests[1];
    assert.equal(cancel?.tx.request.method, 'CANCEL');
    assert.equal(layer.matchCancel(cancel?.request ?? makeRequest('CANCEL')), rec.requests[0]?.tx);
    assert.equal(layer.matchCancel(makeRequest('CANCEL', { branch: 'z9hG4bKnone' })), undefined);
    layer.close();
  });

  test('RFC 2543 fallback: no magic cookie, matched by Request-URI, tags, Call-ID, CSeq and top Via', () => {
    const clock = new FakeClock();
    const transport = new FakeTransport('127.0.0.1', 5060);
    const { layer, rec } = makeLayer(clock, transport);
    const invite = makeRequest('INVITE', { branch: 'old1' });
    layer.receiveMessage(invite, SOURCE);
    layer.receiveMessage(makeRequest('INVITE', { branch: 'old1' }), SOURCE);
    assert.equal(rec.requests.length, 1);
    layer.receiveMessage(makeRequest('INVITE', { branch: 'old1', cseq: 2 }), SOURCE);
    assert.equal(rec.requests.length, 2, 'another CSeq is another transaction');
    const tx = rec.requests[0]?.tx;
    tx?.respond(makeResponse(invite, 404, 'srv'));
    const ack = makeRequest('ACK', { branch: 'old1' });
    ack.headers.set('To', '<sip:bob@example.com>;tag=srv');
    layer.receiveMessage(ack, SOURCE);
    assert.equal(tx?.state, 'Confirmed');
    assert.equal(rec.acks.length, 0);
    layer.close();
  });

  test('two layers over a lossless fake network: INVITE, 180, 486, ACK; timeout of an unanswered OPTIONS', async () => {
    const clock = new FakeClock();
    const aliceNet = new FakeTransport('192.0.2.1', 5060);
    const bobNet = new FakeTransport('192.0.2.2', 5060);
    const alice = makeLayer(clock, aliceNet);
    const bob = makeLayer(clock, bobNet, (request, tx) => {
      if (request.method === 'INVITE') {
        tx.respond(makeResponse(request, 180));
        tx.respond(makeResponse(request, 486));
      }
    });
    aliceNet.peer = bob.layer;
    bobNet.peer = alice.layer;
    const statuses: number[] = [];
    alice.layer.sendRequest(bareRequest('INVITE'), DEST, {
      receiveResponse: (r) => statuses.push(r.status),
      onError: () => assert.fail(),
    });
    await flushPromises();
    assert.deepEqual(statuses, [180, 486]);
    assert.deepEqual(aliceNet.lines, ['INVITE', 'ACK']);
    assert.deepEqual(bobNet.lines, ['180', '486']);
    const bobTx = bob.rec.requests[0]?.tx;
    assert.equal(bobTx?.state, 'Confirmed');
    clock.tick(60_000);
    assert.deepEqual(alice.layer.size, { clients: 0, servers: 0 });
    assert.deepEqual(bob.layer.size, { clients: 0, servers: 0 });

    const errors: SipError[] = [];
    bob.layer.sendRequest(bareRequest('OPTIONS'), DEST, {
      receiveResponse: () => assert.fail(),
      onError: (e) => errors.push(e),
    });
    await flushPromises();
    assert.equal(alice.rec.requests.length, 1, 'alice`s TU never answers');
    for (let t = 0; t < DEFAULT_TIMERS.F; t += 500) {
      clock.tick(500);
      await flushPromises();
    }
    assert.equal(errors[0]?.code, 'SIP_TIMEOUT');
    assert.ok(bobNet.lines.filter((l) => l === 'OPTIONS').length > 5, 'the OPTIONS was retransmitted');
    assert.equal(alice.rec.requests.length, 1, 'the retransmissions were absorbed');
    alice.layer.close();
    bob.layer.close();
  });
});

describe('TransactionLayer under faults and load', () => {
  test('a TU that throws: the request is answered 500 and its transaction ends', () => {
    const clock = new FakeClock();
    const transport = new FakeTransport('198.51.100.7', 5060);
    const { layer, rec } = makeLayer(clock, transport, () => {
      throw new Error('TU bug');
    });
    layer.receiveMessage(makeRequest('OPTIONS', { branch: 'z9hG4bKthrow1' }), SOURCE);
    layer.receiveMessage(makeRequest('INVITE', { branch: 'z9hG4bKthrow2' }), SOURCE);
    assert.equal(rec.requests.length, 2);
    assert.deepEqual(transport.lines, ['500', '500']);
    // Timer J (OPTIONS) and Timer H (the INVITE's 500 never ACKed) both run 64*T1 over UDP.
    clock.tick(DEFAULT_TIMERS.T1 * 64);
    assert.deepEqual(layer.size, { clients: 0, servers: 0 });
    layer.close();
  });

  test('beyond maxServerTransactions a new request gets 503 with Retry-After and no transaction', () => {
    const clock = new FakeClock();
    const transport = new FakeTransport('198.51.100.7', 5060);
    const user: TransactionLayerUser = { receiveRequest: () => undefined, receiveAck: () => undefined };
    const layer = new TransactionLayer({ transport, user, clock, maxServerTransactions: 2 });
    for (const b of ['z9hG4bKl1', 'z9hG4bKl2', 'z9hG4bKl3'])
      layer.receiveMessage(makeRequest('OPTIONS', { branch: b }), SOURCE);
    assert.deepEqual(layer.size, { clients: 0, servers: 2 });
    assert.deepEqual(transport.lines, ['503']);
    const res = transport.sent[0]?.message as SipResponse;
    assert.equal(res.headers.get('Retry-After'), '5');
    layer.close();
  });
});
