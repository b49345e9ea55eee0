// The REST API on a call a browser started (Chromium, the SDK served by the server, Kamailio, baresip): the
// backend finds the call and the session, holds and resumes it, plays a WAV to the browser, and transfers the
// far phone to a third one; the browser sees HOLD, hears the WAV, gets the transfer's progress and FINISH.
// Then the backend ends the browser's session.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import {
  Baresip,
  BaresipEvents,
  detectToneInPage,
  freeUdpRange,
  launchBrowser,
  startKamailio,
  withArtifacts,
  writeToneWav,
} from '../harness/index.js';
import { ensureSdkBuilt, startServerProcess } from './server-support.js';

const API_KEY = 'rest-browser-key-0123456789';
const BOB_HZ = 880;
const WAV_HZ = 1200;

/** In the page: register 1001, call 1002, record every status and transfer event; resolves at ESTABLISHED. */
const REGISTER_AND_CALL = (domain: string) => `(async () => {
  const P = await import('/sdk/parley.mjs');
  window.events = [];
  const session = P.createSession({ sipOptions: { login: '1001', password: 'pw1001', domain: '${domain}' } });
  window.session = session;
  for (const st of ['REGISTERED', 'FAILED', 'DISCONNECTED']) session.on(st, () => window.events.push('session:' + st));
  await new Promise((resolve, reject) => {
    session.on('REGISTERED', resolve);
    session.on('FAILED', (i) => reject(new Error('FAILED ' + JSON.stringify(i))));
  });
  const call = session.createCall({ callee: '1002', constraints: { audio: true, video: false } });
  window.call = call;
  window.remoteStream = call.getRemoteMediaStream();
  for (const st of Object.values(P.CALL_STATUS)) call.on(st, () => window.events.push(st));
  for (const s of ['ACCEPTED', 'PROGRESS', 'SUCCEEDED', 'FAILED']) call.on('TRANSFER_' + s, () => window.events.push('TRANSFER_' + s));
  const settled = new Promise((resolve) => { for (const st of ['ESTABLISHED', 'FAILED', 'BUSY', 'FINISH']) call.on(st, () => resolve(st)); });
  call.call();
  return { status: await settled, callId: call.id(), sessionId: session.id() };
})()`;

describe('REST API on a call a browser started (Chromium)', { timeout: 150_000 }, () => {
  test(
    'hold, a WAV to the browser, and a transfer by REST; the browser sees each; the backend ends the session',
    { timeout: 120_000 },
    (t) =>
      withArtifacts(t, async (artifacts) => {
        ensureSdkBuilt();
        const kamailio = await startKamailio(artifacts, {
          users: [
            { user: '1001', password: 'pw1001' },
            { user: '1002', password: 'pw1002' },
            { user: '1003', password: 'pw1003' },
          ],
        });
        artifacts.defer(() => kamailio.stop());
        const phone = async (user: string, toneHz: number) => {
          const b = new Baresip(artifacts, {
            user,
            password: `pw${user}`,
            registrar: kamailio,
            toneHz,
            answerMode: 'auto',
          });
          artifacts.defer(() => b.stop());
          await b.start();
          return b;
        };
        const bob = await phone('1002', BOB_HZ);
        const carol = await phone('1003', 440);
        const sounds = artifacts.subdir('sounds');
        writeToneWav(`${sounds}/prompt.wav`, { freqHz: WAV_HZ, durationSec: 1, sampleRate: 8000 });
        const media = await freeUdpRange(200);
        const server = await startServerProcess({
          PARLEY_MEDIA_PORTS: `${media.min}-${media.max}`,
          PARLEY_SIP_PORT: '0',
          PARLEY_API_KEY: API_KEY,
          PARLEY_SOUNDS_DIR: sounds,
          PARLEY_LOG_LEVEL: 'debug',
        });
        artifacts.defer(async () => {
          assert.equal(await server.stop(), 0);
        });
        artifacts.defer(() => writeFileSync(artifacts.path('parley.log'), server.output()));
        const rest = async (path: string, body: unknown = {}) => {
          const res = await fetch(new URL(`/rest-api${path}`, server.url), {
            method: 'POST',
            headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
            body: JSON.stringify(body),
          });
          // biome-ignore lint/suspicious/noExplicitAny: the test reads the answers' JSON freely and asserts on it
          return { status: res.status, body: (await res.json()) as any };
        };
        const browser = await launchBrowser(artifacts, 'chromium');
        artifacts.defer(() => browser.close());
        const page = browser.page;
        await page.goto(server.url.href);
        const started = await page.evaluate<{ status: string; callId: string; sessionId: string }>(
          REGISTER_AND_CALL(kamailio.domain),
        );
        assert.equal(started.status, 'ESTABLISHED');
        await bob.waitFor(BaresipEvents.established, 10_000);

        const calls = await rest('/call/find_all');
        assert.equal(calls.body.length, 1);
        assert.deepEqual(
          [
            calls.body[0].callId,
            calls.body[0].sessionId,
            calls.body[0].origin,
            calls.body[0].status,
            calls.body[0].callee,
          ],
          [started.callId, started.sessionId, 'browser', 'ESTABLISHED', '1002'],
        );
        const connections = await rest('/connection/find_all');
        assert.deepEqual(
          connections.body.map((c: { sessionId: string; status: string }) => [c.sessionId, c.status]),
          [[started.sessionId, 'REGISTERED']],
        );

        let since = bob.events.length;
        const held = await rest('/call/hold', { callId: started.callId });
        assert.deepEqual([held.status, held.body.status], [200, 'HOLD']);
        await page.waitForFunction("window.events.includes('HOLD')", 10_000);
        await bob.waitFor(BaresipEvents.remoteOffer, 10_000, 're-INVITE for hold', since);
        since = bob.events.length;
        assert.equal((await rest('/call/unhold', { callId: started.callId })).body.status, 'ESTABLISHED');
        await page.waitForFunction("window.events.filter((e) => e === 'ESTABLISHED').length === 2", 10_000);
        await bob.waitFor(BaresipEvents.remoteOffer, 10_000, 're-INVITE for unhold', since);

        const injected = await rest('/call/inject_sound', {
          callId: started.callId,
          sound: { file: 'prompt.wav', loop: true },
          toward: 'browser',
        });
        assert.equal(injected.status, 200, JSON.stringify(injected.body));
        const heard = await detectToneInPage(page, 'window.remoteStream', WAV_HZ);
        assert.ok(heard.present, `the browser hears the injected ${WAV_HZ} Hz WAV: ${JSON.stringify(heard)}`);

        const transferred = await rest('/call/transfer', { callId: started.callId, target: '1003' });
        assert.equal(transferred.status, 200, JSON.stringify(transferred.body));
        await carol.waitFor(BaresipEvents.established, 15_000, 'the far phone is sent to the third one');
        await page.waitForFunction("window.events.includes('FINISH')", 15_000);
        const events = await page.evaluate<string[]>('window.events');
        assert.ok(events.includes('TRANSFER_ACCEPTED'), JSON.stringify(events));
        assert.ok(events.includes('TRANSFER_SUCCEEDED'), JSON.stringify(events));
        assert.deepEqual(await rest('/call/find_all'), { status: 200, body: [] });

        const ended = await rest('/connection/terminate', { sessionId: started.sessionId });
        assert.deepEqual([ended.status, ended.body.status], [200, 'DISCONNECTED']);
        await page.waitForFunction("window.events.includes('session:DISCONNECTED')", 10_000);
        assert.deepEqual((await rest('/connection/find_all')).body, []);
      }),
  );
});
