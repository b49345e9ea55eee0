// `npm start` alone gives working calls (issue 7): the server starts its embedded registrar, two SDK sessions
// register to it and call each other through real SIP on loopback, media through Parley's media plane.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detectToneInPage, freeSipPort, freeUdpRange, launchBrowser, withArtifacts } from '../harness/index.js';
import { ensureSdkBuilt, startServerProcess } from './server-support.js';

const TWO_PHONES = (port: number) => `(async () => {
  const P = await import('/sdk/parley.mjs');
  const register = (login) => new Promise((resolve, reject) => {
    const s = P.createSession({ sipOptions: { login, password: 'pw' + login, domain: '127.0.0.1', port: ${port} } });
    s.on(P.SESSION_STATUS.REGISTERED, () => resolve(s));
    s.on(P.SESSION_STATUS.FAILED, (i) => reject(new Error(login + ' FAILED ' + JSON.stringify(i))));
  });
  const a = await register('1001');
  const b = await register('1002');
  const answered = new Promise((resolve) => b.on(P.SESSION_STATUS.INCOMING_CALL, (call) => {
    window.bCall = call;
    window.bStream = call.getRemoteMediaStream();
    call.on(P.CALL_STATUS.ESTABLISHED, () => resolve(call.caller()));
    call.answer({ constraints: { audio: true, video: false } });
  }));
  const call = a.createCall({ callee: '1002', constraints: { audio: true, video: false } });
  window.aCall = call;
  window.aStream = call.getRemoteMediaStream();
  const established = new Promise((resolve, reject) => {
    call.on(P.CALL_STATUS.ESTABLISHED, resolve);
    call.on(P.CALL_STATUS.FAILED, () => reject(new Error('FAILED ' + JSON.stringify(call.getInfo()))));
  });
  call.call();
  const [, caller] = await Promise.all([established, answered]);
  return caller;
})()`;

test(
  'two SDK sessions register at the embedded registrar and call each other, tones both ways',
  { timeout: 90_000 },
  (t) =>
    withArtifacts(t, async (artifacts) => {
      ensureSdkBuilt();
      const port = await freeSipPort();
      const media = await freeUdpRange(100);
      const server = await startServerProcess({
        PARLEY_REGISTRAR: 'on',
        PARLEY_REGISTRAR_PORT: String(port),
        PARLEY_REGISTRAR_USERS: '1001:pw1001,1002:pw1002',
        PARLEY_MEDIA_PORTS: `${media.min}-${media.max}`,
      });
      artifacts.defer(async () => {
        assert.equal(await server.stop(), 0);
      });
      assert.match(server.output(), new RegExp(`Embedded SIP registrar: domain 127\\.0\\.0\\.1, port ${port} `));
      assert.ok(!server.output().includes('pw1001'), 'configured passwords are never printed');
      const browser = await launchBrowser(artifacts, 'chromium');
      artifacts.defer(() => browser.close());
      await browser.page.goto(server.url.href);
      assert.equal(await browser.page.evaluate<string>(TWO_PHONES(port)), '1001');
      for (const stream of ['window.aStream', 'window.bStream']) {
        const heard = await detectToneInPage(browser.page, stream, browser.micToneHz);
        assert.ok(
          heard.present,
          `${stream} carries the other phone's ${browser.micToneHz} Hz: ${JSON.stringify(heard)}`,
        );
      }
      await browser.page.evaluate('window.aCall.hangup()');
      await browser.page.waitForFunction("window.bCall.status() === 'FINISH'", 10_000);
    }),
);
