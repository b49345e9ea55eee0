import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { connect } from 'node:tls';
import { createResponse } from '../message/builders.js';
import type { SipMessage, SipRequest } from '../message/message.js';
import { parseMessage } from '../message/parser.js';
import { deadline, RecordingLogger, request, selfSignedCert, waitUntil } from './testing.js';
import type { MessageSource } from './transport.js';
import { TransportLayer } from './transport-layer.js';

type Received = { message: SipMessage; source: MessageSource };

const tls = selfSignedCert();

describe('TransportLayer over TLS (node:tls, certificate from config)', {
  skip: tls === undefined && 'openssl not installed',
}, () => {
  const { cert, key } = tls ?? { cert: '', key: '' };
  const logger = new RecordingLogger();
  const server = new TransportLayer({
    listen: [{ transport: 'TLS', host: '127.0.0.1', port: 0, tls: { cert, key } }],
    logger,
  });
  const client = new TransportLayer({
    listen: [{ transport: 'TLS', host: '127.0.0.1', port: 0, tls: { cert, key, ca: cert } }],
    logger,
  });
  const serverGot: Received[] = [];
  const clientGot: Received[] = [];

  before(async () => {
    await server.listen();
    await client.listen();
    server.on('message', (message, source) => serverGot.push({ message, source }));
    client.on('message', (message, source) => clientGot.push({ message, source }));
  });
  after(async () => {
    await client.close();
    await server.close();
  });

  test('a request over TLS arrives framed; the response returns on the same connection', async () => {
    const port = server.addresses[0]?.port ?? 0;
    const sentBy = client.sentBy('TLS');
    const req = parseMessage(
      Buffer.from(request('OPTIONS', { via: `SIP/2.0/TLS ${sentBy.host}:${sentBy.port};branch=z9hG4bKtls1;rport` })),
    );
    assert.ok(req.ok);
    await client.send(req.value, { transport: 'TLS', host: '127.0.0.1', port });
    await waitUntil(server, 'message', () => serverGot.length === 1);
    const { message, source } = serverGot[0] as Received;
    assert.equal(source.transport, 'TLS');
    assert.ok(source.connectionId?.startsWith('tls-'));
    await server.sendResponse(createResponse(message as SipRequest, 200, 'OK', { toTag: 'z' }), source);
    await waitUntil(client, 'message', () => clientGot.length === 1);
    const res = clientGot[0]?.message;
    assert.equal(res?.kind === 'response' ? res.status : 0, 200);
    assert.equal(clientGot[0]?.source.connectionId?.startsWith('tls-'), true);
    assert.equal(client.connectionCount, 1);
  });

  test('keep-alive ping over TLS is answered with a pong', async () => {
    const port = server.addresses[0]?.port ?? 0;
    const socket = connect({ host: '127.0.0.1', port, ca: cert });
    try {
      await once(socket, 'secureConnect', { signal: deadline() });
      let text = '';
      socket.on('data', (d) => {
        text += d.toString();
      });
      socket.write('\r\n\r\n');
      await waitUntil(socket, 'data', () => text === '\r\n');
    } finally {
      socket.destroy();
    }
  });

  test('a client that does not trust the certificate fails to connect: the send rejects', async () => {
    const untrusting = new TransportLayer({
      listen: [{ transport: 'TLS', host: '127.0.0.1', port: 0, tls: { cert, key } }],
    });
    try {
      await untrusting.listen();
      const req = parseMessage(Buffer.from(request('OPTIONS', { via: 'SIP/2.0/TLS 127.0.0.1:1;branch=z9hG4bKtls2' })));
      assert.ok(req.ok);
      await assert.rejects(
        untrusting.send(req.value, { transport: 'TLS', host: '127.0.0.1', port: server.addresses[0]?.port ?? 0 }),
        /self[- ]signed/i,
      );
    } finally {
      await untrusting.close();
    }
  });
});
