// Video calls with Firefox ESR on one end, through Parley and Kamailio: a Chromium page (1001) and a
// Firefox page (1003), each an SDK session of its own. Firefox ESR here has no OpenH264 plugin, so it
// decodes VP8 and refuses H.264-only video (m=video 0 in its answer); its SDK offers under max-bundle
// mark the video section port 0 + a=bundle-only. Both used to end the call (MEDIA_ICE_FAILED, 480).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import {
  type Artifacts,
  type BrowserSession,
  detectToneInPage,
  FIREFOX_FAKE_MIC_HZ,
  framesDecodedInPage,
  freeUdpRange,
  launchBrowser,
  startKamailio,
  withArtifacts,
} from '../harness/index.js';
import { ensureSdkBuilt, startServerProcess } from './server-support.js';

const CHROMIUM_HZ = 660;

/** In the page: record every description the page's peer connections take (what the browser saw). */
const RECORD_SDP = `(() => {
  window.sdp = { local: [], remote: [] };
  const P = RTCPeerConnection.prototype;
  const setLocal = P.setLocalDescription;
  const setRemote = P.setRemoteDescription;
  P.setLocalDescription = async function (d) {
    const r = await setLocal.apply(this, arguments);
    window.sdp.local.push(this.localDescription.sdp);
    return r;
  };
  P.setRemoteDescription = function (d) {
    window.sdp.remote.push(d.sdp);
    return setRemote.apply(this, arguments);
  };
})()`;

/** In the Chromium page: the SDK's video transceiver offers H.264 only (RTCRtpTransceiver.setCodecPreferences). */
const H264_ONLY = `(() => {
  const addTrack = RTCPeerConnection.prototype.addTrack;
  RTCPeerConnection.prototype.addTrack = function (track, ...streams) {
    const sender = addTrack.call(this, track, ...streams);
    if (track.kind === 'video') {
      const h264 = RTCRtpReceiver.getCapabilities('video').codecs.filter((c) => c.mimeType === 'video/H264');
      this.getTransceivers().find((t) => t.sender === sender).setCodecPreferences(h264);
    }
    return sender;
  };
})()`;

/** Registers `login` and answers incoming calls with camera and microphone; the call goes to window.call. */
const REGISTER = (domain: string, login: string) => `(async () => {
  const P = await import('/sdk/parley.mjs');
  window.P = P;
  window.session = await new Promise((resolve, reject) => {
    const s = P.createSession({ sipOptions: { login: '${login}', password: 'pw${login}', domain: '${domain}' } });
    s.on(P.SESSION_STATUS.REGISTERED, () => resolve(s));
    s.on(P.SESSION_STATUS.FAILED, (i) => reject(new Error('${login} FAILED ' + JSON.stringify(i))));
  });
  window.established = new Promise((resolve, reject) => {
    window.session.on(P.SESSION_STATUS.INCOMING_CALL, (call) => {
      window.call = call;
      window.remoteStream = call.getRemoteMediaStream();
      call.on(P.CALL_STATUS.ESTABLISHED, () => resolve('ESTABLISHED'));
      call.on(P.CALL_STATUS.FAILED, () => reject(new Error('callee FAILED ' + JSON.stringify(call.getInfo()))));
      call.answer({ constraints: VIDEO, remoteVideoDisplay: document.body, localVideoDisplay: document.body });
    });
  });
  const VIDEO = { audio: true, video: { width: 320, height: 240 } };
})()`;

/** Calls `callee` with video; resolves ESTABLISHED or rejects with the failure. */
const CALL = (callee: string) => `(async () => {
  const P = window.P;
  const call = window.session.createCall({
    callee: '${callee}',
    constraints: { audio: true, video: { width: 320, height: 240 } },
    remoteVideoDisplay: document.body,
    localVideoDisplay: document.body,
  });
  window.call = call;
  window.remoteStream = call.getRemoteMediaStream();
  window.established = new Promise((resolve, reject) => {
    call.on(P.CALL_STATUS.ESTABLISHED, () => resolve('ESTABLISHED'));
    call.on(P.CALL_STATUS.FAILED, () => reject(new Error('caller FAILED ' + JSON.stringify(call.getInfo()))));
  });
  call.call();
})()`;

