import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { FakeClock } from '../clock.js';
import { createResponse } from '../message/builders.js';
import type { SipMessage, SipRequest } from '../message/message.js';
import { parseMessage } from '../message/parser.js';
import { deadline, RecordingLogger, request, tcpClient, waitUntil } from './testing.js';
import type { MessageSource } from './transport.js';
import { TransportLayer } from './transport-layer.js';

type Received = { message: SipMessage; source: MessageSource };

function collect(layer: TransportLayer): Received[] {
  const out: Received[] = [];
  layer.on('message', (message, source) => out.push({ message, source }));
  return out;
}

describe('TransportLayer over TCP (RFC 3261 §18.3, RFC 5626 §3.5.1)', () => {
  const logger = new RecordingLogger();
  const clock = new FakeClock();
  const server = new TransportLayer({
    listen: [{ transport: 'TCP', host: '127.0.0.1', port: 0 }],
    logger,
    clock,
    idleTimeout: 60_000,
    maxConnections: 8,
    limits: { maxMessageBytes: 4096, maxHeaderCount: 64, maxHeaderLineBytes: 1024 },
  });
  /** A second stack playing the far end, with its own TCP listener. */
  const peer = new TransportLayer({ listen: [{ transport: 'TCP', host: '127.0.0.1', port: 0 }], logger });
  const received = collect(server);
  const peerReceived = collect(peer);
  let port = 0;
  const raw: Awaited<ReturnType<typeof tcpClient>>[] = [];

  async function client() {
    const c = await tcpClient(port);
    raw.push(c);
    return c;
  }

  before(async () => {
    await server.listen();
    await peer.listen();
    port = server.addresses[0]?.port ?? 0;
  });
  after(async () => {
    for (const c of raw) c.socket.destroy();
    await server.close();
    await peer.close();
    await server.close();
  });

  test('frames messages split over many chunks and merged in one chunk, bodies intact', async () => {
    const c = await client();
    const a = request('MESSAGE', { via: 'SIP/2.0/TCP 127.0.0.1:1;branch=z9hG4bKt1', body: 'hello\r\n\r\nworld' });
    const b = request('MESSAGE', { via: 'SIP/2.0/TCP 127.0.0.1:1;branch=z9hG4bKt2', body: 'second' });
    const d = request('OPTIONS', { via: 'SIP/2.0/TCP 127.0.0.1:1;branch=z9hG4bKt3' });
    const start = received.length;
    // a, split in 7-byte chunks written one after the other; then b and d in a single write.
    for (let i = 0; i < a.length; i += 7) c.socket.write(a.slice(i, i + 7));
    c.socket.write(b + d);
    await waitUntil(server, 'message', () => received.length === start + 3);
    const got = received.slice(start).map((r) => r.message as SipRequest);
    assert.deepEqual(
      got.map((m) => m.method),
      ['MESSAGE', 'MESSAGE', 'OPTIONS'],
    );
    assert.equal(got[0]?.body.toString(), 'hello\r\n\r\nworld');
    assert.equal(got[1]?.body.toString(), 'second');
    const src = received[start]?.source;
    assert.equal(src?.transport, 'TCP');
    assert.ok(src?.connectionId);
    assert.equal(received[start + 2]?.source.connectionId, src?.connectionId);
  });

  test('answers a CRLF CRLF ping with a CRLF pong; ping() gets a pong event', async () => {
    const c = await client();
    c.socket.write('\r\n\r\n');
    await waitUntil(c.socket, 'data', () => c.text() === '\r\n');
    // Make the server know the connection id: send a request on it.
    const start = received.length;
    c.socket.write(request('OPTIONS', { via: 'SIP/2.0/TCP 127.0.0.1:1;branch=z9hG4bKping' }));
    await waitUntil(server, 'message', () => received.length === start + 1);
    const id = received[start]?.source.connectionId ?? '';
    const pong = once(server, 'pong', { signal: deadline() });
    assert.equal(server.ping(id), true);
    await waitUntil(c.socket, 'data', () => c.text() === '\r\n\r\n\r\n');
    c.socket.write('\r\n');
    const [pongId] = await pong;
    assert.equal(pongId, id);
    assert.equal(server.ping('tcp-unknown'), false);
  });

  test('§18.2.2: the response goes back on the connection the request came on, with received/rport filled', async () => {
    const c = await client();
    const start = received.length;
    // The sent-by points nowhere useful: only the connection can carry the response.
    c.socket.write(request('OPTIONS', { via: 'SIP/2.0/TCP client.invalid:9;branch=z9hG4bKr1;rport' }));
    await waitUntil(server, 'message', () => received.length === start + 1);
    const { message, source } = received[start] as Received;
    assert.match(message.headers.get('Via') ?? '', new RegExp(`rport=${c.socket.localPort}`));
    assert.match(message.headers.get('Via') ?? '', /received=127\.0\.0\.1/);
    await server.sendResponse(createResponse(message as SipRequest, 200, 'OK', { toTag: 'x' }), source);
    await waitUntil(c.socket, 'data', () => c.text().includes('\r\n\r\n'));
    const r = parseMessage(Buffer.from(c.text()));
    assert.ok(r.ok && r.value.kind === 'response');
    assert.equal(r.value.status, 200);
  });

  test('§18.2.2: when that connection is gone, a new one is opened to received and the sent-by port', async () => {
    const c = await client();
    const peerPort = peer.addresses[0]?.port ?? 0;
    const start = received.length;
    c.socket.write(request('OPTIONS', { via: `SIP/2.0/TCP 127.0.0.1:${peerPort};branch=z9hG4bKr2;rport` }));
    await waitUntil(server, 'message', () => received.length === start + 1);
    const { message, source } = received[start] as Received;
    const closed = once(server, 'connectionClosed', { signal: deadline() });
    c.socket.destroy();
    await closed;
    const peerStart = peerReceived.length;
    await server.sendResponse(createResponse(message as SipRequest, 202, 'Accepted', { toTag: 'y' }), source);
    await waitUntil(peer, 'message', () => peerReceived.length === peerStart + 1);
    const got = peerReceived[peerStart]?.message;
    assert.equal(got?.kind === 'response' ? got.status : 0, 202);
  });

  test('connection reuse: requests to the same address share one connection, both ways', async () => {
    const peerPort = peer.addresses[0]?.port ?? 0;
    const opened: string[] = [];
    const onOpen = (id: string) => opened.push(id);
    peer.on('connectionOpened', onOpen);
    const start = peerReceived.length;
    const dest = { transport: 'TCP' as const, host: '127.0.0.1', port: peerPort };
    const first = parseMessage(Buffer.from(request('OPTIONS', { via: 'SIP/2.0/TCP 127.0.0.1:1;branch=z9hG4bKu1' })));
    const second = parseMessage(Buffer.from(request('OPTIONS', { via: 'SIP/2.0/TCP 127.0.0.1:1;branch=z9hG4bKu2' })));
    assert.ok(first.ok && second.ok);
    await Promise.all([server.send(first.value, dest), server.send(second.value, dest)]);
    await waitUntil(peer, 'message', () => peerReceived.length === start + 2);
    peer.off('connectionOpened', onOpen);
    // The previous test's response may already have opened the connection to the peer: then none is opened.
    assert.ok(opened.length <= 1, 'at most one connection for both requests');
    assert.equal(peerReceived[start]?.source.connectionId, peerReceived[start + 1]?.source.connectionId);
  });

  test('a framing error (oversize message) closes that connection only, logged; another connection is untouched', async () => {
    const good = await client();
    const bad = await client();
    bad.socket.write(request('MESSAGE', { via: 'SIP/2.0/TCP 127.0.0.1:1;branch=z9hG4bKbig', body: 'x'.repeat(5000) }));
    await waitUntil(bad.socket, 'close', () => bad.closed());
    assert.ok(logger.has('warn', 'framing error, connection closed'));
    const start = received.length;
    good.socket.write(request('OPTIONS', { via: 'SIP/2.0/TCP 127.0.0.1:1;branch=z9hG4bKgood' }));
    await waitUntil(server, 'message', () => received.length === start + 1);
    assert.equal(good.closed(), false);
  });

  test('garbage on connections never crashes the layer nor disturbs another connection (fast-check)', async () => {
    const good = await client();
    const bad = await client();
    bad.socket.write(Buffer.from([0, 1, 2, 255, 254, 13, 10, 13, 10]));
    bad.socket.write('NOT SIP AT ALL\r\nfoo\r\n\r\n');
    await waitUntil(bad.socket, 'close', () => bad.closed());
    for (const sample of fc.sample(fc.uint8Array({ minLength: 1, maxLength: 2000 }), 30)) {
      const c = await client();
      c.socket.end(Buffer.from(sample));
    }
    const start = received.length;
    good.socket.write(request('OPTIONS', { via: 'SIP/2.0/TCP 127.0.0.1:1;branch=z9hG4bKgood2' }));
    await waitUntil(server, 'message', () => received.length === start + 1);
    assert.equal(good.closed(), false);
  });

  test('a malformed request on a healthy stream gets 400 with the reason, and the stream goes on', async () => {
    const c = await client();
    const start = received.length;
    c.socket.write(
      request('OPTIONS', { via: 'SIP/2.0/TCP 127.0.0.1:1;branch=z9hG4bKmf2', extra: 'Max-Forwards: lots\r\n' }) +
        request('OPTIONS', { via: 'SIP/2.0/TCP 127.0.0.1:1;branch=z9hG4bKafter' }),
    );
    await waitUntil(c.socket, 'data', () => c.text().includes('\r\n\r\n'));
    assert.match(c.text(), /^SIP\/2\.0 400 .*Max-Forwards/);
    await waitUntil(server, 'message', () => received.length === start + 1);
    assert.match(received[start]?.message.headers.get('Via') ?? '', /z9hG4bKafter/);
  });

  test('idle connections close after idleTimeout on the injected clock', async () => {
    const c = await client();
    const start = received.length;
    c.socket.write(request('OPTIONS', { via: 'SIP/2.0/TCP 127.0.0.1:1;branch=z9hG4bKidle' }));
    await waitUntil(server, 'message', () => received.length === start + 1);
    clock.tick(60_000);
    await waitUntil(c.socket, 'close', () => c.closed());
  });

  test('connections over maxConnections are refused and logged', async () => {
    // Idle ones were closed by the previous test; open up to the limit of 8.
    clock.tick(60_000);
    const extra: Awaited<ReturnType<typeof client>>[] = [];
    while (server.connectionCount < 8) {
      const c = await client();
      extra.push(c);
      await waitUntil(
        server,
        'connectionOpened',
        () => server.connectionCount >= extra.length || server.connectionCount >= 8,
      );
    }
    const refused = await client();
    await waitUntil(refused.socket, 'close', () => refused.closed());
    assert.ok(logger.has('warn', 'connection refused: limit of 8 connections reached'));
  });
});
