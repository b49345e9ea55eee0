// The real server process, over HTTP and WebSocket: health, metrics, the SDK served, bad WebSocket input
// answered with an error while the session stays up, keep-alive and limits, configuration errors, and a
// graceful stop on SIGTERM.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { Recorder } from '../../src/server/testing/wait-for.js';
import { ensureSdkBuilt, ROOT, type ServerProcess, startServerProcess } from './server-support.js';

type Msg = { type: string; [k: string]: unknown };

async function openWs(url: string, opts: WebSocket.ClientOptions = {}) {
  const ws = new WebSocket(url, opts);
  const messages = new Recorder<Msg>();
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  ws.on('message', (data) => messages.push(JSON.parse(data.toString()) as Msg));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { ws, messages, closed, send: (m: unknown) => ws.send(typeof m === 'string' ? m : JSON.stringify(m)) };
}

describe('server process: HTTP and WebSocket basics', { timeout: 60_000 }, () => {
  let server: ServerProcess;
  const sockets: WebSocket[] = [];
  before(async () => {
    ensureSdkBuilt();
    server = await startServerProcess({
      PARLEY_WS_PING_INTERVAL_MS: '300',
      PARLEY_WS_MAX_PAYLOAD: '8192',
      PARLEY_WS_MESSAGES_PER_SECOND: '5',
      PARLEY_API_KEY: 'not-in-the-logs-0123',
    });
  });
  after(async () => {
    for (const ws of sockets) ws.terminate();
    if (server) assert.equal(await server.stop(), 0, 'SIGTERM stops the server with exit code 0');
    assert.ok(!server.output().includes('not-in-the-logs-0123'), 'the API key never reaches the logs');
  });
  const ws = async (opts: WebSocket.ClientOptions = {}) => {
    const c = await openWs(server.wsUrl, opts);
    sockets.push(c.ws);
    return c;
  };

  test('binds to loopback and prints the URL to open', () => {
    assert.equal(server.url.hostname, '127.0.0.1');
    assert.match(server.output(), /Parley is running: open http:\/\/127\.0\.0\.1:\d+\//);
  });

  test('/health answers 200 when ready', async () => {
    const r = await fetch(new URL('/health', server.url));
    assert.equal(r.status, 200);
    assert.equal(((await r.json()) as { status: string }).status, 'ok');
  });

  test('/metrics serves Prometheus text with sessions, registrations, calls and media gauges', async () => {
    const r = await fetch(new URL('/metrics', server.url));
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await r.text();
    for (const name of ['parley_sessions', 'parley_registrations', 'parley_calls', 'parley_media_packets_lost_total']) {
      assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'), name);
    }
    assert.match(text, /^parley_sessions \d+$/m);
  });

  test('the SDK is served as an ES module, as a script defining Parley, and with declarations', async () => {
    const mjs = await fetch(new URL('/sdk/parley.mjs', server.url));
    assert.equal(mjs.status, 200);
    assert.match(mjs.headers.get('content-type') ?? '', /^text\/javascript/);
    assert.match(await mjs.text(), /createSession/);
    const js = await fetch(new URL('/sdk/parley.js', server.url));
    assert.equal(js.status, 200);
    assert.match(await js.text(), /^"use strict";var Parley=|var Parley=/);
    const dts = await fetch(new URL('/sdk/parley.d.ts', server.url));
    assert.equal(dts.status, 200);
    assert.equal((await fetch(new URL('/sdk/../package.json', server.url))).status, 404);
    assert.equal((await fetch(new URL('/sdk/nope.js', server.url))).status, 404);
  });

  test('the page at / is served', async () => {
    const r = await fetch(server.url);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^text\/html/);
  });

  test('an invalid message gets an error reply with a code and the session stays up', async () => {
    const c = await ws();
    c.send('{"type": "connect"');
    assert.equal((await c.messages.waitFor((m) => m.type === 'error', 'error')).code, 'WS_BAD_MESSAGE');
    c.send({ type: 'call.explode', id: 'x1' });
    const unknown = await c.messages.waitFor((m) => m.inReplyTo === 'x1', 'error for x1');
    assert.deepEqual([unknown.code, unknown.field], ['WS_UNKNOWN_TYPE', 'type']);
    c.send({ type: 'call.hold', id: 'x2', callId: 'no-such-call' });
    const unknownCall = await c.messages.waitFor((m) => m.inReplyTo === 'x2', 'error for x2');
    assert.deepEqual([unknownCall.code, unknownCall.field], ['WS_UNKNOWN_CALL', 'callId']);
    c.send({ type: 'ping', id: 'still-there' });
    await c.messages.waitFor((m) => m.type === 'pong' && m.id === 'still-there', 'pong');
    assert.equal(c.ws.readyState, WebSocket.OPEN);
  });

  test('a login with a space gets an error naming sipLogin, and FAILED', async () => {
    const c = await ws();
    c.send({ type: 'connect', id: 'c1', sipOptions: { login: 'Ralf C12441', password: 'demo', domain: '127.0.0.1' } });
    const err = await c.messages.waitFor((m) => m.type === 'error' && m.inReplyTo === 'c1', 'error for c1');
    assert.equal(err.code, 'WS_INVALID_FIELD');
    assert.equal(err.field, 'sipLogin');
    assert.match(String(err.message), /spaces/);
    await c.messages.waitFor((m) => m.type === 'session.status' && m.status === 'FAILED', 'FAILED');
    assert.equal(c.ws.readyState, WebSocket.OPEN);
  });

  test('a session without registration is ESTABLISHED, and /metrics counts it', async () => {
    const c = await ws();
    c.send({ type: 'connect', id: 'c2', sipOptions: { login: '1001', domain: '127.0.0.1', registerRequired: false } });
    const s = await c.messages.waitFor((m) => m.type === 'session.status' && m.status === 'ESTABLISHED', 'ESTABLISHED');
    assert.match(String(s.sessionId), /^[0-9a-f-]{36}$/);
    const text = await (await fetch(new URL('/metrics', server.url))).text();
    assert.match(text, /^parley_ws_messages_total\{type="connect"\} \d+$/m);
  });

  test('a browser that stops answering pings is dropped', async () => {
    const c = await ws({ autoPong: false });
    const code = await Promise.race([
      c.closed,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('not dropped within 5 s')), 5000).unref()),
    ]);
    assert.equal(code, 1006, 'terminated, not closed politely');
  });

  test('a message over maxPayload closes the socket with 1009', async () => {
    const c = await ws();
    c.send({ type: 'ping', id: 'x'.repeat(9000) });
    assert.equal(await c.closed, 1009);
  });

  test('too many messages per second are answered WS_RATE_LIMITED and the session stays up', async () => {
    const c = await ws();
    for (let i = 0; i < 30; i++) c.send({ type: 'ping', id: `p${i}` });
    await c.messages.waitFor(() => c.messages.items.length >= 30, '30 replies');
    const limited = c.messages.items.filter((m) => m.type === 'error' && m.code === 'WS_RATE_LIMITED').length;
    const pongs = c.messages.items.filter((m) => m.type === 'pong').length;
    assert.ok(limited > 0 && pongs >= 10, `limited ${limited}, pongs ${pongs}`);
    assert.equal(c.ws.readyState, WebSocket.OPEN);
  });

  test('the WebSocket is only at /ws', async () => {
    const other = new WebSocket(`ws://${server.url.host}/elsewhere`);
    const failed = await new Promise<string>((resolve) => {
      other.once('unexpected-response', (_req, res) => resolve(String(res.statusCode)));
      other.once('error', (e) => resolve(e.message));
    });
    assert.match(failed, /404/);
  });
});

