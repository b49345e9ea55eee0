// Two stacks (TransportLayer + TransactionLayer) talking over real TCP on loopback, timers on a FakeClock:
// no retransmission on a reliable transport, the response and the ACK ride the connection the INVITE opened.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FakeClock } from '../clock.js';
import { createResponse } from '../message/builders.js';
import type { SipMessage, SipRequest } from '../message/message.js';
import { DEFAULT_TIMERS } from '../timers.js';
import { waitUntil } from '../transport/testing.js';
import type { MessageSource } from '../transport/transport.js';
import { TransportLayer } from '../transport/transport-layer.js';
import { makeRequest } from './testing.js';
import { type ServerTransaction, TransactionLayer } from './transaction-layer.js';

function stack(clock: FakeClock, onRequest: (r: SipRequest, tx: ServerTransaction) => void) {
  const transport = new TransportLayer({ listen: [{ transport: 'TCP', host: '127.0.0.1', port: 0 }], clock });
  const wire: { message: SipMessage; source: MessageSource }[] = [];
  const layer = new TransactionLayer({
    transport,
    clock,
    timers: DEFAULT_TIMERS,
    user: { receiveRequest: onRequest, receiveAck: () => assert.fail('no 2xx ACK expected') },
  });
  transport.on('message', (message, source) => {
    wire.push({ message, source });
    layer.receiveMessage(message, source);
  });
  return { transport, layer, wire };
}

describe('TransactionLayer over real TCP', () => {
  const clock = new FakeClock();
  const bobTxs: ServerTransaction[] = [];
  const alice = stack(clock, () => assert.fail('alice receives no request'));
  const bob = stack(clock, (request, tx) => {
    bobTxs.push(tx);
    tx.respond(createResponse(request, 180, 'Ringing', { toTag: 'bob' }));
    tx.respond(createResponse(request, 603, 'Decline', { toTag: 'bob' }));
  });

  before(async () => {
    await alice.transport.listen();
    await bob.transport.listen();
  });
  after(async () => {
    alice.layer.close();
    bob.layer.close();
    await alice.transport.close();
    await bob.transport.close();
  });

  test('INVITE, 180, 603, ACK on one connection; nothing retransmitted; timers D and I are zero', async () => {
    const invite = makeRequest('INVITE');
    invite.headers.remove('Via');
    const statuses: number[] = [];
    const port = bob.transport.addresses[0]?.port ?? 0;
    const tx = alice.layer.sendRequest(
      invite,
      { transport: 'TCP', host: '127.0.0.1', port },
      {
        receiveResponse: (r) => statuses.push(r.status),
        onError: (e) => assert.fail(e),
      },
    );
    assert.match(invite.headers.get('Via') ?? '', /^SIP\/2\.0\/TCP 127\.0\.0\.1:\d+;branch=z9hG4bK/);
    await waitUntil(bob.transport, 'message', () =>
      bob.wire.some((w) => w.message.kind === 'request' && w.message.method === 'ACK'),
    );
    assert.deepEqual(statuses, [180, 603]);
    const bobTx = bobTxs[0];
    assert.equal(bobTx?.state, 'Confirmed');
    clock.tick(0);
    assert.equal(bobTx?.state, 'Terminated', 'Timer I is zero on TCP');
    assert.equal(tx.state, 'Terminated', 'Timer D is zero on TCP');
    clock.tick(DEFAULT_TIMERS.B);
    const ids = new Set(bob.wire.map((w) => w.source.connectionId));
    assert.equal(ids.size, 1, 'INVITE and ACK came on one connection');
    assert.deepEqual(
      bob.wire.map((w) => (w.message.kind === 'request' ? w.message.method : w.message.status)),
      ['INVITE', 'ACK'],
    );
    assert.deepEqual(
      alice.wire.map((w) => (w.message.kind === 'response' ? w.message.status : w.message.method)),
      [180, 603],
    );
    assert.equal(alice.transport.connectionCount, 1);
  });
});
