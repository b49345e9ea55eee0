// `npm start` alone gives working calls (issue 7), with the peers a person evaluating Parley would use: the real
// server runs its embedded registrar; a Chromium page (1001) and a Firefox page (1002) call each other with audio
// and video, then baresip (1003) registers at the same registrar, calls the Chromium page and is called by it.
// Every call goes through real SIP on loopback (the registrar's proxy) and Parley's media plane.
import assert from 'node:assert/strict';
import { watch, writeFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import {
  type Artifacts,
  Baresip,
  BaresipEvents,
  type BrowserKind,
  detectTone,
  detectToneInPage,
  FIREFOX_FAKE_MIC_HZ,
  framesDecodedInPage,
  freeSipPort,
  freeUdpRange,
  LOOPBACK,
  launchBrowser,
  type PageLike,
  withArtifacts,
  withTimeout,
} from '../harness/index.js';
import { ensureSdkBuilt, startServerProcess } from './server-support.js';

/** Chromium's fake microphone: far from Firefox's 1000 Hz and from baresip's tone. */
const CHROMIUM_HZ = 660;
const BARESIP_HZ = 440;
const EVENT_MS = 10_000;
const AUDIO = { audio: true, video: false };
const VIDEO = { audio: true, video: { width: 320, height: 240 } };

/** The server with its embedded registrar on a free port, users 1001-1003 (password pw + user). */
async function startParley(artifacts: Artifacts) {
  ensureSdkBuilt();
  const port = await freeSipPort();
  const media = await freeUdpRange(100);
  const server = await startServerProcess({
    PARLEY_REGISTRAR: 'on',
    PARLEY_REGISTRAR_PORT: String(port),
    PARLEY_REGISTRAR_USERS: '1001:pw1001,1002:pw1002,1003:pw1003',
    PARLEY_MEDIA_PORTS: `${media.min}-${media.max}`,
  });
  artifacts.defer(async () => {
    assert.equal(await server.stop(), 0);
  });
  artifacts.defer(() => writeFileSync(artifacts.path('parley.log'), server.output()));
  const registrar = { host: LOOPBACK, port, domain: `${LOOPBACK}:${port}` };
  return { server, registrar };
}

/**
 * In the page: registers `login` at the embedded registrar through Parley and answers every incoming call with
 * `answer` constraints. The current call is window.call, its remote stream window.remoteStream; every status
 * goes to window.events as "in:STATUS" or "out:STATUS".
 */
const REGISTER = (port: number, login: string, answer: object) => `(async () => {
  const P = await import('/sdk/parley.mjs');
  window.P = P;
  window.events = [];
  window.track = (call, dir) => {
    window.call = call;
    window.remoteStream = call.getRemoteMediaStream();
    for (const st of Object.values(P.CALL_STATUS)) call.on(st, () => window.events.push(dir + ':' + st));
  };
  window.session = await new Promise((resolve, reject) => {
    const s = P.createSession({ sipOptions: { login: '${login}', password: 'pw${login}', domain: '127.0.0.1', port: ${port} } });
    s.on(P.SESSION_STATUS.REGISTERED, () => resolve(s));
    s.on(P.SESSION_STATUS.FAILED, (i) => reject(new Error('${login} FAILED ' + JSON.stringify(i))));
  });
  window.session.on(P.SESSION_STATUS.INCOMING_CALL, (call) => {
    window.track(call, 'in');
    call.answer({ constraints: ${JSON.stringify(answer)}, remoteVideoDisplay: document.body, localVideoDisplay: document.body });
  });
})()`;

/** In the page: calls `callee`; resolves with the first of ESTABLISHED, FAILED, BUSY, FINISH. */
const CALL = (callee: string, constraints: object) => `(async () => {
  const call = window.session.createCall({
    callee: '${callee}',
    constraints: ${JSON.stringify(constraints)},
    remoteVideoDisplay: document.body,
    localVideoDisplay: document.body,
  });
  window.track(call, 'out');
  const settled = new Promise((resolve) => {
    for (const st of ['ESTABLISHED', 'FAILED', 'BUSY', 'FINISH']) call.on(st, () => resolve(st + ' ' + JSON.stringify(call.getInfo())));
  });
  call.call();
  return await settled;
})()`;

async function openPage(
  artifacts: Artifacts,
  kind: BrowserKind,
  url: URL,
  port: number,
  login: string,
  answer: object,
) {
  const browser = await launchBrowser(artifacts, kind, { toneHz: CHROMIUM_HZ });
  artifacts.defer(() => browser.close());
  await browser.page.goto(url.href);
  await browser.page.evaluate(REGISTER(port, login, answer));
  return browser.page;
}

/** Whether the page hears `hz` on the current call: 1.5 s windows until heard or 8 s have passed (playout starts a moment after ESTABLISHED). */
async function pageHears(page: PageLike, hz: number) {
  const deadline = Date.now() + 8000;
  for (;;) {
    const r = await detectToneInPage(page, 'window.remoteStream', hz);
    if (r.present || Date.now() > deadline) return r;
  }
}

/** Resolves once baresip records a call's received audio in a file other than `previous` (inotify, no polling). */
async function nextRecording(phone: Baresip, previous: string | undefined): Promise<void> {
  if (phone.recordingPath !== previous) return;
  const watcher = watch(phone.recordingDir);
  try {
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        watcher.on('error', reject);
        watcher.on('change', () => {
          if (phone.recordingPath !== previous) resolve();
        });
      }),
      EVENT_MS,
      `${phone.name}: a new recording`,
    );
  } finally {
    watcher.close();
  }
}

