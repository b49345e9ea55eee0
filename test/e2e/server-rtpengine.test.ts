// The topology where the SIP server relays media (issue 5): Kamailio anchors every call's media at rtpengine,
// and Parley runs with exactly the settings of the plain topology (server-call-baresip.test.ts). Headless
// Chromium calls baresip and is called by it; tones cross both ways, and baresip's SIP trace shows that the
// SDP it was given names rtpengine's media ports, never Parley's: the media really went through the relay.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  Baresip,
  BaresipEvents,
  detectToneInPage,
  freeUdpRange,
  launchBrowser,
  type PortRange,
  startKamailio,
  withArtifacts,
} from '../harness/index.js';
import { BARESIP_HZ, bobCallsPage } from './baresip-call-rig.js';
import { baresipHearsNext } from './phone-support.js';
import { ensureSdkBuilt, startServerProcess } from './server-support.js';

const BROWSER_HZ = 660;

const inRange = (port: number, r: PortRange) => port >= r.min && port <= r.max;
const overlaps = (a: PortRange, b: PortRange) => a.min <= b.max && b.min <= a.max;

/** The m=audio ports and c= addresses of the SDP in baresip's log lines (its SIP trace, `-s`). */
function sdpMedia(lines: string[]) {
  const ports = lines.flatMap((l) => /^m=audio (\d+) /.exec(l)?.[1] ?? []).map(Number);
  const addresses = lines.flatMap((l) => /^c=IN IP4 (\S+)/.exec(l)?.[1] ?? []);
  return { ports, addresses };
}

/** In the page: register 1001 through the SDK; the session and calls are kept on window for the test. */
const REGISTER = (domain: string) => `(async () => {
  const P = await import('/sdk/parley.mjs');
  window.P = P;
  window.events = [];
  const session = P.createSession({ sipOptions: { login: '1001', password: 'pw1001', domain: '${domain}' } });
  session.on(P.SESSION_STATUS.INCOMING_CALL, (call) => {
    window.incoming = call;
    for (const st of Object.values(P.CALL_STATUS)) call.on(st, () => window.events.push('in:' + st));
  });
  window.session = session;
  return await new Promise((resolve) => {
    session.on(P.SESSION_STATUS.REGISTERED, (i) => resolve(i));
    session.on(P.SESSION_STATUS.FAILED, (i) => resolve(i));
  });
})()`;

/** Calls 1002 (baresip) and resolves with the first final or ESTABLISHED status. */
const CALL_1002 = `(async () => {
  const call = window.session.createCall({ callee: '1002', constraints: { audio: true, video: false } });
  window.call = call;
  window.remoteStream = call.getRemoteMediaStream();
  const settled = new Promise((resolve) => {
    for (const st of Object.values(window.P.CALL_STATUS)) call.on(st, () => window.events.push('out:' + st));
    for (const st of ['ESTABLISHED', 'FAILED', 'BUSY', 'FINISH']) call.on(st, () => resolve(st));
  });
  call.call();
  return { status: await settled, info: call.getInfo() };
})()`;

