// The SDK in real browsers, loaded from the real server: the ES module and the global script, errors that
// name the field, a session established over the WebSocket and disconnected, and a call that cannot reach
// anyone ending FAILED with a SIP status instead of staying PENDING.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type BrowserKind, launchBrowser, withArtifacts } from '../harness/index.js';
import { ensureSdkBuilt, startServerProcess } from './server-support.js';

interface PageResult {
  globalParley: boolean;
  loginError: { field?: string; message?: string };
  seen: string[];
  sessionId: string;
  calleeError: { field?: string };
  callStatuses: string[];
  callInfo: { status: string; sipStatus?: number; sipReason?: string };
  finalStatus: string;
}

/** Runs in the page, served by Parley, with the SDK from /sdk/. */
const SDK_SCENARIO = `(async () => {
  const P = await import('/sdk/parley.mjs');
  const out = {};
  await new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = '/sdk/parley.js';
    s.onload = resolve;
    s.onerror = () => reject(new Error('parley.js did not load'));
    document.head.appendChild(s);
  });
  out.globalParley = typeof window.Parley?.createSession === 'function' && window.Parley.CALL_STATUS.RING_MEDIA === 'RING_MEDIA';
  try {
    P.createSession({ sipOptions: { login: 'Ralf C12441', password: 'demo', domain: '127.0.0.1' } });
  } catch (e) {
    out.loginError = { field: e.field, message: e.message };
  }
  const seen = [];
  const session = P.createSession({ sipOptions: { login: '1001', domain: '127.0.0.1', transport: 'tcp', registerRequired: false } });
  for (const st of Object.values(P.SESSION_STATUS)) if (st !== 'INCOMING_CALL') session.on(st, () => seen.push(st));
  await new Promise((resolve, reject) => {
    session.on(P.SESSION_STATUS.ESTABLISHED, resolve);
    session.on(P.SESSION_STATUS.FAILED, (i) => reject(new Error('session FAILED ' + JSON.stringify(i))));
  });
  out.sessionId = session.id();
  try { session.createCall({ callee: '  ' }); } catch (e) { out.calleeError = { field: e.field }; }
  // Nothing listens on this port: the call must end, with a SIP status, never stay PENDING.
  const call = session.createCall({ callee: 'sip:nobody@127.0.0.1:9', constraints: { audio: true, video: false } });
  out.callStatuses = [];
  const ended = new Promise((resolve) => {
    for (const st of Object.values(P.CALL_STATUS)) call.on(st, () => { out.callStatuses.push(st); if (['FAILED', 'FINISH', 'BUSY'].includes(st)) resolve(); });
  });
  call.call();
  await ended;
  out.callInfo = call.getInfo();
  const closed = new Promise((resolve) => session.on(P.SESSION_STATUS.DISCONNECTED, resolve));
  session.disconnect();
  await closed;
  out.seen = seen;
  out.finalStatus = session.status();
  return out;
})()`;

async function runIn(t: { name: string }, kind: BrowserKind): Promise<void> {
  await withArtifacts(t, async (artifacts) => {
    ensureSdkBuilt();
    const server = await startServerProcess({});
    artifacts.defer(async () => {
      assert.equal(await server.stop(), 0);
    });
    const browser = await launchBrowser(artifacts, kind);
    artifacts.defer(() => browser.close());
    await browser.page.goto(server.url.href);
    const r = await browser.page.evaluate<PageResult>(SDK_SCENARIO);
    assert.equal(r.globalParley, true, '/sdk/parley.js defines the global Parley');
    assert.equal(r.loginError.field, 'sipLogin');
    assert.match(r.loginError.message ?? '', /^sipLogin: must not contain spaces/);
    assert.match(r.sessionId, /^[0-9a-f-]{36}$/);
    assert.equal(r.calleeError.field, 'callee');
    assert.equal(r.callStatuses[0], 'PENDING');
    assert.equal(r.callStatuses.at(-1), 'FAILED', JSON.stringify(r));
    assert.equal(typeof r.callInfo.sipStatus, 'number', JSON.stringify(r.callInfo));
    assert.deepEqual(r.seen, ['CONNECTED', 'ESTABLISHED', 'DISCONNECTED']);
    assert.equal(r.finalStatus, 'DISCONNECTED');
  });
}

describe('SDK in browsers, served by the server', { timeout: 120_000 }, () => {
  test(
    'Chromium: SDK module and script, field errors, session up and down, an unreachable call FAILED',
    { timeout: 60_000 },
    (t) => runIn(t, 'chromium'),
  );
  test(
    'Firefox: SDK module and script, field errors, session up and down, an unreachable call FAILED',
    { timeout: 60_000 },
    (t) => runIn(t, 'firefox'),
  );
});
