// The mission's main path, end to end: a page served by Parley registers a SIP account at Kamailio through
// the SDK and calls baresip (and is called by it): tones both ways, hangup both ways, hold and unhold from
// both sides, DTMF of both types, a wrong password, a busy and a declining callee, blind transfer both ways,
// call waiting, a call cancelled while ringing and a tab closed mid-call: each in Chromium and in Firefox ESR.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type Artifacts,
  BaresipEvents,
  type BrowserKind,
  detectTone,
  detectToneInPage,
  framesDecodedInPage,
  type Kamailio,
  REGISTER_SCENARIO,
  sippResponse,
  sippScenario,
  startSipp,
  toneWithin,
  withArtifacts,
} from '../harness/index.js';
import { BARESIP_HZ, bobCallsPage, pageCallsBob, startBaresipCallRig, startPhone } from './baresip-call-rig.js';
import { type CallResult, callInPage, registerInPage } from './sdk-page-scripts.js';

const BROWSER_HZ = 660;

async function setUp(artifacts: Artifacts, kind: BrowserKind, bobAnswer: 'auto' | 'manual' = 'auto') {
  return startBaresipCallRig(artifacts, {
    kind,
    browserToneHz: BROWSER_HZ,
    users: ['1001', '1002', '1003', '1004'],
    bob: { answerMode: bobAnswer },
  });
}

const count = (events: string[], e: string) => events.filter((x) => x === e).length;

/** A phone that declines: 180 Ringing, then 603 Decline, and the ACK for it (RFC 3261 §17.1.1.3). */
const DECLINE_SCENARIO = sippScenario(
  'decline',
  `  <recv request="INVITE"/>
${sippResponse(180, 'Ringing', { dialog: true })}${sippResponse(603, 'Decline', { dialog: true })}  <recv request="ACK"/>
`,
);