/** Waits for window.established (15 s at most: then it says where the call stands). */
const ESTABLISHED = `Promise.race([
  window.established,
  new Promise((_, reject) => setTimeout(() => reject(new Error('not established in 15 s: ' + window.call?.status())), 15000)),
])`;

/** Resolves once the call's received audio has a level (Firefox starts playing a moment after ESTABLISHED). */
const AUDIO_IN = `(async () => {
  const deadline = performance.now() + 10000;
  for (;;) {
    let level = 0;
    (await window.call.getStats()).forEach((s) => {
      if (s.type === 'inbound-rtp' && s.kind === 'audio') level = Math.max(level, s.audioLevel ?? 0);
    });
    if (level > 0) return level;
    if (performance.now() > deadline) throw new Error('no audio received in 10 s');
    await new Promise((r) => setTimeout(r, 100)); // getStats has no change event: read it every 100 ms
  }
})()`;

/** The m= lines of the last description of one direction, as "kind port". */
const M_LINES = (which: 'local' | 'remote') =>
  `(window.sdp.${which}.at(-1) ?? '').split('\\r\\n').filter((l) => l.startsWith('m=')).map((l) => l.slice(2).split(' ').slice(0, 2).join(' '))`;

async function setUp(artifacts: Artifacts, chromiumScript?: string) {
  ensureSdkBuilt();
  const kamailio = await startKamailio(artifacts, {
    users: [
      { user: '1001', password: 'pw1001' },
      { user: '1003', password: 'pw1003' },
    ],
  });
  artifacts.defer(() => kamailio.stop());
  const media = await freeUdpRange(200);
  const server = await startServerProcess({ PARLEY_MEDIA_PORTS: `${media.min}-${media.max}` });
  artifacts.defer(async () => {
    assert.equal(await server.stop(), 0);
  });
  artifacts.defer(() => writeFileSync(artifacts.path('parley.log'), server.output()));
  const open = async (kind: 'chromium' | 'firefox', login: string, script?: string): Promise<BrowserSession> => {
    const b = await launchBrowser(artifacts, kind, { toneHz: CHROMIUM_HZ });
    artifacts.defer(() => b.close());
    await b.page.goto(server.url.href);
    await b.page.evaluate(RECORD_SDP);
    if (script !== undefined) await b.page.evaluate(script);
    await b.page.evaluate(REGISTER(kamailio.domain, login));
    return b;
  };
  const chromium = await open('chromium', '1001', chromiumScript);
  const firefox = await open('firefox', '1003');
  return { server, chromium: chromium.page, firefox: firefox.page };
}

