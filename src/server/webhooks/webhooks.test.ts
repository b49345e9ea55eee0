// Webhooks against a real HTTP server on 127.0.0.1 (the application's backend, played by the test): signed
// bodies, connect and call decisions reaching a Session (SIP and media are TEST DOUBLES here; the real thing
// is in test/e2e/webhooks-*.test.ts), the failure policy on timeouts and unreachable backends, and events
// retried with back-off on injected timers.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import { pino } from 'pino';
import type { ServerMessage } from '../../protocol/server-messages.js';
import { Session } from '../session/session.js';
import { FakeMediaPort } from '../testing/fake-media-port.js';
import { type FakeSipAccount, FakeSipPort } from '../testing/fake-sip-port.js';
import { Recorder } from '../testing/wait-for.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifySignature } from './signature.js';
import { WebhookClient, type WebhookTimers } from './webhook-client.js';
import { createWebhooks } from './webhooks.js';

const SECRET = 'a-webhook-secret-of-32-bytes-xyz';
const log = pino({ level: 'silent' });

interface Received {
  headers: IncomingMessage['headers'];
  raw: string;
  body: { id: string; type: string; seq: number; timestamp: number; data: Record<string, unknown> };
}
type Reply = (r: Received, res: ServerResponse) => void;

/** The backend: records every request; `reply` decides the answer per request. */
async function backend(reply: Reply) {
  const received = new Recorder<Received>();
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => {
      raw += c.toString();
    });
    req.on('end', () => {
      const r = { headers: req.headers, raw, body: JSON.parse(raw) as Received['body'] };
      received.push(r);
      reply(r, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  after(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url, received };
}

const json = (res: ServerResponse, status: number, body?: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(body === undefined ? '' : JSON.stringify(body));
};

function session(url: string, overrides: { timeoutMs?: number; policy?: 'deny' | 'allow' } = {}) {
  const webhooks = createWebhooks(
    {
      webhookUrl: url,
      webhookSecret: SECRET,
      webhookTimeoutMs: overrides.timeoutMs ?? 2000,
      webhookRetries: 0,
      webhookFailurePolicy: overrides.policy ?? 'deny',
    },
    log,
  );
  assert.ok(webhooks);
  after(() => webhooks.close());
  const sip = new FakeSipPort();
  const out = new Recorder<ServerMessage>();
  const s: Session = new Session(
    {
      send: (m) => {
        webhooks.events.onMessage(s, 'browser', m);
        out.push(m);
      },
      close: () => undefined,
    },
    { sip, media: new FakeMediaPort(), log, gate: webhooks.gate },
  );
  const status = (st: string) =>
    out.waitFor((m) => m.type === 'session.status' && m.status === st, `session ${st}`, 3000);
  return { session: s, sip, out, status };
}

describe('webhooks: connect and call decisions', () => {
  test('connect: the signed request; a 200 with credentials registers with them, the browser never sent a password', async () => {
    const hooks = await backend((r, res) =>
      r.body.type === 'connect'
        ? json(res, 200, { sipOptions: { authenticationName: 'auth-1001', password: 'from-backend' } })
        : json(res, 204),
    );
    const t = session(hooks.url);
    await t.session.receive({
      type: 'connect',
      sipOptions: { login: '1001', domain: '127.0.0.1' },
      custom: { token: 'user-42' },
    });
    await t.status('REGISTERED');
    const account = t.sip.accounts.items[0] as FakeSipAccount;
    assert.equal(account.options.password, 'from-backend');
    assert.equal(account.options.authenticationName, 'auth-1001');
    const connect = await hooks.received.waitFor((r) => r.body.type === 'connect', 'connect webhook');
    assert.ok(verifySignature(SECRET, connect.raw, connect.headers[SIGNATURE_HEADER] as string), 'signature checks');
    assert.equal(
      verifySignature('another-secret-of-enough-length', connect.raw, connect.headers[SIGNATURE_HEADER] as string),
      false,
    );
    assert.equal(connect.headers[TIMESTAMP_HEADER], String(connect.body.timestamp));
    assert.ok(Math.abs(connect.body.timestamp - Date.now()) < 5000);
    assert.match(connect.body.id, /^[0-9a-f-]{36}$/);
    assert.deepEqual(connect.body.data, {
      sessionId: t.session.id,
      sipOptions: { login: '1001', domain: '127.0.0.1', hasPassword: false },
      custom: { token: 'user-42' },
    });
    const event = await hooks.received.waitFor(
      (r) => r.body.type === 'session.status' && r.body.data.status === 'REGISTERED',
      'registration event',
    );
    assert.ok(verifySignature(SECRET, event.raw, event.headers[SIGNATURE_HEADER] as string));
    assert.ok(event.body.seq > connect.body.seq);
  });

  test('connect: a 403 with a reason fails the session with that reason; nothing reaches SIP', async () => {
    const hooks = await backend((r, res) =>
      r.body.type === 'connect' ? json(res, 403, { reason: 'account suspended' }) : json(res, 204),
    );
    const t = session(hooks.url);
    await t.session.receive({ type: 'connect', sipOptions: { login: '1001', password: 'x', domain: '127.0.0.1' } });
    const failed = await t.status('FAILED');
    assert.deepEqual(
      [failed.type === 'session.status' && failed.sipStatus, failed.type === 'session.status' && failed.sipReason],
      [403, 'account suspended'],
    );
    assert.equal(t.sip.accounts.items.length, 0);
    const connect = await hooks.received.waitFor((r) => r.body.type === 'connect', 'connect webhook');
    assert.equal((connect.body.data.sipOptions as { hasPassword: boolean }).hasPassword, true);
    assert.equal(connect.raw.includes('"password"'), false, 'the browser password is not sent to the backend');
  });

  test('call: deny with a reason fails the call; allow may rewrite the callee', async () => {
    const hooks = await backend((r, res) => {
      if (r.body.type !== 'call') return json(res, 204);
      if (r.body.data.callee === '900') return json(res, 402, { reason: 'no credit left' });
      return json(res, 200, { callee: `00${r.body.data.callee}` });
    });
    const t = session(hooks.url);
    await t.session.receive({ type: 'connect', sipOptions: { login: '1001', password: 'x', domain: '127.0.0.1' } });
    await t.status('REGISTERED');
    const account = t.sip.accounts.items[0] as FakeSipAccount;
    await t.session.receive({ type: 'call.start', callId: 'c1', callee: '900', sdp: 'browser-offer' });
    const failed = await t.out.waitFor(
      (m) => m.type === 'call.status' && m.callId === 'c1' && m.status === 'FAILED',
      'FAILED',
    );
    assert.equal(failed.type === 'call.status' && failed.sipReason, 'no credit left');
    assert.equal(account.invites.items.length, 0, 'a denied call sends no INVITE');
    await t.session.receive({ type: 'call.start', callId: 'c2', callee: '1002', sdp: 'browser-offer' });
    const invite = await account.invites.waitFor(() => true, 'INVITE');
    assert.equal(invite.request.target, '001002');
    const call = await hooks.received.waitFor(
      (r) => r.body.type === 'call' && r.body.data.callId === 'c2',
      'call webhook',
    );
    assert.deepEqual(
      [call.body.data.caller, call.body.data.callee, call.body.data.sessionId],
      ['1001', '1002', t.session.id],
    );
    await hooks.received.waitFor(
      (r) => r.body.type === 'call.status' && r.body.data.callId === 'c1' && r.body.data.status === 'FAILED',
      'call status event',
    );
  });

  test('call: a browser that hangs up while the backend decides places nothing', async () => {
    let release: () => void = () => undefined;
    const decided = new Promise<void>((resolve) => {
      release = resolve;
    });
    const hooks = await backend((r, res) => {
      if (r.body.type === 'call') void decided.then(() => json(res, 200, {}));
      else json(res, 204);
    });
    const t = session(hooks.url);
    await t.session.receive({ type: 'connect', sipOptions: { login: '1001', password: 'x', domain: '127.0.0.1' } });
    await t.status('REGISTERED');
    const account = t.sip.accounts.items[0] as FakeSipAccount;
    const starting = t.session.receive({ type: 'call.start', callId: 'c1', callee: '1002', sdp: 'browser-offer' });
    await hooks.received.waitFor((r) => r.body.type === 'call', 'call webhook');
    await t.session.receive({ type: 'call.hangup', id: 'h1', callId: 'c1' });
    release();
    await starting;
    const finish = await t.out.waitFor((m) => m.type === 'call.status' && m.callId === 'c1', 'the call ends');
    assert.equal(finish.type === 'call.status' && finish.status, 'FINISH');
    assert.equal(account.invites.items.length, 0, 'no INVITE after the browser hung up');
    assert.equal(t.out.items.filter((m) => m.type === 'error').length, 0, 'the hangup was not an error');
  });

  test('a backend that does not answer in time, or cannot be reached, gets the failure policy', async () => {
    const slow = await backend(() => undefined); // never answers
    const denied = session(slow.url, { timeoutMs: 150 });
    await denied.session.receive({ type: 'connect', sipOptions: { login: '1001', domain: '127.0.0.1' } });
    const failed = await denied.status('FAILED');
    assert.match(failed.type === 'session.status' ? (failed.sipReason ?? '') : '', /WEBHOOK_TIMEOUT/);
    assert.equal(failed.type === 'session.status' && failed.sipStatus, 503);

    const allowed = session(slow.url, { timeoutMs: 150, policy: 'allow' });
    await allowed.session.receive({ type: 'connect', sipOptions: { login: '1001', domain: '127.0.0.1' } });
    await allowed.status('REGISTERED');

    const gone = session('http://127.0.0.1:9/hooks');
    await gone.session.receive({ type: 'connect', sipOptions: { login: '1001', domain: '127.0.0.1' } });
    const unreachable = await gone.status('FAILED');
    assert.match(unreachable.type === 'session.status' ? (unreachable.sipReason ?? '') : '', /WEBHOOK_UNREACHABLE/);

    const broken = await backend((_r, res) => json(res, 500));
    const five = session(broken.url);
    await five.session.receive({ type: 'connect', sipOptions: { login: '1001', domain: '127.0.0.1' } });
    assert.match(((await five.status('FAILED')) as { sipReason?: string }).sipReason ?? '', /WEBHOOK_BAD_STATUS/);
  });

  test('an answer over 64 KiB, chunked with no Content-Length, is not read to the end and gets the failure policy', async () => {
    let written = 0;
    const huge = await backend((_r, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"sipOptions":"');
      // 1 MiB in chunks: the client must give up long before the end.
      const chunk = 'x'.repeat(16 * 1024);
      const more = () => {
        while (written < 1024 * 1024) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', more);
        }
        res.end('"}');
      };
      more();
    });
    const t = session(huge.url);
    await t.session.receive({ type: 'connect', sipOptions: { login: '1001', domain: '127.0.0.1' } });
    const failed = await t.status('FAILED');
    assert.match((failed as { sipReason?: string }).sipReason ?? '', /WEBHOOK_ANSWER_TOO_LARGE/);
  });
});

describe('webhooks: events', () => {
  /** Timers a test fires by hand: no real waiting for the back-off. */
  function manualTimers() {
    const pending: { fn: () => void; ms: number; cleared: boolean }[] = [];
    const timers: WebhookTimers = {
      now: () => Date.now(),
      setTimeout: (fn, ms) => {
        const t = { fn, ms, cleared: false };
        pending.push(t);
        return t;
      },
      clearTimeout: (h) => {
        (h as { cleared: boolean }).cleared = true;
      },
    };
    return { timers, pending };
  }

  test('an event that fails is retried with doubling back-off, at most `retries` times', async () => {
    let answers = [503, 503, 200];
    const hooks = await backend((_r, res) => json(res, answers.shift() ?? 200));
    const { timers, pending } = manualTimers();
    const client = new WebhookClient({ url: hooks.url, secret: SECRET, timeoutMs: 2000, retries: 3, log, timers });
    after(() => client.close());
    client.emit('call.dtmf', { digit: '5' });
    await hooks.received.waitFor(() => true, 'first attempt');
    const waitTimer = async (n: number) => {
      for (let i = 0; i < 200 && pending.length < n; i++) await new Promise((r) => setImmediate(r));
      assert.equal(pending.length, n, `${n} retry timer(s) set`);
    };
    await waitTimer(1);
    assert.equal(pending[0]?.ms, 1000);
    pending[0]?.fn();
    await hooks.received.waitFor((_r) => hooks.received.items.length >= 2, 'second attempt');
    await waitTimer(2);
    assert.equal(pending[1]?.ms, 2000);
    pending[1]?.fn();
    await hooks.received.waitFor((_r) => hooks.received.items.length >= 3, 'third attempt');
    const ids = new Set(hooks.received.items.map((r) => r.body.id));
    assert.equal(ids.size, 1, 'a retry is the same delivery (same id), so the backend can de-duplicate');
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    assert.equal(pending.length, 2, 'delivered: no more retries');

    answers = [503, 503, 503, 503];
    const { timers: t2, pending: p2 } = manualTimers();
    const once = new WebhookClient({ url: hooks.url, secret: SECRET, timeoutMs: 2000, retries: 1, log, timers: t2 });
    after(() => once.close());
    const before = hooks.received.items.length;
    once.emit('call.status', {});
    await hooks.received.waitFor(() => hooks.received.items.length > before, 'attempt');
    for (let i = 0; i < 200 && p2.length < 1; i++) await new Promise((r) => setImmediate(r));
    p2[0]?.fn();
    await hooks.received.waitFor(() => hooks.received.items.length > before + 1, 'the one retry');
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    assert.equal(p2.length, 1, 'retries are bounded');
    once.emit('call.status', {});
    once.close();
    for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
    assert.ok(
      p2.every((t) => t.cleared || t === p2[0]),
      'close() clears every pending retry',
    );
  });
});
