import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { createResponse } from '../message/builders.js';
import type { SipMessage, SipRequest } from '../message/message.js';
import { parseMessage } from '../message/parser.js';
import { parseVia } from '../message/via.js';
import { deadline, RecordingLogger, request, udpClient, udpSend, waitUntil } from './testing.js';
import type { MessageSource } from './transport.js';
import { TransportLayer } from './transport-layer.js';

type Received = { message: SipMessage; source: MessageSource };

describe('TransportLayer over UDP (RFC 3261 §18, RFC 3581)', () => {
  const logger = new RecordingLogger();
  const layer = new TransportLayer({
    listen: [{ transport: 'UDP', host: '127.0.0.1', port: 0 }],
    logger,
    limits: { maxMessageBytes: 4096, maxHeaderCount: 64, maxHeaderLineBytes: 1024 },
  });
  const received: Received[] = [];
  let port = 0;
  let client: Awaited<ReturnType<typeof udpClient>>;

  before(async () => {
    await layer.listen();
    port = layer.addresses[0]?.port ?? 0;
    layer.on('message', (message, source) => received.push({ message, source }));
    client = await udpClient();
  });
  after(async () => {
    client.socket.close();
    await layer.close();
    await layer.close();
  });

  async function nextMessage(): Promise<Received> {
    const [message, source] = (await once(layer, 'message', { signal: deadline() })) as [SipMessage, MessageSource];
    return { message, source };
  }

  test('binds a real port; sentBy is the bound address', () => {
    assert.ok(port > 0);
    assert.deepEqual(layer.sentBy('UDP'), { host: '127.0.0.1', port });
  });

  test('rport filled and received added (RFC 3581 §4); the response goes to received:rport, not sent-by', async () => {
    const got = nextMessage();
    await udpSend(
      client.socket,
      request('OPTIONS', { via: 'SIP/2.0/UDP 192.0.2.55:5099;branch=z9hG4bKa1;rport' }),
      port,
    );
    const { message, source } = await got;
    assert.equal(source.transport, 'UDP');
    assert.equal(source.port, client.port);
    const via = parseVia(message.headers.get('Via') ?? '');
    assert.ok(via.ok);
    assert.equal(via.value[0]?.params.get('received'), '127.0.0.1');
    assert.equal(via.value[0]?.params.get('rport'), String(client.port));
    assert.ok(message.kind === 'request');
    await layer.sendResponse(createResponse(message, 200, 'OK', { toTag: 't1' }), source);
    await waitUntil(client.socket, 'message', () => client.received.length === 1);
    const response = parseMessage(Buffer.from(client.received[0] ?? ''));
    assert.ok(response.ok && response.value.kind === 'response');
    assert.equal(response.value.status, 200);
    assert.match(
      response.value.headers.get('Via') ?? '',
      new RegExp(`received=127\\.0\\.0\\.1;rport=${client.port}|rport=${client.port};received=127\\.0\\.0\\.1`),
    );
    client.received.length = 0;
  });

  test('§18.2.1: no received when the sent-by is the source address; added for a host name', async () => {
    let got = nextMessage();
    await udpSend(
      client.socket,
      request('OPTIONS', { via: `SIP/2.0/UDP 127.0.0.1:${client.port};branch=z9hG4bKa2` }),
      port,
    );
    let via = parseVia((await got).message.headers.get('Via') ?? '');
    assert.ok(via.ok);
    assert.equal(via.value[0]?.params.has('received'), false);
    got = nextMessage();
    await udpSend(
      client.socket,
      request('OPTIONS', { via: `SIP/2.0/UDP client.invalid:${client.port};branch=z9hG4bKa3` }),
      port,
    );
    const { message, source } = await got;
    via = parseVia(message.headers.get('Via') ?? '');
    assert.ok(via.ok);
    assert.equal(via.value[0]?.params.get('received'), '127.0.0.1');
    // Without rport the response goes to received and the sent-by port (§18.2.2), which is the client here.
    assert.ok(message.kind === 'request');
    await layer.sendResponse(createResponse(message, 486, 'Busy Here', { toTag: 't2' }), source);
    await waitUntil(client.socket, 'message', () => client.received.length === 1);
    assert.match(client.received[0] ?? '', /^SIP\/2\.0 486 Busy Here\r\n/);
    client.received.length = 0;
  });

  test('send delivers a request to a destination', async () => {
    const got = nextMessage();
    await udpSend(
      client.socket,
      request('MESSAGE', { via: `SIP/2.0/UDP 127.0.0.1:${client.port};branch=z9hG4bKa4` }),
      port,
    );
    const { message } = await got;
    await layer.send(message, { transport: 'UDP', host: '127.0.0.1', port: client.port });
    await waitUntil(client.socket, 'message', () => client.received.length === 1);
    assert.match(client.received[0] ?? '', /^MESSAGE sip:bob@127\.0\.0\.1 SIP\/2\.0\r\n/);
    client.received.length = 0;
  });

  test('an oversize datagram is dropped and logged; the next message still gets through', async () => {
    const big = request('MESSAGE', {
      via: `SIP/2.0/UDP 127.0.0.1:${client.port};branch=z9hG4bKbig`,
      body: 'x'.repeat(5000),
    });
    const before = received.length;
    const got = nextMessage();
    await udpSend(client.socket, big, port);
    await udpSend(
      client.socket,
      request('OPTIONS', { via: `SIP/2.0/UDP 127.0.0.1:${client.port};branch=z9hG4bKafter` }),
      port,
    );
    const { message } = await got;
    assert.match(message.headers.get('Via') ?? '', /z9hG4bKafter/);
    assert.equal(received.length, before + 1);
    assert.ok(logger.has('warn', 'oversize datagram dropped'));
  });

  test('a malformed request with a readable Via, From, To, Call-ID and CSeq gets 400 with the reason', async () => {
    const bad = request('OPTIONS', {
      via: `SIP/2.0/UDP 127.0.0.1:${client.port};branch=z9hG4bKbad;rport`,
      extra: 'Max-Forwards: lots\r\n',
    });
    await udpSend(client.socket, bad, port);
    await waitUntil(client.socket, 'message', () => client.received.length === 1);
    const r = parseMessage(Buffer.from(client.received[0] ?? ''));
    assert.ok(r.ok && r.value.kind === 'response', client.received[0]);
    assert.equal(r.value.status, 400);
    assert.match(r.value.reason, /Max-Forwards/);
    assert.equal(r.value.headers.get('Call-ID'), 'c1@example.com');
    assert.match(r.value.headers.get('To') ?? '', /;tag=/);
    client.received.length = 0;
  });

  test('an unreadable request is dropped and logged, never answered; a malformed response is never answered', async () => {
    const noVia = 'OPTIONS sip:bob@127.0.0.1 SIP/2.0\r\nCSeq: x\r\n\r\n';
    await udpSend(client.socket, noVia, port);
    const badCSeq = request('OPTIONS', {
      via: `SIP/2.0/UDP 127.0.0.1:${client.port};branch=z9hG4bKc`,
      cseq: 'abc OPTIONS',
    });
    await udpSend(client.socket, badCSeq, port);
    await udpSend(client.socket, 'SIP/2.0 200 OK\r\nVia: nonsense\r\n\r\n', port);
    const got = nextMessage();
    await udpSend(
      client.socket,
      request('OPTIONS', { via: `SIP/2.0/UDP 127.0.0.1:${client.port};branch=z9hG4bKok` }),
      port,
    );
    await got;
    assert.equal(client.received.length, 0);
    assert.ok(logger.has('warn', 'malformed message'));
  });

  test('random datagrams never crash the layer (fast-check)', async () => {
    const samples = fc.sample(fc.uint8Array({ minLength: 0, maxLength: 600 }), 200);
    const prefixed = fc
      .sample(fc.string({ maxLength: 300 }), 100)
      .map((s) => `INVITE sip:a@b SIP/2.0\r\nVia: ${s}\r\n\r\n`);
    const all = [...samples.map((s) => Buffer.from(s)), ...prefixed.map((s) => Buffer.from(s))];
    // In batches, each followed by a probe that must come through: the layer is alive all along (and the
    // loopback socket buffer never overflows, which would lose the probe).
    for (let i = 0; i < all.length; i += 25) {
      for (const d of all.slice(i, i + 25)) await udpSend(client.socket, d, port);
      const got = nextMessage();
      await udpSend(
        client.socket,
        request('OPTIONS', { via: `SIP/2.0/UDP 127.0.0.1:${client.port};branch=z9hG4bKp${i}` }),
        port,
      );
      const { message } = await got;
      assert.match(message.headers.get('Via') ?? '', new RegExp(`z9hG4bKp${i}$`));
    }
    const got = nextMessage();
    await udpSend(
      client.socket,
      request('OPTIONS', { via: `SIP/2.0/UDP 127.0.0.1:${client.port};branch=z9hG4bKalive` }),
      port,
    );
    const { message } = await got;
    assert.equal((message as SipRequest).method, 'OPTIONS');
  });
});
