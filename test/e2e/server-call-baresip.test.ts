// The mission's main path, end to end: a page served by Parley registers a SIP account at Kamailio through
// the SDK, calls baresip, both sides hear the other's tone, and the browser's hangup reaches baresip as BYE;
// then baresip calls the browser, which answers.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import {
  Baresip,
  BaresipEvents,
  detectTone,
  detectToneInPage,
  freeUdpRange,
  launchBrowser,
  startKamailio,
  withArtifacts,
} from '../harness/index.js';
import { ensureSdkBuilt, startServerProcess } from './server-support.js';

const BROWSER_HZ = 660;
const BARESIP_HZ = 880;

/** In the page: register 1001 and keep the session and calls on window for the test to drive. */
const REGISTER = (domain: string) => `(async () => {
  const P = await import('/sdk/parley.mjs');
  window.P = P;
  window.events = [];
  const session = P.createSession({ sipOptions: { login: '1001', password: 'pw1001', domain: '${domain}' } });
  window.session = session;
  session.on(P.SESSION_STATUS.INCOMING_CALL, (call) => {
    window.incoming = call;
    for (const st of Object.values(P.CALL_STATUS)) call.on(st, () => window.events.push('in:' + st));
  });
  await new Promise((resolve, reject) => {
    session.on(P.SESSION_STATUS.REGISTERED, resolve);
    session.on(P.SESSION_STATUS.FAILED, (i) => reject(new Error('FAILED ' + JSON.stringify(i))));
  });
  return session.status();
})()`;

const CALL_1002 = `(async () => {
  const P = window.P;
  const call = window.session.createCall({ callee: '1002', constraints: { audio: true, video: false } });
  window.call = call;
  window.remoteStream = call.getRemoteMediaStream();
  const started = performance.now();
  const established = new Promise((resolve, reject) => {
    for (const st of Object.values(P.CALL_STATUS)) call.on(st, () => window.events.push('out:' + st));
    call.on(P.CALL_STATUS.ESTABLISHED, resolve);
    call.on(P.CALL_STATUS.FAILED, () => reject(new Error('FAILED ' + JSON.stringify(call.getInfo()))));
    call.on(P.CALL_STATUS.BUSY, () => reject(new Error('BUSY')));
  });
  call.call();
  await established;
  return { status: call.status(), setupMs: Math.round(performance.now() - started) };
})()`;

describe('a browser calls baresip through Parley and Kamailio', { timeout: 180_000 }, () => {
  test(
    'Chromium: register, call, tones both ways, hangup reaches baresip; then an incoming call answered',
    { timeout: 120_000 },
    (t) =>
      withArtifacts(t, async (artifacts) => {
        ensureSdkBuilt();
        const kamailio = await startKamailio(artifacts, {
          users: [
            { user: '1001', password: 'pw1001' },
            { user: '1002', password: 'pw1002' },
          ],
        });
        artifacts.defer(() => kamailio.stop());
        const bob = new Baresip(artifacts, {
          user: '1002',
          password: 'pw1002',
          registrar: kamailio,
          toneHz: BARESIP_HZ,
          answerMode: 'auto',
        });
        artifacts.defer(() => bob.stop());
        await bob.start();
        const media = await freeUdpRange(200);
        const server = await startServerProcess({
          PARLEY_MEDIA_PORTS: `${media.min}-${media.max}`,
          PARLEY_LOG_LEVEL: 'debug',
        });
        artifacts.defer(async () => {
          assert.equal(await server.stop(), 0);
        });
        artifacts.defer(() => writeFileSync(artifacts.path('parley.log'), server.output()));
        const browser = await launchBrowser(artifacts, 'chromium', { toneHz: BROWSER_HZ });
        artifacts.defer(() => browser.close());
        await browser.page.goto(server.url.href);

        assert.equal(await browser.page.evaluate<string>(REGISTER(kamailio.domain)), 'REGISTERED');
        const call = await browser.page.evaluate<{ status: string; setupMs: number }>(CALL_1002);
        assert.equal(call.status, 'ESTABLISHED');
        await bob.waitFor(BaresipEvents.established, 10_000);

        const heard = await detectToneInPage(browser.page, 'window.remoteStream', BARESIP_HZ);
        assert.ok(heard.present, `the browser hears baresip's ${BARESIP_HZ} Hz: ${JSON.stringify(heard)}`);
        const recording = await bob.waitForReceivedAudio(1500, 15_000);
        const bobHeard = detectTone(recording, BROWSER_HZ);
        assert.ok(bobHeard.present, `baresip hears the browser's ${BROWSER_HZ} Hz: ${JSON.stringify(bobHeard)}`);

        await browser.page.evaluate('window.call.hangup()');
        await bob.waitFor(BaresipEvents.closed, 10_000);
        await browser.page.waitForFunction("window.events.includes('out:FINISH')", 10_000);

        // Now baresip calls the browser, which answers.
        const since = bob.events.length;
        await bob.dial(kamailio.aor('1001'));
        await browser.page.waitForFunction('window.incoming !== undefined', 10_000);
        await browser.page.evaluate(
          `window.incoming.answer({ constraints: { audio: true, video: false } }); window.remoteStream = window.incoming.getRemoteMediaStream();`,
        );
        await browser.page.waitForFunction("window.events.includes('in:ESTABLISHED')", 10_000);
        await bob.waitFor(BaresipEvents.established, 10_000, 'incoming call established', since);
        const heardIn = await detectToneInPage(browser.page, 'window.remoteStream', BARESIP_HZ);
        assert.ok(heardIn.present, `incoming: the browser hears ${BARESIP_HZ} Hz: ${JSON.stringify(heardIn)}`);
        await bob.hangup();
        await browser.page.waitForFunction("window.events.includes('in:FINISH')", 10_000);
        t.diagnostic(`call setup from call() to ESTABLISHED: ${call.setupMs} ms`);
      }),
  );
});
