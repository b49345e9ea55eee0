import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FakeClock } from '../clock.js';
import type { SipError } from '../errors.js';
import type { SipRequest } from '../message/message.js';
import { DEFAULT_TIMERS } from '../timers.js';
import { InviteServerTransaction } from './invite-server-transaction.js';
import { flushPromises, makeRequest, makeResponse, RecordingTransport } from './testing.js';

function setup(reliable: boolean) {
  const clock = new FakeClock();
  const transport = new RecordingTransport(reliable, clock);
  const errors: SipError[] = [];
  const acks: SipRequest[] = [];
  const request = makeRequest('INVITE');
  const tx = new InviteServerTransaction({
    id: 'z9hG4bKtest1',
    request,
    transport,
    clock,
    timers: DEFAULT_TIMERS,
    user: { onError: (e) => errors.push(e), receiveAck: (a) => acks.push(a) },
  });
  return { clock, transport, errors, acks, request, tx };
}

describe('InviteServerTransaction (RFC 3261 §17.2.1, RFC 6026)', () => {
  test('sends 100 Trying after 200 ms when the TU has not answered, copying Via/From/To/Call-ID/CSeq', () => {
    const { clock, transport, request, tx } = setup(false);
    clock.tick(199);
    assert.deepEqual(transport.lines, []);
    clock.tick(1);
    assert.deepEqual(transport.lines, ['100']);
    const trying = transport.sent[0]?.message;
    assert.ok(trying?.kind === 'response');
    assert.equal(trying.reason, 'Trying');
    for (const name of ['Via', 'From', 'To', 'Call-ID', 'CSeq']) {
      assert.equal(trying.headers.get(name), request.headers.get(name), name);
    }
    // A retransmitted INVITE is answered with the most recent provisional response.
    tx.receiveRequest(request);
    assert.deepEqual(transport.lines, ['100', '100']);
  });

  test('no 100 Trying when the TU answers within 200 ms', () => {
    const { clock, transport, request, tx } = setup(false);
    clock.tick(50);
    tx.respond(makeResponse(request, 180));
    clock.tick(1000);
    assert.deepEqual(transport.lines, ['180']);
    tx.receiveRequest(request);
    assert.deepEqual(transport.lines, ['180', '180']);
  });

  test('UDP non-2xx: Timer G retransmits at T1 doubling to T2 until Timer H, which informs the TU with 408', () => {
    const { clock, transport, errors, request, tx } = setup(false);
    tx.respond(makeResponse(request, 486));
    assert.equal(tx.state, 'Completed');
    clock.tick(40_000);
    const gaps = transport.times.slice(1).map((t, i) => t - (transport.times[i] ?? 0));
    assert.deepEqual(gaps.slice(0, 5), [500, 1000, 2000, 4000, 4000]);
    assert.ok(gaps.every((g) => g <= DEFAULT_TIMERS.T2));
    assert.ok((transport.times.at(-1) ?? 0) < DEFAULT_TIMERS.H);
    assert.ok(transport.lines.every((l) => l === '486'));
    assert.equal(tx.state, 'Terminated');
    assert.equal(errors[0]?.code, 'SIP_TIMEOUT');
    assert.equal(errors[0]?.status, 408);
    assert.equal(clock.pending, 0);
  });

  test('ACK in Completed: Confirmed, retransmissions stop, further ACKs absorbed, Timer I (T4) ends it', () => {
    const { clock, transport, errors, acks, request, tx } = setup(false);
    tx.respond(makeResponse(request, 404));
    clock.tick(500);
    const ack = makeRequest('ACK');
    tx.receiveRequest(ack);
    assert.equal(tx.state, 'Confirmed');
    tx.receiveRequest(ack);
    tx.receiveRequest(request);
    clock.tick(DEFAULT_TIMERS.T4 - 1);
    assert.equal(tx.state, 'Confirmed');
    clock.tick(1);
    assert.equal(tx.state, 'Terminated');
    assert.deepEqual(transport.lines, ['404', '404']);
    assert.equal(acks.length, 0, 'the ACK for a non-2xx is absorbed');
    assert.equal(errors.length, 0);
  });

  test('a retransmitted INVITE in Completed re-sends the final response', () => {
    const { transport, request, tx } = setup(false);
    tx.respond(makeResponse(request, 603));
    tx.receiveRequest(request);
    assert.deepEqual(transport.lines, ['603', '603']);
  });

  test('TCP: no Timer G; Timer I is zero', () => {
    const { clock, transport, request, tx } = setup(true);
    tx.respond(makeResponse(request, 480));
    clock.tick(10_000);
    assert.deepEqual(transport.lines, ['480']);
    tx.receiveRequest(makeRequest('ACK'));
    clock.tick(0);
    assert.equal(tx.state, 'Terminated');
  });

  test('TCP: Timer H still fires without an ACK', () => {
    const { clock, errors, request, tx } = setup(true);
    tx.respond(makeResponse(request, 480));
    clock.tick(DEFAULT_TIMERS.H);
    assert.equal(tx.state, 'Terminated');
    assert.equal(errors[0]?.code, 'SIP_TIMEOUT');
  });

  test('2xx: Accepted; INVITE retransmissions absorbed; TU 2xx retransmissions sent; ACK to TU; Timer L ends it', () => {
    const { clock, transport, acks, request, tx } = setup(false);
    tx.respond(makeResponse(request, 180));
    const ok = makeResponse(request, 200);
    tx.respond(ok);
    assert.equal(tx.state, 'Accepted');
    tx.receiveRequest(request);
    assert.deepEqual(transport.lines, ['180', '200']);
    clock.tick(500);
    assert.deepEqual(transport.lines, ['180', '200'], 'the transaction does not retransmit a 2xx');
    tx.respond(ok);
    assert.deepEqual(transport.lines, ['180', '200', '200']);
    tx.receiveRequest(makeRequest('ACK'));
    assert.equal(acks.length, 1);
    clock.tick(DEFAULT_TIMERS.L);
    assert.equal(tx.state, 'Terminated');
  });

  test('transport error in Proceeding: TU informed, terminated', async () => {
    const { transport, errors, request, tx } = setup(true);
    transport.failWith = new Error('ECONNRESET');
    tx.respond(makeResponse(request, 180));
    await flushPromises();
    assert.equal(tx.state, 'Terminated');
    assert.equal(errors[0]?.code, 'SIP_TRANSPORT_ERROR');
  });
});
