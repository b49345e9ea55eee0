// Service numbers through the whole server (`npm start`'s composition in src/server/main.ts): a Chromium page
// registers with the SDK at the embedded registrar, calls 600 and hears its own fake-microphone tone come back
// through Parley's media plane (browser ⇄ WebRTC leg ⇄ RTP leg ⇄ SIP ⇄ echo leg), then calls 601 and hears 440 Hz. The echo returns the page's camera too (frames decoded).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  detectToneInPage,
  framesDecodedInPage,
  freeSipPort,
  freeUdpRange,
  launchBrowser,
  withArtifacts,
} from '../harness/index.js';
import { ensureSdkBuilt, startServerProcess } from './server-support.js';

const CALL = (port: number, callee: string, video: boolean) => `(async () => {
  const P = await import('/sdk/parley.mjs');
  const session = window.session ?? await new Promise((resolve, reject) => {
    const s = P.createSession({ sipOptions: { login: '1001', password: 'pw1001', domain: '127.0.0.1', port: ${port} } });
    s.on(P.SESSION_STATUS.REGISTERED, () => resolve(s));
    s.on(P.SESSION_STATUS.FAILED, (i) => reject(new Error('FAILED ' + JSON.stringify(i))));
  });
  window.session = session;
  const call = session.createCall({ callee: '${callee}', constraints: { audio: true, video: ${video} } });
  window.call = call;
  window.remote = call.getRemoteMediaStream();
  await new Promise((resolve, reject) => {
    call.on(P.CALL_STATUS.ESTABLISHED, resolve);
    call.on(P.CALL_STATUS.FAILED, () => reject(new Error('FAILED ' + JSON.stringify(call.getInfo()))));
    call.call();
  });
  return call.status();
})()`;

test('a browser calls 600 and gets its own tone and video back, then 601 and hears 440 Hz', { timeout: 90_000 }, (t) =>
  withArtifacts(t, async (artifacts) => {
    ensureSdkBuilt();
    const port = await freeSipPort();
    const media = await freeUdpRange(100);
    const server = await startServerProcess({
      PARLEY_REGISTRAR: 'on',
      PARLEY_REGISTRAR_PORT: String(port),
      PARLEY_REGISTRAR_USERS: '1001:pw1001',
      PARLEY_MEDIA_PORTS: `${media.min}-${media.max}`,
    });
    artifacts.defer(async () => {
      assert.equal(await server.stop(), 0);
    });
    assert.match(server.output(), /call 600 for an echo, 601 for a tone/);
    const browser = await launchBrowser(artifacts, 'chromium', { toneHz: 660 });
    artifacts.defer(() => browser.close());
    await browser.page.goto(server.url.href);

    await browser.page.evaluate<string>(CALL(port, '600', true));
    const echo = await detectToneInPage(browser.page, 'window.remote', browser.micToneHz);
    assert.ok(echo.present, `600 returns the page's ${browser.micToneHz} Hz: ${JSON.stringify(echo)}`);
    const frames = (await framesDecodedInPage(browser.page)).frames;
    assert.ok(frames > 10, `600 returns the page's video: ${frames} frames decoded`);
    t.diagnostic(`echoed video frames decoded: ${frames}`);
    await browser.page.evaluate('window.call.hangup()');
    await browser.page.waitForFunction("window.call.status() === 'FINISH'", 10_000);

    await browser.page.evaluate<string>(CALL(port, '601', false));
    const tone = await detectToneInPage(browser.page, 'window.remote', 440);
    assert.ok(tone.present, `601 plays 440 Hz: ${JSON.stringify(tone)}`);
    await browser.page.evaluate('window.call.hangup()');
    await browser.page.waitForFunction("window.call.status() === 'FINISH'", 10_000);
  }),
);
