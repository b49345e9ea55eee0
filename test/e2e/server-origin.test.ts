// The real server process refuses WebSocket handshakes from other sites' pages (cross-site WebSocket
// hijacking): close code 1008 with a reason naming the origin, and no session is made. Its own pages, the
// origins configured in PARLEY_WS_ALLOWED_ORIGINS, and clients that send no Origin (not browsers) get in.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { type ServerProcess, startServerProcess } from './server-support.js';

interface Outcome {
  /** The server's answer to a ping (a session answers `pong`), if any. */
  first?: { type: string };
  code: number;
  reason: string;
}

/** Opens /ws with the given Origin and pings; resolves once the server has answered or closed the socket. */
function knock(url: string, origin: string | undefined): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, origin === undefined ? {} : { origin });
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`no message nor close from the server for origin ${origin}`));
    }, 5000);
    ws.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    let first: { type: string } | undefined;
    ws.once('open', () => ws.send(JSON.stringify({ type: 'ping', id: 'knock' })));
    ws.once('message', (data) => {
      first = JSON.parse(data.toString()) as { type: string };
      ws.close(1000);
    });
    ws.once('close', (code, reason) => {
      clearTimeout(timer);
      resolve({ ...(first ? { first } : {}), code, reason: reason.toString() });
    });
  });
}

describe('server process: Origin check on /ws', { timeout: 60_000 }, () => {
  let server: ServerProcess;
  before(async () => {
    server = await startServerProcess({ PARLEY_WS_ALLOWED_ORIGINS: 'https://app.example.com, http://localhost:3000' });
  });
  after(async () => {
    if (server) assert.equal(await server.stop(), 0);
  });

  test('a page of another site is closed with 1008 and a reason naming its origin', async () => {
    const o = await knock(server.wsUrl, 'https://evil.example');
    assert.equal(o.first, undefined, 'no answer before the close');
    assert.equal(o.code, 1008);
    assert.match(o.reason, /origin https:\/\/evil\.example not allowed/);
    const metrics = await (await fetch(new URL('/metrics', server.url))).text();
    assert.match(metrics, /^parley_sessions 0$/m, 'no session was made for it');
    assert.match(metrics, /^parley_ws_errors_total\{code="WS_ORIGIN_REFUSED"\} [1-9]/m);
    assert.match(server.output(), /origin https:\/\/evil\.example not allowed/, 'the refusal is logged');
  });

  test("the server's own pages get a session", async () => {
    const o = await knock(server.wsUrl, server.url.origin);
    assert.equal(o.first?.type, 'pong');
    assert.equal(o.code, 1000);
  });

  test('configured origins get a session; a look-alike does not', async () => {
    assert.equal((await knock(server.wsUrl, 'https://app.example.com')).first?.type, 'pong');
    assert.equal((await knock(server.wsUrl, 'http://localhost:3000')).first?.type, 'pong');
    assert.equal((await knock(server.wsUrl, 'https://app.example.com.evil.example')).code, 1008);
  });

  test('a client sending no Origin (no browser: a Node or native client) gets a session', async () => {
    assert.equal((await knock(server.wsUrl, undefined)).first?.type, 'pong');
  });
});

describe('server process: a bad PARLEY_WS_ALLOWED_ORIGINS stops the start with the setting named', () => {
  test('a path in an origin is refused', async () => {
    await assert.rejects(
      startServerProcess({ PARLEY_WS_ALLOWED_ORIGINS: 'https://app.example.com/page' }),
      /PARLEY_WS_ALLOWED_ORIGINS: expected a list like/,
    );
  });
});