/** What baresip hears on its current call: the tone in its newest recording once it holds 1.5 s. */
async function baresipHears(phone: Baresip, previous: string | undefined, hz: number) {
  await nextRecording(phone, previous);
  const path = await phone.waitForReceivedAudio(1500, EVENT_MS);
  return { path, heard: detectTone(path, hz) };
}

describe('calls through the server with its embedded registrar', { timeout: 120_000 }, () => {
  test(
    'Chromium (1001) calls Firefox (1002) with video: tones both ways, frames decoded, both FINISH',
    { timeout: 60_000 },
    (t) =>
      withArtifacts(t, async (artifacts) => {
        const { server, registrar } = await startParley(artifacts);
        const chromium = await openPage(artifacts, 'chromium', server.url, registrar.port, '1001', VIDEO);
        const firefox = await openPage(artifacts, 'firefox', server.url, registrar.port, '1002', VIDEO);
        assert.match(await chromium.evaluate<string>(CALL('1002', VIDEO)), /^ESTABLISHED /);
        await firefox.waitForFunction("window.events.includes('in:ESTABLISHED')", EVENT_MS);
        assert.equal(await chromium.evaluate('window.call.hasVideo()'), true);
        assert.equal(await firefox.evaluate('window.call.hasVideo()'), true);
        assert.equal(await firefox.evaluate('window.call.caller()'), '1001');

        const atFirefox = await pageHears(firefox, CHROMIUM_HZ);
        const atChromium = await pageHears(chromium, FIREFOX_FAKE_MIC_HZ);
        assert.ok(atFirefox.present, `Firefox hears Chromium's ${CHROMIUM_HZ} Hz: ${JSON.stringify(atFirefox)}`);
        assert.ok(
          atChromium.present,
          `Chromium hears Firefox's ${FIREFOX_FAKE_MIC_HZ} Hz: ${JSON.stringify(atChromium)}`,
        );
        const toFirefox = (await framesDecodedInPage(firefox)).frames;
        const toChromium = (await framesDecodedInPage(chromium)).frames;
        t.diagnostic(`video frames decoded: Chromium ${toChromium}, Firefox ${toFirefox}`);
        assert.ok(toFirefox > 10, `Firefox decoded ${toFirefox} video frames`);
        assert.ok(toChromium > 10, `Chromium decoded ${toChromium} video frames`);

        await chromium.evaluate('window.call.hangup()');
        await chromium.waitForFunction("window.call.status() === 'FINISH'", EVENT_MS);
        await firefox.waitForFunction("window.call.status() === 'FINISH'", EVENT_MS);
      }),
  );

  test(
    'baresip (1003) calls the Chromium page (1001), then the page calls baresip: tones both ways',
    { timeout: 60_000 },
    (t) =>
      withArtifacts(t, async (artifacts) => {
        const { server, registrar } = await startParley(artifacts);
        const page = await openPage(artifacts, 'chromium', server.url, registrar.port, '1001', AUDIO);
        const phone = new Baresip(artifacts, {
          user: '1003',
          password: 'pw1003',
          registrar,
          toneHz: BARESIP_HZ,
          answerMode: 'auto',
        });
        artifacts.defer(() => phone.stop());
        await phone.start();

        // baresip calls the page, the page answers; the page hangs up.
        let since = phone.events.length;
        await phone.dial(`sip:1001@${registrar.domain}`);
        await page.waitForFunction("window.events.includes('in:ESTABLISHED')", EVENT_MS);
        await phone.waitFor(BaresipEvents.established, EVENT_MS, 'CALL_ESTABLISHED (baresip calls)', since);
        assert.equal(await page.evaluate('window.call.caller()'), '1003');
        const inHeard = await pageHears(page, BARESIP_HZ);
        assert.ok(inHeard.present, `the page hears baresip's ${BARESIP_HZ} Hz: ${JSON.stringify(inHeard)}`);
        const first = await baresipHears(phone, undefined, CHROMIUM_HZ);
        assert.ok(first.heard.present, `baresip hears the page's ${CHROMIUM_HZ} Hz: ${JSON.stringify(first.heard)}`);
        await page.evaluate('window.call.hangup()');
        await phone.waitFor(BaresipEvents.closed, EVENT_MS, 'CALL_CLOSED (the page hung up)', since);
        await page.waitForFunction("window.events.includes('in:FINISH')", EVENT_MS);

        // The page calls baresip, which answers at once; baresip hangs up.
        since = phone.events.length;
        assert.match(await page.evaluate<string>(CALL('1003', AUDIO)), /^ESTABLISHED /);
        await phone.waitFor(BaresipEvents.established, EVENT_MS, 'CALL_ESTABLISHED (the page calls)', since);
        const outHeard = await pageHears(page, BARESIP_HZ);
        assert.ok(outHeard.present, `the page hears baresip's ${BARESIP_HZ} Hz: ${JSON.stringify(outHeard)}`);
        const second = await baresipHears(phone, first.path, CHROMIUM_HZ);
        assert.notEqual(second.path, first.path);
        assert.ok(second.heard.present, `baresip hears the page's ${CHROMIUM_HZ} Hz: ${JSON.stringify(second.heard)}`);
        await phone.hangup();
        await phone.waitFor(BaresipEvents.closed, EVENT_MS, 'CALL_CLOSED (baresip hung up)', since);
        await page.waitForFunction("window.events.includes('out:FINISH')", EVENT_MS);
        assert.equal(await page.evaluate('window.call.status()'), 'FINISH');
      }),
  );
});