for (const kind of ['chromium', 'firefox'] as const) {
  describe(`${kind} calls baresip through Parley and Kamailio`, { timeout: 240_000 }, () => {
    test(
      'register, call, tones both ways, hangup reaches baresip; then baresip calls and the browser answers',
      { timeout: 90_000 },
      (t) =>
        withArtifacts(t, async (artifacts) => {
          const { kamailio, bob, page, browser } = await setUp(artifacts, kind);
          assert.equal((await page.evaluate<{ status: string }>(registerInPage(kamailio.domain))).status, 'REGISTERED');
          const call = await page.evaluate<CallResult>(callInPage('1002'));
          assert.equal(call.status, 'ESTABLISHED', JSON.stringify(call));
          await bob.waitFor(BaresipEvents.established, 10_000);
          // Kamailio answers the INVITE with 100 Trying at once: the browser sees TRYING after PENDING.
          const outgoing = (await page.evaluate<string[]>('window.events')).filter((e) => e.startsWith('out:'));
          assert.deepEqual(outgoing.slice(0, 2), ['out:PENDING', 'out:TRYING'], JSON.stringify(outgoing));

          const heard = await detectToneInPage(page, 'window.remoteStream', BARESIP_HZ);
          assert.ok(heard.present, `the browser hears baresip's ${BARESIP_HZ} Hz: ${JSON.stringify(heard)}`);
          const recording = await bob.waitForReceivedAudio(1500, 15_000);
          // Chromium plays the WAV we give it; Firefox's fake microphone has its own tone.
          const bobHeard = detectTone(recording, browser.micToneHz);
          assert.ok(
            bobHeard.present,
            `baresip hears the browser's ${browser.micToneHz} Hz: ${JSON.stringify(bobHeard)}`,
          );

          await page.evaluate('window.call.hangup()');
          await bob.waitFor(BaresipEvents.closed, 10_000);
          await page.waitForFunction("window.events.includes('out:FINISH')", 10_000);

          await bobCallsPage(kamailio, bob, page);
          const heardIn = await detectToneInPage(page, 'window.remoteStream', BARESIP_HZ);
          assert.ok(heardIn.present, `incoming: the browser hears ${BARESIP_HZ} Hz: ${JSON.stringify(heardIn)}`);
          await bob.hangup();
          await page.waitForFunction("window.events.includes('in:FINISH')", 10_000);
          t.diagnostic(`${kind}: call setup from call() to ESTABLISHED: ${call.setupMs} ms`);
        }),
    );

    test(
      'hold and unhold from the browser and from baresip; DTMF by RFC 4733 and by INFO reach baresip',
      { timeout: 90_000 },
      (t) =>
        withArtifacts(t, async (artifacts) => {
          const { kamailio, bob, page } = await setUp(artifacts, kind);
          await pageCallsBob(page, kamailio, bob);

          let since = bob.events.length;
          await page.evaluate('window.call.hold()');
          await bob.waitFor(BaresipEvents.remoteOffer, 10_000, 're-INVITE for hold', since);
          assert.equal(await page.evaluate<string>('window.call.status()'), 'HOLD');
          since = bob.events.length;
          await page.evaluate('window.call.unhold()');
          await bob.waitFor(BaresipEvents.remoteOffer, 10_000, 're-INVITE for unhold', since);
          assert.equal(await page.evaluate<string>('window.call.status()'), 'ESTABLISHED');

          await bob.hold();
          await page.waitForFunction("window.events.filter((e) => e === 'out:HOLD').length === 2", 10_000);
          await bob.resume();
          await page.waitForFunction("window.events.filter((e) => e === 'out:ESTABLISHED').length === 3", 10_000);
          // baresip restarts its source after a resume: the tone may take a moment to come back.
          const heard = await toneWithin(page, 'window.remoteStream', BARESIP_HZ, 8000);
          assert.ok(heard.present, `after resume the browser hears ${BARESIP_HZ} Hz again: ${JSON.stringify(heard)}`);

          since = bob.events.length;
          await page.evaluate("window.call.sendDTMF('12#')");
          assert.equal(await bob.receivedDigits(3, 10_000, since), '12#');
          since = bob.events.length;
          await page.evaluate("window.call.sendDTMF('5', 'INFO')");
          assert.equal(await bob.receivedDigits(1, 10_000, since), '5');

          await bob.hangup();
          await page.waitForFunction("window.events.includes('out:FINISH')", 10_000);
          const events = await page.evaluate<string[]>('window.events');
          assert.equal(count(events, 'out:FINISH'), 1);
        }),
    );

    test('a wrong password gives FAILED 403; a busy callee gives BUSY 486', { timeout: 90_000 }, (t) =>
      withArtifacts(t, async (artifacts) => {
        const { kamailio, bob, page } = await setUp(artifacts, kind, 'manual');
        const wrong = await page.evaluate<{ status: string; sipStatus?: number; sipReason?: string }>(
          registerInPage(kamailio.domain, '1001', 'nope'),
        );
        assert.deepEqual([wrong.status, wrong.sipStatus], ['FAILED', 403], JSON.stringify(wrong));
        assert.equal((await page.evaluate<{ status: string }>(registerInPage(kamailio.domain))).status, 'REGISTERED');
        const since = bob.events.length;
        const pending = page.evaluate<CallResult>(callInPage('1002'));
        await bob.waitFor(BaresipEvents.incoming, 10_000, 'incoming call', since);
        await bob.hangup(); // baresip 1.0 rejects a call it has not answered with "486 Rejected"
        const busy = await pending;
        assert.deepEqual(
          [busy.status, busy.info.sipStatus, busy.info.sipReason],
          ['BUSY', 486, 'Rejected'],
          JSON.stringify(busy),
        );
      }),
    );

    test('a declined call gives FAILED 603 Decline', { timeout: 90_000 }, (t) =>
      withArtifacts(t, async (artifacts) => {
        const { kamailio, page } = await setUp(artifacts, kind);
        // baresip 1.0 rejects an unanswered call only with 486: the declining phone 1004 is sipp, a UAS
        // answering 603 (RFC 3261 §21.6.2), registered at Kamailio by a second sipp run pointing at it.
        const phone = await startSipp(artifacts, { scenario: DECLINE_SCENARIO, name: 'sipp-decline' });
        artifacts.defer(() => phone.stop());
        const registration = await startSipp(artifacts, {
          scenario: REGISTER_SCENARIO.replaceAll('[local_ip]:[local_port]>', '[local_ip]:[uas_port]>'),
          remote: `${kamailio.host}:${kamailio.port}`,
          service: '1004',
          auth: { user: '1004', password: 'pw1004' },
          keys: { uas_port: String(phone.port) },
          name: 'sipp-register',
        });
        assert.equal((await registration.result).exitCode, 0, 'sipp registers 1004');
        assert.equal((await page.evaluate<{ status: string }>(registerInPage(kamailio.domain))).status, 'REGISTERED');
        const declined = await page.evaluate<CallResult>(callInPage('1004'));
        assert.deepEqual(
          [declined.status, declined.info.sipStatus, declined.info.sipReason],
          ['FAILED', 603, 'Decline'],
          JSON.stringify(declined),
        );
        assert.equal((await phone.result).exitCode, 0, 'sipp got its ACK');
      }),
    );
  });
}

