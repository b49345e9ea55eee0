// The REST API against the SIP and media TEST DOUBLES (src/server/testing), through fastify's inject: every
// endpoint's success and failure answers, the error format, the API key, the OpenAPI document. The same
// endpoints against a real server, Kamailio, baresip and Chromium are in test/e2e/rest-*.test.ts.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Fastify from 'fastify';
import { pino } from 'pino';
import { writeWav } from '../../media/index.js';
import type { ServerMessage } from '../../protocol/server-messages.js';
import type { BindingInfo } from '../../registrar/index.js';
import type { MediaSession } from '../ports.js';
import { Session } from '../session/session.js';
import { FakeMediaPort } from '../testing/fake-media-port.js';
import { type FakeSipAccount, FakeSipPort } from '../testing/fake-sip-port.js';
import { Recorder } from '../testing/wait-for.js';
import { registerRestApi } from './rest-api.js';
import { ServerCalls } from './server-calls.js';
import { SoundLibrary } from './sound-library.js';

const soundsDir = mkdtempSync(join(tmpdir(), 'parley-rest-sounds-'));
writeFileSync(join(soundsDir, 'hello.wav'), writeWav(new Int16Array(800), 8000));
writeFileSync(join(soundsDir, 'text.wav'), 'not a WAV');
after(() => rmSync(soundsDir, { recursive: true, force: true }));

const STARTUP = { callee: '1002', sipLogin: '1001', sipPassword: 'pw', sipDomain: '127.0.0.1' };

