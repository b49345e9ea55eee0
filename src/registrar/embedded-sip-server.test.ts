import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import { EmbeddedSipServer } from './embedded-sip-server.js';
import { RegistrarError } from './errors.js';

describe('EmbeddedSipServer on real sockets', () => {
  test('port 0 binds UDP and TCP; an OPTIONS to the server is answered 200; close is idempotent', async () => {
    const server = new EmbeddedSipServer({ host: '127.0.0.1', port: 0, users: { '1001': 'pw' } });
    await server.start();
    const client = createSocket('udp4');
    try {
      assert.deepEqual(
        server.addresses.map((a) => a.transport),
        ['UDP', 'TCP'],
      );
      const port = server.port('UDP');
      await new Promise<void>((resolve) => client.bind(0, '127.0.0.1', resolve));
      const me = client.address().port;
      const options = [
        `OPTIONS sip:127.0.0.1:${port} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:${me};branch=z9hG4bKopt1;rport`,
        'Max-Forwards: 70',
        `From: <sip:probe@127.0.0.1:${me}>;tag=p`,
        `To: <sip:127.0.0.1:${port}>`,
        'Call-ID: opt-1',
        'CSeq: 1 OPTIONS',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n');
      const answer = once(client, 'message', { signal: AbortSignal.timeout(5000) });
      client.send(options, port, '127.0.0.1');
      const [data] = (await answer) as [Buffer];
      assert.match(data.toString(), /^SIP\/2\.0 200 OK\r\n/);
      assert.match(data.toString(), /\r\nAllow: [^\r]*REGISTER/);
      assert.deepEqual(server.bindings(), []);
    } finally {
      client.close();
      await server.close();
      await server.close();
    }
  });

  test('a wildcard bind without a domain takes a real address of this machine as its domain', async () => {
    const server = new EmbeddedSipServer({ host: '0.0.0.0', port: 0, users: {} });
    try {
      await server.start();
      assert.notEqual(server.domain, '0.0.0.0');
      assert.match(server.domain, /^\d+\.\d+\.\d+\.\d+$/);
    } finally {
      await server.close();
    }
  });

  test('a port in use fails start with REGISTRAR_START_FAILED', async () => {
    const first = new EmbeddedSipServer({ host: '127.0.0.1', port: 0, users: {} });
    await first.start();
    const second = new EmbeddedSipServer({ host: '127.0.0.1', port: first.port('UDP'), users: {} });
    try {
      await assert.rejects(
        second.start(),
        (e: unknown) => e instanceof RegistrarError && e.code === 'REGISTRAR_START_FAILED',
      );
    } finally {
      await second.close();
      await first.close();
    }
  });
});