test('a bad configuration value stops the server at start with a message naming the variable', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'server', 'main.ts')], {
    cwd: ROOT,
    env: { ...process.env, PARLEY_MEDIA_PORTS: '20000', PARLEY_HTTP_PORT: 'eighty' },
    encoding: 'utf8',
    timeout: 20_000,
  });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /PARLEY_HTTP_PORT: expected a port number 0-65535/);
  assert.match(r.stderr, /PARLEY_MEDIA_PORTS: expected a range like 20000-20999/);
});

test('the server refuses to start with the REST API open on the network without PARLEY_API_KEY', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'server', 'main.ts')], {
    cwd: ROOT,
    env: { ...process.env, PARLEY_HTTP_HOST: '0.0.0.0', PARLEY_HTTP_PORT: '0', PARLEY_API_KEY: '' },
    encoding: 'utf8',
    timeout: 20_000,
  });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /PARLEY_API_KEY: must be set when PARLEY_HTTP_HOST \(0\.0\.0\.0\) is not a loopback address/);
});

test('generated demo passwords are not printed when stdout is not a terminal; uncaught errors are a metric', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-demo-'));
  let server: ServerProcess | undefined;
  try {
    server = await startServerProcess({ PARLEY_REGISTRAR: 'on', PARLEY_REGISTRAR_PORT: '0', PARLEY_DATA_DIR: dir });
    const file = join(dir, 'registrar-users.json');
    const passwords = Object.values(JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>);
    assert.equal(passwords.length, 10);
    const out = server.output();
    assert.ok(out.includes(`generated demo passwords are in ${file}`), out);
    for (const p of passwords) assert.ok(!out.includes(p), 'a generated password reached stdout');
    const metrics = await (await fetch(new URL('/metrics', server.url))).text();
    assert.match(metrics, /^# TYPE parley_uncaught_errors_total counter$/m);
    assert.match(metrics, /^parley_uncaught_errors_total\{kind="exception"\} 0$/m);
  } finally {
    if (server) assert.equal(await server.stop(), 0);
    rmSync(dir, { recursive: true, force: true });
  }
});