async function setup(opts: { apiKey?: string; registrar?: { bindings(): BindingInfo[] } } = {}) {
  const log = pino({ level: 'silent' });
  const sip = new FakeSipPort();
  const media = new FakeMediaPort();
  const sessions = new Map<string, Session>();
  const injected: { callId: string; bytes: number; loop: boolean; toward: string }[] = [];
  // The fake media sessions play sounds by recording them.
  const create = media.createSession.bind(media);
  media.createSession = async (o, h): Promise<MediaSession> =>
    Object.assign(await create(o, h), {
      playSound: async (toward: 'sip' | 'browser', sound: { wav: Uint8Array; loop: boolean }) =>
        void injected.push({ callId: o.callId, bytes: sound.wav.length, loop: sound.loop, toward }),
    });
  const serverCalls = new ServerCalls({
    sip,
    media,
    sounds: new SoundLibrary(soundsDir),
    log,
    callIdInUse: (id) => [...sessions.values()].some((s) => s.calls.has(id)),
  });
  const app = Fastify();
  registerRestApi(app, { log, apiKey: opts.apiKey, sessions, serverCalls, registrar: opts.registrar });
  await app.ready();
  after(async () => {
    await serverCalls.close();
    await app.close();
  });
  const post = async (path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await app.inject({
      method: 'POST',
      url: `/rest-api${path}`,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { payload: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    // biome-ignore lint/suspicious/noExplicitAny: the test reads the answers' JSON freely and asserts on it
    return { status: res.statusCode, body: res.json() as Record<string, any>, headers: res.headers };
  };
  /** A browser's session (its messages recorded), connected and registered. */
  const browser = async () => {
    const out = new Recorder<ServerMessage>();
    const closed: number[] = [];
    const session = new Session({ send: (m) => out.push(m), close: (code) => closed.push(code) }, { sip, media, log });
    sessions.set(session.id, session);
    await session.receive({ type: 'connect', sipOptions: { login: '1001', password: 'pw', domain: '127.0.0.1' } });
    const account = sip.accounts.items.at(-1) as FakeSipAccount;
    const status = (s: string) =>
      out.waitFor((m) => m.type === 'call.status' && m.status === s, `browser sees call status ${s}`);
    return { session, out, closed, account, status };
  };
  return { app, sip, media, sessions, serverCalls, injected, post, browser };
}

describe('REST API: errors, API key, OpenAPI', () => {
  test('find_all answers 200 [] with no call, with or without a body', async () => {
    const t = await setup();
    assert.deepEqual((await t.post('/call/find_all')).body, []);
    assert.deepEqual((await t.post('/call/find_all', '')).body, []);
    assert.deepEqual((await t.post('/call/find_all', {})).body, []);
    const r = await t.post('/connection/find_all');
    assert.deepEqual([r.status, r.body], [200, []]);
  });

  test('invalid bodies answer 400 naming the field; never 500', async () => {
    const t = await setup();
    const cases: [string, unknown, string][] = [
      ['/call/find', { calee: '1002' }, 'calee'],
      ['/call/hold', {}, 'callId'],
      ['/call/hold', { callId: 'has space' }, 'callId'],
      ['/call/send_dtmf', { callId: 'c1', dtmf: '12x' }, 'dtmf'],
      ['/call/send_dtmf', { callId: 'c1', dtmf: '1', type: 'SMS' }, 'type'],
      ['/call/startup', { ...STARTUP, sipPort: '5060' }, 'sipPort'],
      ['/call/startup', { ...STARTUP, sound: { file: '../../etc/passwd' } }, 'sound.file'],
      ['/call/startup', { ...STARTUP, sound: { file: 'hello.wav', lop: true } }, 'sound.lop'],
      ['/call/startup', [1, 2], 'body'],
      ['/call/startup', '{"callee": ', 'body'],
      ['/call/startup', 'null', 'body'],
    ];
    for (const [path, body, field] of cases) {
      const r = await t.post(path, body);
      assert.equal(r.status, 400, `${path} ${JSON.stringify(body)}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error.code, 'REST_INVALID_BODY');
      assert.equal(r.body.error.field, field, JSON.stringify(r.body));
      assert.match(r.body.error.message, new RegExp(`^${field.replace('.', '\\.')}: `));
    }
    const big = await t.post('/call/find', { callee: 'x'.repeat(100_000) });
    assert.deepEqual([big.status, big.body.error.code], [413, 'REST_BODY_TOO_LARGE']);
    const res = await t.app.inject({
      method: 'POST',
      url: '/rest-api/call/find_all',
      headers: { 'content-type': 'text/plain' },
      payload: 'hi',
    });
    assert.deepEqual([res.statusCode, res.json().error.code], [415, 'REST_UNSUPPORTED_MEDIA_TYPE']);
    const unknown = await t.post('/call/nothing', {});
    assert.deepEqual([unknown.status, unknown.body.error.code], [404, 'REST_NOT_FOUND']);
  });

  test('with PARLEY_API_KEY, a request without "Authorization: Bearer <key>" gets 401', async () => {
    const t = await setup({ apiKey: 'the-api-key-1' });
    const none = await t.post('/call/find_all');
    assert.deepEqual([none.status, none.body.error.code], [401, 'REST_UNAUTHORIZED']);
    assert.equal(none.headers['www-authenticate'], 'Bearer realm="parley"');
    assert.equal((await t.post('/call/find_all', undefined, { authorization: 'Bearer the-api-key-2' })).status, 401);
    assert.equal((await t.post('/call/startup', STARTUP, { authorization: 'Basic x' })).status, 401);
    assert.equal(t.sip.accounts.items.length, 0, 'nothing is done for an unauthorized request');
    assert.equal((await t.post('/call/find_all', undefined, { authorization: 'Bearer the-api-key-1' })).status, 200);
    const doc = await t.app.inject({ method: 'GET', url: '/rest-api/openapi.json' });
    assert.equal(doc.statusCode, 401);
  });

  test('the OpenAPI document describes every endpoint with the schemas that validate it', async () => {
    const t = await setup();
    const res = await t.app.inject({ method: 'GET', url: '/rest-api/openapi.json' });
    assert.equal(res.statusCode, 200);
    const doc = res.json();
    assert.equal(doc.openapi, '3.1.0');
    const paths = Object.keys(doc.paths).sort();
    assert.deepEqual(paths, [
      '/rest-api/call/find',
      '/rest-api/call/find_all',
      '/rest-api/call/hold',
      '/rest-api/call/inject_sound',
      '/rest-api/call/send_dtmf',
      '/rest-api/call/startup',
      '/rest-api/call/terminate',
      '/rest-api/call/transfer',
      '/rest-api/call/unhold',
      '/rest-api/connection/find_all',
      '/rest-api/connection/terminate',
      '/rest-api/registrar/bindings',
    ]);
    const startup = doc.paths['/rest-api/call/startup'].post;
    const schema = startup.requestBody.content['application/json'].schema;
    assert.deepEqual(schema.required, ['callee', 'sipLogin', 'sipDomain']);
    assert.equal(schema.additionalProperties, false);
    assert.ok(startup.responses['409'], 'a duplicate callId is documented');
    assert.ok(doc.paths['/rest-api/call/find'].post.responses['404']);
  });
});

describe('REST API: calls a browser started', () => {
  test('hold, unhold, DTMF, transfer and terminate act on the call, and the browser sees each effect', async () => {
    const t = await setup();
    const b = await t.browser();
    await b.session.receive({ type: 'call.start', callId: 'c1', callee: '1002', sdp: 'browser-offer' });
    const invite = await b.account.invites.waitFor(() => true, 'INVITE');

    const ringing = await t.post('/call/inject_sound', { callId: 'c1', sound: { file: 'hello.wav' } });
    assert.deepEqual([ringing.status, ringing.body.error.code], [409, 'REST_CALL_STATE']);
    const early = await t.post('/call/hold', { callId: 'c1' });
    assert.deepEqual([early.status, early.body.error.code, early.body.error.field], [409, 'REST_CALL_STATE', 'callId']);

    invite.accept();
    await b.status('ESTABLISHED');
    const found = await t.post('/call/find', { callee: '1002', status: 'ESTABLISHED' });
    assert.equal(found.status, 200);
    assert.equal(found.body.length, 1);
    const view = found.body[0];
    assert.equal(view.callId, 'c1');
    assert.equal(view.sessionId, b.session.id);
    assert.equal(view.origin, 'browser');
    assert.equal(view.incoming, false);
    assert.equal(view.caller, '1001');
    assert.equal(view.sipStatus, 200);
    assert.match(view.startedAt, /^\d{4}-\d\d-\d\dT/);
    assert.match(view.establishedAt, /^\d{4}-\d\d-\d\dT/);
    assert.deepEqual(Object.keys(view).sort(), [
      'audioCodec',
      'callId',
      'callee',
      'caller',
      'establishedAt',
      'hasAudio',
      'hasVideo',
      'incoming',
      'origin',
      'sessionId',
      'sipReason',
      'sipStatus',
      'startedAt',
      'status',
      'videoCodec',
      'visibleName',
    ]);

    const held = await t.post('/call/hold', { callId: 'c1' });
    assert.deepEqual([held.status, held.body.status], [200, 'HOLD']);
    await b.status('HOLD');
    assert.deepEqual(invite.actions.items.at(-1), { kind: 'reinvite', sdp: 'rtp-reoffer a=sendonly' });
    assert.equal((await t.post('/call/unhold', { callId: 'c1' })).body.status, 'ESTABLISHED');

    assert.equal((await t.post('/call/send_dtmf', { callId: 'c1', dtmf: '12#' })).status, 200);
    assert.deepEqual(t.media.sessions.items[0]?.dtmfSent, ['12#']);
    assert.equal((await t.post('/call/send_dtmf', { callId: 'c1', dtmf: '5', type: 'INFO' })).status, 200);
    assert.deepEqual(invite.actions.items.at(-1), { kind: 'info', digit: '5' });

    const injected = await t.post('/call/inject_sound', {
      callId: 'c1',
      sound: { file: 'hello.wav' },
      toward: 'browser',
    });
    assert.equal(injected.status, 200);
    assert.deepEqual(t.injected[0], { callId: 'c1', bytes: 1644, loop: false, toward: 'browser' });
    const missing = await t.post('/call/inject_sound', { callId: 'c1', sound: { file: 'nope.wav' } });
    assert.deepEqual([missing.status, missing.body.error.field], [400, 'sound.file']);

    const bad = await t.post('/call/transfer', { callId: 'c1', target: 'not a uri' });
    assert.deepEqual([bad.status, bad.body.error.field], [400, 'target']);
    invite.referOutcome = { ok: false, status: 405, reason: 'Method Not Allowed' };
    const refused = await t.post('/call/transfer', { callId: 'c1', target: '1003' });
    assert.deepEqual(
      [refused.status, refused.body.error.code, refused.body.error.sipStatus],
      [502, 'REST_SIP_FAILED', 405],
    );
    invite.referOutcome = { ok: true, status: 202, reason: 'Accepted' };
    assert.equal((await t.post('/call/transfer', { callId: 'c1', target: '1003' })).status, 200);
    assert.deepEqual(invite.actions.items.at(-1), { kind: 'refer', target: '1003' });
    await b.out.waitFor((m) => m.type === 'call.transfer' && m.status === 'ACCEPTED', 'transfer progress');

    const ended = await t.post('/call/terminate', { callId: 'c1' });
    assert.deepEqual([ended.status, ended.body.status], [200, 'FINISH']);
    await b.status('FINISH');
    assert.equal((await t.post('/call/terminate', { callId: 'c1' })).status, 404);
    assert.equal((await t.post('/call/find', { callId: 'c1' })).status, 404);
    assert.deepEqual((await t.post('/call/find_all')).body, []);
  });

  test('connection/find_all lists the browser sessions; connection/terminate ends one', async () => {
    const t = await setup();
    const b = await t.browser();
    const list = await t.post('/connection/find_all');
    assert.deepEqual(
      list.body.map((c: { sessionId: string; status: string; login: string }) => [c.sessionId, c.status, c.login]),
      [[b.session.id, 'REGISTERED', '1001']],
    );
    const r = await t.post('/connection/terminate', { sessionId: b.session.id });
    assert.deepEqual([r.status, r.body.status], [200, 'DISCONNECTED']);
    assert.deepEqual(b.closed, [1000]);
    assert.ok(b.account.log.items.includes('CLOSE'), 'the SIP account is closed (registration removed)');
    // Listed no more at once, even while the session object waits for its socket to close.
    assert.deepEqual((await t.post('/connection/find_all')).body, []);
    const unknown = await t.post('/connection/terminate', { sessionId: 'nope' });
    assert.deepEqual([unknown.status, unknown.body.error.field], [404, 'sessionId']);
  });

  test('registrar/bindings lists the embedded registrar, 404 when it is off', async () => {
    const off = await setup();
    assert.deepEqual((await off.post('/registrar/bindings')).body.error.code, 'REST_NOT_AVAILABLE');
    const binding: BindingInfo = {
      user: '1001',
      aor: 'sip:1001@127.0.0.1',
      contact: 'sip:1001@127.0.0.1:5070',
      q: 1,
      expiresIn: 3600,
      callId: 'x',
      cseq: 1,
      transport: 'UDP',
      source: '127.0.0.1:5070',
      updatedAt: new Date(0).toISOString(),
    };
    const on = await setup({ registrar: { bindings: () => [binding] } });
    assert.deepEqual((await on.post('/registrar/bindings')).body, [binding]);
  });
});

describe('REST API: calls the server starts', () => {
  test('startup places the INVITE with the given account, and the call is steered like any other', async () => {
    const t = await setup();
    const r = await t.post('/call/startup', {
      ...STARTUP,
      callId: 'rest-1',
      sipAuthenticationName: 'auth1001',
      visibleName: 'Reminder',
      sipHeaders: { 'X-Campaign': '42' },
      sound: { file: 'hello.wav', loop: true },
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.callId, 'rest-1');
    assert.equal(r.body.origin, 'rest');
    assert.equal(r.body.callee, '1002');
    assert.equal(r.body.caller, '1001');
    const account = t.sip.accounts.items[0] as FakeSipAccount;
    assert.equal(account.options.authenticationName, 'auth1001');
    assert.equal(account.options.password, 'pw');
    assert.deepEqual(account.log.items, [], 'no REGISTER unless sipRegisterRequired');
    const invite = await account.invites.waitFor(() => true, 'INVITE');
    assert.equal(invite.request.target, '1002');
    assert.equal(invite.request.displayName, 'Reminder');
    assert.deepEqual(invite.request.headers, { 'X-Campaign': '42' });

    const dup = await t.post('/call/startup', { ...STARTUP, callId: 'rest-1' });
    assert.deepEqual([dup.status, dup.body.error.code, dup.body.error.field], [409, 'REST_DUPLICATE_CALL', 'callId']);

    assert.equal(t.injected.length, 0, 'silence until the callee answers');
    invite.accept();
    const est = await t.post('/call/find', { callId: 'rest-1', status: 'ESTABLISHED' });
    assert.equal(est.status, 200, JSON.stringify(est.body));
    assert.deepEqual(
      t.injected,
      [{ callId: 'rest-1', bytes: 1644, loop: true, toward: 'sip' }],
      'the sound once answered',
    );
    assert.equal((await t.post('/call/inject_sound', { callId: 'rest-1', sound: { file: 'hello.wav' } })).status, 200);
    assert.equal(t.injected.at(-1)?.loop, false);
    assert.equal((await t.post('/call/hold', { callId: 'rest-1' })).body.status, 'HOLD');
    assert.equal((await t.post('/call/send_dtmf', { callId: 'rest-1', dtmf: '9', type: 'INFO' })).status, 200);
    assert.deepEqual(invite.actions.items.at(-1), { kind: 'info', digit: '9' });
    assert.equal((await t.post('/call/transfer', { callId: 'rest-1', target: '1003' })).status, 200);
    assert.deepEqual(invite.actions.items.at(-1), { kind: 'refer', target: '1003' });
    const toBrowser = await t.post('/call/inject_sound', {
      callId: 'rest-1',
      sound: { file: 'hello.wav' },
      toward: 'browser',
    });
    assert.deepEqual([toBrowser.status, toBrowser.body.error.field], [400, 'toward']);
    invite.bye();
    await account.log.waitFor((l) => l === 'CLOSE', 'the account closed with the call');
    assert.deepEqual((await t.post('/call/find_all')).body, []);
  });

  test('startup refusals: bad account fields 400, REGISTER refused 502, a duplicate of a browser call 409', async () => {
    const t = await setup();
    const space = await t.post('/call/startup', { ...STARTUP, sipLogin: 'Ralf C12441' });
    assert.deepEqual([space.status, space.body.error.field], [400, 'sipLogin']);
    const callee = await t.post('/call/startup', { ...STARTUP, callee: '  ' });
    assert.deepEqual([callee.status, callee.body.error.field], [400, 'callee']);
    const video = await t.post('/call/startup', { ...STARTUP, hasVideo: true });
    assert.deepEqual([video.status, video.body.error.field], [400, 'hasVideo']);
    const nofile = await t.post('/call/startup', { ...STARTUP, sound: { file: 'missing.wav' } });
    assert.deepEqual([nofile.status, nofile.body.error.field], [400, 'sound.file']);
    const notWav = await t.post('/call/startup', { ...STARTUP, sound: { file: 'text.wav' } });
    assert.deepEqual([notWav.status, notWav.body.error.field], [400, 'sound.file'], JSON.stringify(notWav.body));
    assert.equal(t.sip.accounts.items.length, 0, 'nothing reaches SIP for a refused startup');

    t.sip.registerOutcome = { ok: false, status: 403, reason: 'Forbidden' };
    const reg = await t.post('/call/startup', { ...STARTUP, sipRegisterRequired: true });
    assert.deepEqual([reg.status, reg.body.error.code, reg.body.error.sipStatus], [502, 'REST_SIP_FAILED', 403]);
    assert.equal(t.serverCalls.has('x'), false);
    assert.deepEqual([...t.serverCalls.sessions()], [], 'the refused call leaves no session behind');

    t.sip.registerOutcome = { ok: true, status: 200, reason: 'OK' };
    const b = await t.browser();
    await b.session.receive({ type: 'call.start', callId: 'taken', callee: '1002', sdp: 'browser-offer' });
    const dup = await t.post('/call/startup', { ...STARTUP, callId: 'taken' });
    assert.equal(dup.status, 409);
  });
});

describe('REST API: the sounds folder', () => {
  test('a symbolic link that leads out of the folder is refused like a path with ..', async () => {
    const t = await setup();
    const outside = mkdtempSync(join(tmpdir(), 'parley-outside-'));
    after(() => rmSync(outside, { recursive: true, force: true }));
    writeFileSync(join(outside, 'secret.wav'), writeWav(new Int16Array(80), 8000));
    symlinkSync(join(outside, 'secret.wav'), join(soundsDir, 'link.wav'));
    const r = await t.post('/call/startup', { ...STARTUP, sound: { file: 'link.wav' } });
    assert.deepEqual([r.status, r.body.error.field], [400, 'sound.file'], JSON.stringify(r.body));
    assert.match(r.body.error.message, /inside the sounds folder/);
  });
});
