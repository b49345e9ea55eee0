import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FakeClock } from '../clock.js';
import type { SipError } from '../errors.js';
import type { SipResponse } from '../message/message.js';
import { DEFAULT_TIMERS } from '../timers.js';
import { NonInviteClientTransaction } from './non-invite-client-transaction.js';
import { flushPromises, makeRequest, makeResponse, RecordingTransport } from './testing.js';

function setup(reliable: boolean, method = 'REGISTER') {
  const clock = new FakeClock();
  const transport = new RecordingTransport(reliable, clock);
  const responses: SipResponse[] = [];
  const errors: SipError[] = [];
  const request = makeRequest(method);
  const tx = new NonInviteClientTransaction({
    id: 'z9hG4bKtest1',
    request,
    transport,
    clock,
    timers: DEFAULT_TIMERS,
    user: { receiveResponse: (r) => responses.push(r), onError: (e) => errors.push(e) },
  });
  return { clock, transport, responses, errors, request, tx };
}

describe('NonInviteClientTransaction (RFC 3261 §17.1.2)', () => {
  test('UDP: Timer E doubles up to T2 (0.5, 1, 2, 4, 4...); Timer F at 32 s informs the TU with 408', () => {
    const { clock, transport, errors, tx } = setup(false);
    clock.tick(32_000);
    const gaps = transport.times.slice(1).map((t, i) => t - (transport.times[i] ?? 0));
    assert.deepEqual(gaps, [500, 1000, 2000, 4000, 4000, 4000, 4000, 4000, 4000, 4000]);
    assert.ok(transport.lines.every((l) => l === 'REGISTER'));
    assert.equal(tx.state, 'Terminated');
    assert.equal(errors.length, 1);
    assert.equal(errors[0]?.code, 'SIP_TIMEOUT');
    assert.equal(errors[0]?.status, 408);
    assert.equal(clock.pending, 0);
  });

  test('UDP: in Proceeding, Timer E retransmits every T2', () => {
    const { clock, transport, request, tx } = setup(false);
    clock.tick(600);
    tx.receiveResponse(makeResponse(request, 100));
    assert.equal(tx.state, 'Proceeding');
    clock.tick(10_000 - 600);
    // Sent at 0, 500; the pending E (1 s, armed at 500) fires at 1500, then every T2.
    assert.deepEqual(transport.times, [0, 500, 1500, 5500, 9500]);
  });

  test('TCP: no retransmission; Timer F still applies', () => {
    const { clock, transport, errors } = setup(true);
    clock.tick(32_000);
    assert.deepEqual(transport.lines, ['REGISTER']);
    assert.equal(errors[0]?.code, 'SIP_TIMEOUT');
  });

  test('final response: to the TU once, retransmissions absorbed in Completed, Timer K (T4 on UDP) ends it', () => {
    const { clock, transport, responses, request, tx } = setup(false);
    const ok = makeResponse(request, 200);
    tx.receiveResponse(makeResponse(request, 100));
    tx.receiveResponse(ok);
    tx.receiveResponse(ok);
    assert.deepEqual(
      responses.map((r) => r.status),
      [100, 200],
    );
    assert.equal(tx.state, 'Completed');
    clock.tick(DEFAULT_TIMERS.T4 - 1);
    assert.equal(tx.state, 'Completed');
    clock.tick(1);
    assert.equal(tx.state, 'Terminated');
    assert.deepEqual(transport.lines, ['REGISTER']);
  });

  test('TCP: Timer K is zero', () => {
    const { clock, request, tx } = setup(true);
    tx.receiveResponse(makeResponse(request, 401));
    clock.tick(0);
    assert.equal(tx.state, 'Terminated');
  });

  test('transport error: TU informed (503), terminated', async () => {
    const clock = new FakeClock();
    const transport = new RecordingTransport(true, clock);
    transport.failWith = new Error('EPIPE');
    const errors: SipError[] = [];
    const tx = new NonInviteClientTransaction({
      id: 'z9hG4bKx',
      request: makeRequest('OPTIONS'),
      transport,
      clock,
      timers: DEFAULT_TIMERS,
      user: { receiveResponse: () => assert.fail('no response expected'), onError: (e) => errors.push(e) },
    });
    await flushPromises();
    assert.equal(tx.state, 'Terminated');
    assert.equal(errors[0]?.status, 503);
  });
});
