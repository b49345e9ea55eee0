// The transaction layer on a real UDP transport, with the far end played by a raw socket: the messages
// asserted on are the bytes that crossed the loopback. Timers run on a FakeClock; sockets are waited on.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FakeClock } from '../clock.js';
import type { SipError } from '../errors.js';
import { createResponse } from '../message/builders.js';
import type { SipRequest, SipResponse } from '../message/message.js';
import { parseMessage } from '../message/parser.js';
import { serializeMessage } from '../message/serializer.js';
import { DEFAULT_TIMERS } from '../timers.js';
import { request, udpClient, udpSend, waitUntil } from '../transport/testing.js';
import { TransportLayer } from '../transport/transport-layer.js';
import { makeRequest } from './testing.js';
import { type ServerTransaction, TransactionLayer } from './transaction-layer.js';

function parsed(text: string): SipRequest | SipResponse {
  const r = parseMessage(Buffer.from(text));
  assert.ok(r.ok, text);
  return r.value;
}

describe('TransactionLayer over a real UDP TransportLayer', () => {
  const clock = new FakeClock();
  const transport = new TransportLayer({ listen: [{ transport: 'UDP', host: '127.0.0.1', port: 0 }] });
  const incoming: { request: SipRequest; tx: ServerTransaction }[] = [];
  const acks: SipRequest[] = [];
  const layer = new TransactionLayer({
    transport,
    clock,
    timers: DEFAULT_TIMERS,
    user: {
      receiveRequest: (request, tx) => incoming.push({ request, tx }),
      receiveAck: (ack) => acks.push(ack),
    },
  });
  transport.on('message', (m, s) => layer.receiveMessage(m, s));
  let peer: Awaited<ReturnType<typeof udpClient>>;
  let port = 0;

  before(async () => {
    await transport.listen();
    port = transport.addresses[0]?.port ?? 0;
    peer = await udpClient();
  });
  after(async () => {
    layer.close();
    peer.socket.close();
    await transport.close();
  });

  function bareInvite(): SipRequest {
    const r = makeRequest('INVITE');
    r.headers.remove('Via');
    return r;
  }

  test('a lost INVITE is retransmitted after T1; the 486 is acknowledged on the wire, and again for its retransmission', async () => {
    peer.received.length = 0;
    const statuses: number[] = [];
    const tx = layer.sendRequest(
      bareInvite(),
      { transport: 'UDP', host: '127.0.0.1', port: peer.port },
      {
        receiveResponse: (r) => statuses.push(r.status),
        onError: (e) => assert.fail(e),
      },
    );
    await waitUntil(peer.socket, 'message', () => peer.received.length === 1);
    // The far end "loses" the first INVITE; Timer A brings the second one.
    clock.tick(DEFAULT_TIMERS.T1);
    await waitUntil(peer.socket, 'message', () => peer.received.length === 2);
    const invite = parsed(peer.received[1] ?? '');
    assert.ok(invite.kind === 'request' && invite.method === 'INVITE');
    assert.equal(peer.received[0], peer.received[1], 'the retransmission is byte for byte the same');
    const busy = serializeMessage(createResponse(invite, 486, 'Busy Here', { toTag: 'far' }));
    await udpSend(peer.socket, busy, port);
    await waitUntil(peer.socket, 'message', () => peer.received.length === 3);
    const ack = parsed(peer.received[2] ?? '');
    assert.ok(ack.kind === 'request' && ack.method === 'ACK');
    assert.equal(ack.headers.get('CSeq'), '1 ACK');
    assert.match(ack.headers.get('To') ?? '', /tag=far/);
    assert.equal(ack.headers.get('Via'), invite.headers.get('Via'));
    await udpSend(peer.socket, busy, port);
    await waitUntil(peer.socket, 'message', () => peer.received.length === 4);
    assert.equal(peer.received[3], peer.received[2]);
    assert.deepEqual(statuses, [486]);
    assert.equal(tx.state, 'Completed');
    clock.tick(DEFAULT_TIMERS.D);
    assert.equal(tx.state, 'Terminated');
  });

  test('a peer that never answers: 7 INVITEs on the wire, then Timer B reports 408', async () => {
    peer.received.length = 0;
    const errors: SipError[] = [];
    layer.sendRequest(
      bareInvite(),
      { transport: 'UDP', host: '127.0.0.1', port: peer.port },
      {
        receiveResponse: () => assert.fail('no response expected'),
        onError: (e) => errors.push(e),
      },
    );
    for (const wait of [0, 500, 1000, 2000, 4000, 8000, 16_000]) {
      const before = peer.received.length;
      clock.tick(wait);
      await waitUntil(peer.socket, 'message', () => peer.received.length === before + 1);
    }
    clock.tick(DEFAULT_TIMERS.B - 31_500);
    assert.equal(errors[0]?.code, 'SIP_TIMEOUT');
    assert.equal(errors[0]?.status, 408);
    assert.equal(peer.received.length, 7);
  });

  test('UAS: 100 Trying after 200 ms, the TU`s 200, the INVITE retransmission absorbed, the 2xx ACK to the TU', async () => {
    peer.received.length = 0;
    const via = `SIP/2.0/UDP 127.0.0.1:${peer.port};branch=z9hG4bKuas1;rport`;
    const invite = request('INVITE', { via });
    await udpSend(peer.socket, invite, port);
    await waitUntil(transport, 'message', () => incoming.length === 1);
    clock.tick(DEFAULT_TIMERS.trying);
    await waitUntil(peer.socket, 'message', () => peer.received.length === 1);
    assert.match(peer.received[0] ?? '', /^SIP\/2\.0 100 Trying\r\n/);
    const entry = incoming[0];
    assert.ok(entry);
    entry.tx.respond(createResponse(entry.request, 200, 'OK', { toTag: 'uas' }));
    await waitUntil(peer.socket, 'message', () => peer.received.length === 2);
    assert.match(peer.received[1] ?? '', /^SIP\/2\.0 200 OK\r\n/);
    await udpSend(peer.socket, invite, port);
    const ackText = request('ACK', { via: `SIP/2.0/UDP 127.0.0.1:${peer.port};branch=z9hG4bKack1`, cseq: '1 ACK' });
    await udpSend(peer.socket, ackText, port);
    await waitUntil(transport, 'message', () => acks.length === 1);
    assert.equal(incoming.length, 1, 'the retransmitted INVITE did not reach the TU');
    assert.equal(entry.tx.state, 'Accepted');
  });
});
