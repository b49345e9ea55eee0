import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FakeClock } from '../clock.js';
import type { SipError } from '../errors.js';
import { DEFAULT_TIMERS } from '../timers.js';
import { NonInviteServerTransaction } from './non-invite-server-transaction.js';
import { flushPromises, makeRequest, makeResponse, RecordingTransport } from './testing.js';

function setup(reliable: boolean) {
  const clock = new FakeClock();
  const transport = new RecordingTransport(reliable, clock);
  const errors: SipError[] = [];
  const request = makeRequest('BYE');
  const tx = new NonInviteServerTransaction({
    id: 'z9hG4bKtest1',
    request,
    transport,
    clock,
    timers: DEFAULT_TIMERS,
    user: { onError: (e) => errors.push(e) },
  });
  return { clock, transport, errors, request, tx };
}

describe('NonInviteServerTransaction (RFC 3261 §17.2.2)', () => {
  test('Trying: retransmissions discarded, no 100 sent by the transaction', () => {
    const { clock, transport, request, tx } = setup(false);
    tx.receiveRequest(request);
    clock.tick(5000);
    assert.deepEqual(transport.lines, []);
    assert.equal(tx.state, 'Trying');
  });

  test('a TU that never answers: the transaction ends after 64*T1 (when the client has given up) with SIP_TIMEOUT', () => {
    const { clock, transport, errors, tx } = setup(false);
    clock.tick(DEFAULT_TIMERS.F - 1);
    assert.equal(tx.state, 'Trying');
    clock.tick(1);
    assert.equal(tx.state, 'Terminated');
    assert.equal(errors[0]?.code, 'SIP_TIMEOUT');
    assert.deepEqual(transport.lines, []);
    assert.equal(clock.pending, 0);
  });

  test('Proceeding re-sends the last provisional; Completed re-sends the final; Timer J (64*T1 on UDP) ends it', () => {
    const { clock, transport, request, tx } = setup(false);
    tx.respond(makeResponse(request, 183));
    assert.equal(tx.state, 'Proceeding');
    tx.receiveRequest(request);
    tx.respond(makeResponse(request, 200));
    assert.equal(tx.state, 'Completed');
    tx.receiveRequest(request);
    tx.respond(makeResponse(request, 500));
    assert.deepEqual(transport.lines, ['183', '183', '200', '200']);
    clock.tick(DEFAULT_TIMERS.J - 1);
    assert.equal(tx.state, 'Completed');
    clock.tick(1);
    assert.equal(tx.state, 'Terminated');
    tx.receiveRequest(request);
    assert.equal(transport.sent.length, 4);
  });

  test('no retransmission of the response by timer (the client retransmits)', () => {
    const { clock, transport, request, tx } = setup(false);
    tx.respond(makeResponse(request, 200));
    clock.tick(60_000);
    assert.deepEqual(transport.lines, ['200']);
  });

  test('TCP: Timer J is zero', () => {
    const { clock, request, tx } = setup(true);
    tx.respond(makeResponse(request, 200));
    clock.tick(0);
    assert.equal(tx.state, 'Terminated');
  });

  test('transport error: TU informed, terminated', async () => {
    const { transport, errors, request, tx } = setup(true);
    transport.failWith = new Error('EPIPE');
    tx.respond(makeResponse(request, 200));
    await flushPromises();
    assert.equal(tx.state, 'Terminated');
    assert.equal(errors[0]?.status, 503);
  });
});