test(
  'Kamailio relays media through rtpengine: Chromium calls baresip and is called by it, tones both ways',
  { timeout: 60_000 },
  (t) =>
    withArtifacts(t, async (artifacts) => {
      ensureSdkBuilt();
      const kamailio = await startKamailio(artifacts, {
        users: [
          { user: '1001', password: 'pw1001' },
          { user: '1002', password: 'pw1002' },
        ],
        rtpengine: true,
      });
      artifacts.defer(() => kamailio.stop());
      const relay = kamailio.rtpengine;
      assert.ok(relay, 'rtpengine started with Kamailio');
      const bob = new Baresip(artifacts, {
        user: '1002',
        password: 'pw1002',
        registrar: kamailio,
        toneHz: BARESIP_HZ,
        answerMode: 'auto',
      });
      artifacts.defer(() => bob.stop());
      await bob.start();
      // The same settings as the plain topology: nothing tells Parley that the SIP server relays media.
      // Its range must not overlap rtpengine's or baresip's (each was found free on its own, nothing holds it):
      // the port checks below tell the three apart by range.
      const taken = [relay.mediaPorts, bob.rtpPorts];
      let parleyMedia = await freeUdpRange(200);
      for (let i = 0; i < 20 && taken.some((r) => overlaps(r, parleyMedia)); i++) parleyMedia = await freeUdpRange(200);
      assert.ok(!taken.some((r) => overlaps(r, parleyMedia)), 'a media range for Parley apart from the others');
      const server = await startServerProcess({
        PARLEY_MEDIA_PORTS: `${parleyMedia.min}-${parleyMedia.max}`,
        PARLEY_LOG_LEVEL: 'debug',
      });
      artifacts.defer(async () => {
        assert.equal(await server.stop(), 0);
      });
      artifacts.defer(() => writeFileSync(artifacts.path('parley.log'), server.output()));
      const browser = await launchBrowser(artifacts, 'chromium', { toneHz: BROWSER_HZ });
      artifacts.defer(() => browser.close());
      const page = browser.page;
      await page.goto(server.url.href);

      /** What baresip's trace shows since line `since`: rtpengine's ports offered/answered, none of Parley's. */
      const assertRelayed = (since: number, what: string) => {
        const { ports, addresses } = sdpMedia(bob.logText().split('\n').slice(since));
        const relayed = ports.filter((p) => inRange(p, relay.mediaPorts));
        assert.ok(relayed.length > 0, `${what}: baresip got rtpengine's media ports ${JSON.stringify(ports)}`);
        assert.deepEqual(
          ports.filter((p) => inRange(p, parleyMedia)),
          [],
          `${what}: baresip never sees Parley's own media ports (${parleyMedia.min}-${parleyMedia.max})`,
        );
        // Everything is on loopback: rtpengine's interface is 127.0.0.1, as is every c= line.
        assert.ok(addresses.length > 0 && addresses.every((a) => a === '127.0.0.1'), JSON.stringify(addresses));
        return relayed;
      };

      const registered = await page.evaluate<{ status: string }>(REGISTER(kamailio.domain));
      assert.equal(registered.status, 'REGISTERED', JSON.stringify(registered));

      // The browser calls baresip.
      let since = bob.logLineCount;
      const bobSince = bob.events.length;
      const call = await page.evaluate<{ status: string; info: unknown }>(CALL_1002);
      assert.equal(call.status, 'ESTABLISHED', JSON.stringify(call));
      await bob.waitFor(BaresipEvents.established, 10_000, 'outgoing call established', bobSince);
      await bob.waitForLog(/^m=audio \d+ /, 5000, since);
      const outRelayed = assertRelayed(since, 'outgoing call');
      const heard = await detectToneInPage(page, 'window.remoteStream', BARESIP_HZ);
      assert.ok(heard.present, `the browser hears baresip's ${BARESIP_HZ} Hz: ${JSON.stringify(heard)}`);
      const bobHeard = await baresipHearsNext(bob, browser.micToneHz);
      assert.ok(bobHeard.present, `baresip hears the browser's ${browser.micToneHz} Hz: ${JSON.stringify(bobHeard)}`);
      await page.evaluate('window.call.hangup()');
      await bob.waitFor(BaresipEvents.closed, 10_000, 'BYE reaches baresip', bobSince);
      await page.waitForFunction("window.events.includes('out:FINISH')", 10_000);

      // baresip calls the browser, which answers.
      since = bob.logLineCount;
      const firstRecording = bob.recordingPath;
      await bobCallsPage(kamailio, bob, page);
      const inRelayed = assertRelayed(since, 'incoming call');
      t.diagnostic(`rtpengine ports in baresip's SDP: outgoing ${outRelayed}, incoming ${inRelayed}`);
      const heardIn = await detectToneInPage(page, 'window.remoteStream', BARESIP_HZ);
      assert.ok(heardIn.present, `incoming: the browser hears ${BARESIP_HZ} Hz: ${JSON.stringify(heardIn)}`);
      // baresip records each call in a new file, opened when its audio starts (long before the 1.5 s above).
      assert.notEqual(bob.recordingPath, firstRecording, 'baresip records the second call in a new file');
      const bobHeardIn = await baresipHearsNext(bob, browser.micToneHz);
      assert.ok(bobHeardIn.present, `incoming: baresip hears ${browser.micToneHz} Hz: ${JSON.stringify(bobHeardIn)}`);
      await bob.hangup();
      await page.waitForFunction("window.events.includes('in:FINISH')", 10_000);
    }),
);