describe('video calls with Firefox ESR through Parley and Kamailio', { timeout: 180_000 }, () => {
  test('Chromium calls Firefox with video: VP8 is chosen, frames decoded on both sides', { timeout: 90_000 }, (t) =>
    withArtifacts(t, async (artifacts) => {
      const { chromium, firefox } = await setUp(artifacts);
      await chromium.evaluate(CALL('1003'));
      assert.equal(await firefox.evaluate(ESTABLISHED), 'ESTABLISHED');
      assert.equal(await chromium.evaluate(ESTABLISHED), 'ESTABLISHED');
      // What Firefox was offered by Parley has VP8 (from Chromium's offer), and it accepted video.
      assert.match(await firefox.evaluate<string>('window.sdp.remote.at(-1)'), /a=rtpmap:\d+ VP8\/90000/);
      assert.deepEqual(await firefox.evaluate(M_LINES('local')), ['audio 9', 'video 9']);
      const toFirefox = await framesDecodedInPage(firefox);
      const toChromium = await framesDecodedInPage(chromium);
      t.diagnostic(`frames decoded: Chromium ${JSON.stringify(toChromium)}, Firefox ${JSON.stringify(toFirefox)}`);
      assert.ok(toFirefox.frames > 10, `Firefox decoded ${toFirefox.frames} frames`);
      assert.ok(toChromium.frames > 10, `Chromium decoded ${toChromium.frames} frames`);
      assert.equal(toFirefox.codec, 'video/VP8');
      assert.equal(toChromium.codec, 'video/VP8');
      await chromium.screenshot(artifacts.path('chromium.png'));
      await firefox.screenshot(artifacts.path('firefox.png'));
    }),
  );

  test(
    'Firefox calls Chromium with video (its offer marks video bundle-only): frames decoded on both sides',
    { timeout: 90_000 },
    (t) =>
      withArtifacts(t, async (artifacts) => {
        const { chromium, firefox } = await setUp(artifacts);
        await firefox.evaluate(CALL('1001'));
        assert.equal(await chromium.evaluate(ESTABLISHED), 'ESTABLISHED');
        assert.equal(await firefox.evaluate(ESTABLISHED), 'ESTABLISHED');
        assert.deepEqual(await firefox.evaluate(M_LINES('local')), ['audio 9', 'video 0'], 'a bundle-only video offer');
        assert.deepEqual(await chromium.evaluate(M_LINES('local')), ['audio 9', 'video 9']);
        const toFirefox = await framesDecodedInPage(firefox);
        const toChromium = await framesDecodedInPage(chromium);
        t.diagnostic(`frames decoded: Chromium ${JSON.stringify(toChromium)}, Firefox ${JSON.stringify(toFirefox)}`);
        assert.ok(toFirefox.frames > 10 && toChromium.frames > 10, 'frames decoded on both sides');
      }),
  );

  test(
    'Chromium insists on H.264, which Firefox ESR here cannot decode: the call is audio-only, video rejected on both sides',
    { timeout: 90_000 },
    (t) =>
      withArtifacts(t, async (artifacts) => {
        const { chromium, firefox } = await setUp(artifacts, H264_ONLY);
        await chromium.evaluate(CALL('1003'));
        assert.equal(await firefox.evaluate(ESTABLISHED), 'ESTABLISHED');
        assert.equal(await chromium.evaluate(ESTABLISHED), 'ESTABLISHED');
        const offered = await firefox.evaluate<string>('window.sdp.remote.at(-1)');
        assert.match(offered, /a=rtpmap:\d+ H264\/90000/);
        assert.doesNotMatch(offered, /VP8/);
        // Firefox rejects the video section; Parley passes the rejection back to Chromium's answer.
        assert.deepEqual(await firefox.evaluate(M_LINES('local')), ['audio 9', 'video 0']);
        assert.deepEqual((await chromium.evaluate<string[]>(M_LINES('remote')))[1]?.split(' ')[1], '0');
        // The call goes on with the stream both accepted: each side hears the other's microphone.
        await firefox.evaluate(AUDIO_IN);
        await chromium.evaluate(AUDIO_IN);
        const atFirefox = await detectToneInPage(firefox, 'window.remoteStream', CHROMIUM_HZ);
        const atChromium = await detectToneInPage(chromium, 'window.remoteStream', FIREFOX_FAKE_MIC_HZ);
        t.diagnostic(`tones: at Firefox ${JSON.stringify(atFirefox)}, at Chromium ${JSON.stringify(atChromium)}`);
        assert.ok(atFirefox.present, 'Firefox hears Chromium');
        assert.ok(atChromium.present, 'Chromium hears Firefox');
        const VIDEO_STATS = `(async () => { let n = 0; (await window.call.getStats()).forEach((s) => { if (s.kind === 'video' && s.type === 'inbound-rtp') n++; }); return n; })()`;
        assert.equal(await firefox.evaluate(VIDEO_STATS), 0, 'no video stream received by Firefox');
        assert.equal(await chromium.evaluate(VIDEO_STATS), 0, 'no video stream received by Chromium');
      }),
  );
});