const CAROL_HZ = 440;

for (const kind of ['chromium', 'firefox'] as const) {
  describe(`${kind}: transfers, call waiting, a cancelled call and a vanished browser`, { timeout: 240_000 }, () => {
    const withCarol = (artifacts: Artifacts, kamailio: Kamailio) => startPhone(artifacts, kamailio, '1003', CAROL_HZ);

    test(
      'blind transfer from the browser: baresip is sent to a third phone, the browser call ends',
      { timeout: 90_000 },
      (t) =>
        withArtifacts(t, async (artifacts) => {
          const { kamailio, bob, page } = await setUp(artifacts, kind);
          const carol = await withCarol(artifacts, kamailio);
          await pageCallsBob(page, kamailio, bob);
          await page.evaluate(
            "window.transfers = []; for (const s of ['ACCEPTED', 'PROGRESS', 'SUCCEEDED', 'FAILED']) window.call.on('TRANSFER_' + s, () => window.transfers.push(s)); window.call.transfer('1003')",
          );
          await carol.waitFor(BaresipEvents.established, 15_000, 'the transfer target answers');
          await page.waitForFunction("window.events.includes('out:FINISH')", 15_000);
          const transfers = await page.evaluate<string[]>('window.transfers');
          assert.equal(transfers[0], 'ACCEPTED', JSON.stringify(transfers));
          assert.ok(transfers.includes('SUCCEEDED'), JSON.stringify(transfers));
        }),
    );

    test('a REFER from baresip is followed: the browser now talks to the third phone', { timeout: 90_000 }, (t) =>
      withArtifacts(t, async (artifacts) => {
        const { kamailio, bob, page } = await setUp(artifacts, kind);
        const carol = await withCarol(artifacts, kamailio);
        await pageCallsBob(page, kamailio, bob);
        await bob.transfer(kamailio.aor('1003'));
        await carol.waitFor(BaresipEvents.established, 15_000, 'the browser calls the transfer target');
        await bob.waitFor(BaresipEvents.closed, 15_000, 'the transferor leaves');
        const heard = await toneWithin(page, 'window.remoteStream', CAROL_HZ, 5000); // a new call: see call waiting
        assert.ok(heard.present, `the browser hears the third phone's ${CAROL_HZ} Hz: ${JSON.stringify(heard)}`);
        assert.equal(await page.evaluate<string>('window.call.status()'), 'ESTABLISHED');
        await carol.hangup();
        await page.waitForFunction("window.events.includes('out:FINISH')", 10_000);
      }),
    );

    test(
      'call waiting: a second call during a call is offered; the first goes on hold, the second is answered',
      { timeout: 90_000 },
      (t) =>
        withArtifacts(t, async (artifacts) => {
          const { kamailio, bob, page } = await setUp(artifacts, kind);
          const carol = await withCarol(artifacts, kamailio);
          await pageCallsBob(page, kamailio, bob);
          await carol.dial(kamailio.aor('1001'));
          await page.waitForFunction('window.incoming !== undefined', 10_000);
          assert.equal(await page.evaluate<string>('window.incoming.caller()'), '1003');
          await page.evaluate('window.call.hold()');
          await page.evaluate(
            'window.incoming.answer({ constraints: { audio: true, video: false } }); window.remoteStream = window.incoming.getRemoteMediaStream();',
          );
          await page.waitForFunction("window.events.includes('in:ESTABLISHED')", 10_000);
          await carol.waitFor(BaresipEvents.established, 10_000, 'the waiting call is answered');
          // ESTABLISHED follows the SIP answer; the new call's audio needs its ICE and DTLS first (a run in Firefox
          // heard only silence in the first 1.5 s window once): listen until the tone comes, within 5 s.
          const heard = await toneWithin(page, 'window.remoteStream', CAROL_HZ, 5000);
          assert.ok(heard.present, `the browser hears the second caller's ${CAROL_HZ} Hz: ${JSON.stringify(heard)}`);
          assert.equal(await page.evaluate<string>('window.call.status()'), 'HOLD');
          assert.equal(await page.evaluate<number>('window.session.getCalls().length'), 2);
        }),
    );

    test('hangup while ringing sends CANCEL; a tab closed mid-call sends BYE', { timeout: 90_000 }, (t) =>
      withArtifacts(t, async (artifacts) => {
        const { kamailio, bob, page, server } = await setUp(artifacts, kind, 'manual');
        assert.equal((await page.evaluate<{ status: string }>(registerInPage(kamailio.domain))).status, 'REGISTERED');
        let since = bob.events.length;
        const pending = page.evaluate<CallResult>(callInPage('1002'));
        await bob.waitFor(BaresipEvents.incoming, 10_000, 'ringing', since);
        await page.evaluate('window.call.hangup()');
        // The browser's own hangup while ringing: FINISH with the SDK's reason and no SIP status (the 487 that
        // answers the cancelled INVITE is not the far end's choice).
        const cancelled = await pending;
        assert.deepEqual(cancelled.info, { status: 'FINISH', sipReason: 'Hangup' }, JSON.stringify(cancelled));
        await bob.waitFor(BaresipEvents.closed, 10_000, 'CANCEL reaches baresip', since);

        since = bob.events.length;
        const second = page.evaluate<CallResult>(callInPage('1002'));
        await bob.waitFor(BaresipEvents.incoming, 10_000, 'ringing again', since);
        await bob.accept();
        assert.equal((await second).status, 'ESTABLISHED');
        await bob.waitFor(BaresipEvents.established, 10_000, 'established', since);
        await page.goto('about:blank'); // the tab goes away: its WebSocket closes
        await bob.waitFor(BaresipEvents.closed, 10_000, 'BYE reaches baresip', since);
        const metrics = await (await fetch(new URL('/metrics', server.url))).text();
        assert.match(metrics, /^parley_sessions 0$/m);
        assert.match(metrics, /^parley_calls_started_total\{direction="outgoing"\} 2$/m);
        assert.match(metrics, /^parley_calls_ended_total\{status="FINISH"\} 2$/m);
      }),
    );
  });
}

