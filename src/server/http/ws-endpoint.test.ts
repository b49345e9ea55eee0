// The WebSocket endpoint of a real ParleyServer on loopback (SIP and media are the TEST DOUBLES of
// src/server/testing: only the WebSocket side is under test), with raw `ws` clients.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import WebSocket from 'ws';
import { loadConfig } from '../config/load-config.js';
import { FakeMediaPort } from '../testing/fake-media-port.js';
import { FakeSipPort } from '../testing/fake-sip-port.js';
import { ParleyServer } from './parley-server.js';

interface Outcome {
  first?: { type: string };
  code: number;
  reason: string;
}

/** Opens /ws (with headers) and pings; resolves once the server answered or closed the socket. */
function knock(
  url: string,
  headers: Record<string, string> = {},
  keepOpen = false,
): Promise<Outcome & { ws: WebSocket }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error('no message nor close from the server'));
    }, 5000);
    ws.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    ws.once('open', () => ws.send(JSON.stringify({ type: 'ping', id: 'knock' })));
    let first: { type: string } | undefined;
    ws.once('message', (data) => {
      first = JSON.parse(data.toString()) as { type: string };
      if (!keepOpen) return ws.close(1000);
      clearTimeout(timer);
      resolve({ first, code: 0, reason: '', ws });
    });
    ws.once('close', (code, reason) => {
      clearTimeout(timer);
      resolve({ ...(first ? { first } : {}), code, reason: reason.toString(), ws });
    });
  });
}

const closeAndWait = (ws: WebSocket) =>
  new Promise<void>((resolve) => {
    if (ws.readyState === WebSocket.CLOSED) return resolve();
    ws.once('close', () => resolve());
    ws.close(1000);
  });

describe('WsEndpoint', () => {
  let server: ParleyServer;
  let wsUrl: string;
  const uncaught: unknown[] = [];
  const onUncaught = (e: unknown) => uncaught.push(e);
  before(async () => {
    process.on('uncaughtException', onUncaught);
    const config = loadConfig({
      env: { PARLEY_HTTP_PORT: '0', PARLEY_WS_MAX_SESSIONS: '3', PARLEY_WS_MAX_SESSIONS_PER_IP: '2' },
    });
    server = new ParleyServer(config, {
      log: pino({ level: 'silent' }),
      sip: new FakeSipPort(),
      media: new FakeMediaPort(),
      dirs: { sdkDir: '/nonexistent/sdk', phoneDirs: [] },
    });
    const url = await server.listen();
    wsUrl = `ws://${url.host}/ws`;
  });
  after(async () => {
    await server.close();
    process.off('uncaughtException', onUncaught);
  });

  test('an Origin of 60 high bytes is refused with 1008 and a reason that fits a close frame', async () => {
    // Sent as latin1 bytes; the server reads 60 characters that are 120 bytes in UTF-8.
    const o = await knock(wsUrl, { Origin: `https://${'\u00ff'.repeat(60)}` });
    assert.equal(o.code, 1008);
    assert.equal(o.reason, 'origin not allowed (PARLEY_WS_ALLOWED_ORIGINS)');
    assert.deepEqual(uncaught, []);
    const fine = await knock(wsUrl);
    assert.equal(fine.first?.type, 'pong', 'the server still takes sessions');
  });

  test('an upgrade to another path gets 404, and a client resetting it throws nothing', async () => {
    const answer = await new Promise<string>((resolve, reject) => {
      const s = connect(Number(new URL(wsUrl).port), '127.0.0.1', () => {
        s.write(
          'GET /nope HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
        );
      });
      s.once('data', (d) => {
        resolve(d.toString('latin1'));
        s.resetAndDestroy();
      });
      s.once('error', reject);
    });
    assert.match(answer, /^HTTP\/1\.1 404/);
    assert.deepEqual(uncaught, []);
  });

  test('sessions beyond the per-IP and total limits are closed with 1013 and a reason', async () => {
    const a = await knock(wsUrl, {}, true);
    const b = await knock(wsUrl, {}, true);
    assert.equal(a.first?.type, 'pong');
    assert.equal(b.first?.type, 'pong');
    const third = await knock(wsUrl);
    assert.equal(third.code, 1013);
    assert.match(third.reason, /too many sessions from this address/);
    await closeAndWait(a.ws);
    // The slot is free once the server has seen the close.
    let again: Outcome | undefined;
    for (let i = 0; i < 50 && again?.first?.type !== 'pong'; i++) {
      again = await knock(wsUrl, {}, true);
      if (again.first) await closeAndWait((again as Outcome & { ws: WebSocket }).ws);
    }
    assert.equal(again?.first?.type, 'pong');
    await closeAndWait(b.ws);
  });
});
