import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FakeClock } from '../clock.js';
import type { SipError } from '../errors.js';
import type { SipResponse } from '../message/message.js';
import { DEFAULT_TIMERS } from '../timers.js';
import { InviteClientTransaction } from './invite-client-transaction.js';
import { flushPromises, makeRequest, makeResponse, RecordingTransport } from './testing.js';

function setup(reliable: boolean) {
  const clock = new FakeClock();
  const transport = new RecordingTransport(reliable, clock);
  const responses: SipResponse[] = [];
  const errors: SipError[] = [];
  const request = makeRequest('INVITE');
  const tx = new InviteClientTransaction({
    id: 'z9hG4bKtest1',
    request,
    transport,
    clock,
    timers: DEFAULT_TIMERS,
    user: { receiveResponse: (r) => responses.push(r), onError: (e) => errors.push(e) },
  });
  return { clock, transport, responses, errors, request, tx };
}

describe('InviteClientTransaction (RFC 3261 §17.1.1, RFC 6026)', () => {
  test('UDP: Timer A retransmits the INVITE at 0.5, 1, 2, 4, 8, 16 s; Timer B at 32 s informs the TU with 408', () => {
    const { clock, transport, errors, tx } = setup(false);
    assert.deepEqual(transport.lines, ['INVITE']);
    clock.tick(40_000);
    assert.deepEqual(transport.times, [0, 500, 1500, 3500, 7500, 15_500, 31_500]);
    assert.ok(transport.lines.every((l) => l === 'INVITE'));
    assert.equal(tx.state, 'Terminated');
    assert.equal(errors.length, 1);
    assert.equal(errors[0]?.code, 'SIP_TIMEOUT');
    assert.equal(errors[0]?.status, 408);
    assert.equal(clock.pending, 0);
  });

  test('TCP: no retransmission, Timer B still fires', () => {
    const { clock, transport, errors, tx } = setup(true);
    clock.tick(31_999);
    assert.equal(tx.state, 'Calling');
    clock.tick(1);
    assert.deepEqual(transport.lines, ['INVITE']);
    assert.equal(errors[0]?.code, 'SIP_TIMEOUT');
  });

  test('1xx stops retransmissions and Timer B; goes to the TU', () => {
    const { clock, transport, responses, errors, request, tx } = setup(false);
    clock.tick(500);
    tx.receiveResponse(makeResponse(request, 180));
    assert.equal(tx.state, 'Proceeding');
    clock.tick(120_000);
    assert.deepEqual(transport.lines, ['INVITE', 'INVITE']);
    assert.deepEqual(
      responses.map((r) => r.status),
      [180],
    );
    assert.equal(errors.length, 0);
    assert.equal(tx.state, 'Proceeding');
  });

  test('non-2xx: the transaction sends the ACK itself (§17.1.1.3), re-sends it on retransmissions, Timer D ends it', () => {
    const { clock, transport, responses, request, tx } = setup(false);
    tx.receiveResponse(makeResponse(request, 180));
    const busy = makeResponse(request, 486, 'xyz');
    tx.receiveResponse(busy);
    assert.equal(tx.state, 'Completed');
    assert.deepEqual(transport.lines, ['INVITE', 'ACK']);
    const ack = transport.sent[1]?.message;
    assert.ok(ack?.kind === 'request');
    assert.equal(ack.uri, request.uri);
    assert.deepEqual(ack.headers.getAll('Via'), request.headers.getAll('Via'));
    assert.equal(ack.headers.get('To'), '<sip:bob@example.com>;tag=xyz');
    assert.equal(ack.headers.get('From'), request.headers.get('From'));
    assert.equal(ack.headers.get('Call-ID'), request.headers.get('Call-ID'));
    assert.equal(ack.headers.get('CSeq'), '1 ACK');
    assert.deepEqual(ack.headers.getAll('Route'), ['<sip:proxy.example.com;lr>']);
    assert.equal(ack.body.length, 0);
    tx.receiveResponse(busy);
    assert.deepEqual(transport.lines, ['INVITE', 'ACK', 'ACK']);
    assert.deepEqual(
      responses.map((r) => r.status),
      [180, 486],
      'the retransmitted 486 is not passed up',
    );
    clock.tick(DEFAULT_TIMERS.D - 1);
    assert.equal(tx.state, 'Completed');
    clock.tick(1);
    assert.equal(tx.state, 'Terminated');
  });

  test('non-2xx on TCP: Timer D is zero', () => {
    const { clock, request, tx } = setup(true);
    tx.receiveResponse(makeResponse(request, 503));
    assert.equal(tx.state, 'Completed');
    clock.tick(0);
    assert.equal(tx.state, 'Terminated');
  });

  test('2xx: Accepted (RFC 6026), 2xx retransmissions go to the TU, no ACK from the transaction, Timer M ends it', () => {
    const { clock, transport, responses, request, tx } = setup(false);
    const ok = makeResponse(request, 200);
    tx.receiveResponse(ok);
    assert.equal(tx.state, 'Accepted');
    tx.receiveResponse(ok);
    tx.receiveResponse(makeResponse(request, 200, 'fork2'));
    tx.receiveResponse(makeResponse(request, 180));
    assert.deepEqual(
      responses.map((r) => r.status),
      [200, 200, 200],
    );
    assert.deepEqual(transport.lines, ['INVITE'], 'the ACK for a 2xx is the TU`s job (§13.2.2.4)');
    clock.tick(DEFAULT_TIMERS.M);
    assert.equal(tx.state, 'Terminated');
    tx.receiveResponse(ok);
    assert.equal(responses.length, 3);
  });

  test('a transport error informs the TU with a 503-like error and terminates', async () => {
    const clock = new FakeClock();
    const transport = new RecordingTransport(false, clock);
    transport.failWith = new Error('ECONNREFUSED');
    const errors: SipError[] = [];
    const tx = new InviteClientTransaction({
      id: 'z9hG4bKx',
      request: makeRequest('INVITE'),
      transport,
      clock,
      timers: DEFAULT_TIMERS,
      user: { receiveResponse: () => assert.fail('no response expected'), onError: (e) => errors.push(e) },
    });
    await flushPromises();
    assert.equal(tx.state, 'Terminated');
    assert.equal(errors[0]?.code, 'SIP_TRANSPORT_ERROR');
    assert.equal(errors[0]?.status, 503);
    assert.match(errors[0]?.message ?? '', /ECONNREFUSED/);
    assert.equal(clock.pending, 0);
  });

  test('stateChanged reports every state in order; dispose is idempotent', () => {
    const { tx, request } = setup(false);
    const states: string[] = [];
    tx.on('stateChanged', (s) => states.push(s));
    tx.receiveResponse(makeResponse(request, 100));
    tx.receiveResponse(makeResponse(request, 404));
    tx.dispose();
    tx.dispose();
    assert.deepEqual(states, ['Proceeding', 'Completed', 'Terminated']);
  });
});