/** Two sessions in one page, 1001 and 1003 (baresip is 1002), both through Parley: 1001 calls 1003 with video. */
const VIDEO_CALL = (domain: string) => `(async () => {
  const P = await import('/sdk/parley.mjs');
  const register = (login) => new Promise((resolve, reject) => {
    const s = P.createSession({ sipOptions: { login, password: 'pw' + login, domain: '${domain}' } });
    s.on(P.SESSION_STATUS.REGISTERED, () => resolve(s));
    s.on(P.SESSION_STATUS.FAILED, (i) => reject(new Error(login + ' FAILED ' + JSON.stringify(i))));
  });
  const a = await register('1001');
  const b = await register('1003');
  const video = { audio: true, video: { width: 320, height: 240 } };
  const answered = new Promise((resolve) => b.on(P.SESSION_STATUS.INCOMING_CALL, (call) => {
    window.bCall = call;
    call.on(P.CALL_STATUS.ESTABLISHED, resolve);
    call.answer({ constraints: video, remoteVideoDisplay: document.body, localVideoDisplay: document.body });
  }));
  const call = a.createCall({ callee: '1003', constraints: video, remoteVideoDisplay: document.body, localVideoDisplay: document.body });
  window.aCall = call;
  const established = new Promise((resolve, reject) => {
    call.on(P.CALL_STATUS.ESTABLISHED, resolve);
    call.on(P.CALL_STATUS.FAILED, () => reject(new Error('FAILED ' + JSON.stringify(call.getInfo()))));
  });
  call.call();
  const late = new Promise((_, reject) =>
    setTimeout(() => reject(new Error('not established in 15 s: caller ' + call.status() + ', callee ' + (window.bCall?.status() ?? 'no call'))), 15000),
  );
  await Promise.race([Promise.all([established, answered]), late]);
  return { aVideo: call.hasVideo(), bVideo: window.bCall.hasVideo() };
})()`;

describe('video between two browsers through Parley and Kamailio (Chromium)', { timeout: 120_000 }, () => {
  test('1001 calls 1003 with video: frames decoded on both sides', { timeout: 90_000 }, (t) =>
    withArtifacts(t, async (artifacts) => {
      const { kamailio, page } = await setUp(artifacts, 'chromium');
      const r = await page.evaluate<{ aVideo: boolean; bVideo: boolean }>(VIDEO_CALL(kamailio.domain));
      assert.deepEqual(r, { aVideo: true, bVideo: true });
      const aFrames = (await framesDecodedInPage(page, 'window.aCall')).frames;
      const bFrames = (await framesDecodedInPage(page, 'window.bCall')).frames;
      assert.ok(aFrames > 10 && bFrames > 10, `frames decoded: caller ${aFrames}, callee ${bFrames}`);
      t.diagnostic(`video frames decoded: caller ${aFrames}, callee ${bFrames}`);
      const shot = artifacts.path('video-call.png');
      await page.screenshot(shot);
    }),
  );
});
