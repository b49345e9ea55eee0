// Connection caps on real sockets: TLS sockets still handshaking hold a slot and are closed after the handshake
// timeout; connections from one IP address are capped apart from the global cap.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { type Socket, connect as tcpConnect } from 'node:net';
import { after, describe, test } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import type { StreamTransport } from './stream-transport.js';
import { deadline, RecordingLogger, selfSignedCert } from './testing.js';
import { TcpTransport } from './transport-tcp.js';
import { TlsTransport } from './transport-tls.js';

const tls = selfSignedCert();

/** A raw TCP connection that sends nothing (a TLS client that never starts its handshake). */
async function silent(port: number, localAddress = '127.0.0.1'): Promise<Socket> {
  const s = tcpConnect({ host: '127.0.0.1', port, localAddress });
  s.on('error', () => undefined); // a refused connection resets; the test looks at 'close'
  await once(s, 'connect', { signal: deadline() });
  return s;
}

/** Resolves when the socket closes (an 'error' before it does not reject); fails the test at the deadline. */
function closed(s: Socket): Promise<void> {
  if (s.closed) return Promise.resolve();
  const signal = deadline();
  return new Promise((resolve, reject) => {
    s.once('close', () => resolve());
    signal.addEventListener('abort', () => reject(new Error('socket not closed by the deadline')));
  });
}

describe('TLS handshakes count against the connection cap', {
  skip: tls === undefined && 'openssl not installed',
}, () => {
  const { cert, key } = tls ?? { cert: '', key: '' };
  const logger = new RecordingLogger();
  const transport = new TlsTransport({
    host: '127.0.0.1',
    port: 0,
    cert,
    key,
    logger,
    maxConnections: 2,
    handshakeTimeout: 300,
  });
  const sockets: Socket[] = [];
  after(async () => {
    for (const s of sockets) s.destroy();
    await transport.close();
  });

  test('two silent sockets fill a cap of 2: a third connection is refused; both are closed at the handshake timeout', async () => {
    await transport.listen();
    const port = transport.local.port;
    const a = await silent(port);
    const b = await silent(port);
    sockets.push(a, b);
    const c = tlsConnect({ host: '127.0.0.1', port, ca: cert, servername: 'localhost', rejectUnauthorized: false });
    sockets.push(c);
    c.on('error', () => undefined); // the refused handshake errors; what counts is that it never secures
    const secured = once(c, 'secureConnect').then(
      () => true,
      () => false,
    );
    await closed(c);
    const outcome = (await secured) ? 'secured' : 'closed';
    assert.equal(outcome, 'closed');
    assert.ok(logger.has('warn', 'connection refused: limit of 2 connections reached'));
    // The handshake timeout (300 ms here) closes the silent ones; their slots are free again.
    await Promise.all([closed(a), closed(b)]);
    const d = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false });
    sockets.push(d);
    d.on('error', () => undefined);
    await once(d, 'secureConnect', { signal: deadline() });
    await waitForCount(transport, 1);
  });
});

describe('connections per IP address', () => {
  const logger = new RecordingLogger();
  const transport = new TcpTransport({ host: '0.0.0.0', port: 0, logger, maxConnectionsPerIp: 2 });
  const sockets: Socket[] = [];
  after(async () => {
    for (const s of sockets) s.destroy();
    await transport.close();
  });

  test('a third connection from one IP is refused while another IP still connects', async () => {
    await transport.listen();
    const port = transport.local.port;
    for (let i = 0; i < 2; i++) sockets.push(await silent(port));
    await waitForCount(transport, 2);
    const third = await silent(port);
    sockets.push(third);
    await closed(third);
    assert.ok(logger.has('warn', 'limit of 2 connections from 127.0.0.1 reached'));
    const other = await silent(port, '127.0.0.2');
    sockets.push(other);
    await waitForCount(transport, 3);
    assert.equal(other.destroyed, false);
  });
});

/** Waits for the transport to have adopted `n` connections (its connectionOpened event). */
async function waitForCount(t: StreamTransport, n: number): Promise<void> {
  while (t.connectionCount < n) await once(t, 'connectionOpened', { signal: deadline() });
}
