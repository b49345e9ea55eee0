// A TCP connection's framing on real sockets: a peer dribbling one byte per write costs linear work, and a
// throw from the code handling one message loses that message only, not the connection.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import type { SipMessage, SipRequest } from '../message/message.js';
import { deadline, type RawTcp, RecordingLogger, request, tcpClient, waitUntil } from './testing.js';
import { TcpTransport } from './transport-tcp.js';

describe('StreamConnection framing and isolation (RFC 3261 §18.3)', () => {
  const logger = new RecordingLogger();
  const transport = new TcpTransport({ host: '127.0.0.1', port: 0, logger });
  const received: SipMessage[] = [];
  /** Messages whose Call-ID starts with `throw` make the handler throw. */
  transport.on('message', (m) => {
    received.push(m);
    if ((m.headers.get('Call-ID') ?? '').startsWith('throw')) throw new Error('handler bug');
  });
  const raw: RawTcp[] = [];

  before(() => transport.listen());
  after(async () => {
    for (const c of raw) c.socket.destroy();
    await transport.close();
  });

  test('a 60 KB message written one byte at a time arrives whole, without copying the buffered bytes per byte', async () => {
    const c = await tcpClient(transport.local.port);
    raw.push(c);
    const body = 'x'.repeat(60_000);
    const msg = Buffer.from(request('MESSAGE', { via: 'SIP/2.0/TCP 127.0.0.1:1;branch=z9hG4bKd1', body }));
    const start = received.length;
    // Count the bytes Buffer.concat produces while the message is received: a copy of everything buffered per
    // chunk would be about n²/2 bytes over n chunks.
    const concat = Buffer.concat;
    let concatenated = 0;
    Buffer.concat = ((list: readonly Uint8Array[], total?: number) => {
      const out = concat(list, total);
      concatenated += out.length;
      return out;
    }) as typeof Buffer.concat;
    try {
      c.socket.setNoDelay(true);
      for (let i = 0; i < msg.length; i++) {
        await new Promise<void>((resolve, reject) =>
          c.socket.write(msg.subarray(i, i + 1), (e) => (e ? reject(e) : resolve())),
        );
        // Let the event loop poll, so that the server reads the byte as its own segment (not a sleep).
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      await waitUntil(transport, 'message', () => received.length > start, AbortSignal.timeout(30_000));
    } finally {
      Buffer.concat = concat;
    }
    const got = received[start] as SipRequest;
    assert.equal(got.method, 'MESSAGE');
    assert.equal(got.body.length, 60_000);
    assert.ok(concatenated <= 4 * msg.length, `${concatenated} bytes concatenated for a ${msg.length}-byte message`);
  });

  test('a throwing message handler drops that message only: the next one on the connection arrives', async () => {
    const c = await tcpClient(transport.local.port);
    raw.push(c);
    const start = received.length;
    const bad = request('OPTIONS', { via: 'SIP/2.0/TCP 127.0.0.1:1;branch=z9hG4bKt1', callId: 'throw-1' });
    const good = request('OPTIONS', { via: 'SIP/2.0/TCP 127.0.0.1:1;branch=z9hG4bKt2', callId: 'ok-1' });
    c.socket.write(bad + good);
    await waitUntil(transport, 'message', () => received.length >= start + 2);
    assert.equal(received[start + 1]?.headers.get('Call-ID'), 'ok-1');
    assert.equal(c.closed(), false);
    assert.equal(transport.connectionCount, 2);
    assert.ok(logger.entries.some((e) => /handler threw/.test(e.msg)));
    // And later messages still arrive on it.
    c.socket.write(request('OPTIONS', { via: 'SIP/2.0/TCP 127.0.0.1:1;branch=z9hG4bKt3', callId: 'ok-2' }));
    await once(transport, 'message', { signal: deadline() });
    assert.equal(received.at(-1)?.headers.get('Call-ID'), 'ok-2');
  });
});
