// The phone page (issue 6) end to end, in Chromium and in Firefox ESR, driven only through its element ids:
// the account form (checks before sending, what it remembers, a refused password), and calls with
// baresip through Parley and Kamailio: tone heard, keypad DTMF, hold, unhold, hangup, blind transfer, an
// incoming call answered with video. One Kamailio, server and pair of baresips for the whole file.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { BaresipEvents, type BrowserSession, detectToneInPage, launchBrowser } from '../harness/index.js';
import { BOB_HZ, baresipHearsNext, CAROL_HZ, guard, PhonePage, type PhoneRig, startPhoneRig } from './phone-support.js';

const REMOTE_STREAM = "document.getElementById('remoteVideo').srcObject";
/** Ids (or tags) of the page's controls that have no accessible name: a label, aria-label(ledby) or text. */
const UNNAMED_CONTROLS = `[...document.querySelectorAll('button, input, select, meter, video')].filter((el) => {
  const named = el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') ||
    (el.labels && [...el.labels].some((l) => l.textContent.trim())) || (el.tagName === 'BUTTON' && el.textContent.trim());
  return !named;
}).map((el) => el.id || el.outerHTML.slice(0, 60))`;
const INCOMING_SHOWN = "!document.getElementById('incomingPanel').closest('[hidden]')";

let rig: PhoneRig;
before(async () => {
  rig = await startPhoneRig('phone-page');
});
after(() => rig?.close());

/** Sum of the server's WebSocket message counters: unchanged means the page sent nothing. */
async function wsMessages(): Promise<number> {
  const text = await (await fetch(new URL('/metrics', rig.server.url))).text();
  return [...text.matchAll(/^parley_ws_messages_total(?:\{[^}]*\})? (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
}

for (const [kind, user] of [
  ['chromium', '1001'],
  ['firefox', '1004'],
] as const) {
  describe(`phone page in ${kind}`, { timeout: 300_000 }, () => {
    let browser: BrowserSession;
    let phone: PhonePage;
    before(async () => {
      browser = await launchBrowser(rig.artifacts, kind, { toneHz: 660 });
      phone = new PhonePage(browser.page, kind);
    });
    after(() => browser?.close());

    test(
      'a login with a space is marked next to the field before anything is sent; nothing stays PENDING',
      guard(
        () => rig,
        async () => {
          await phone.open(rig.server.url.href);
          assert.deepEqual(await browser.page.evaluate<string[]>(UNNAMED_CONTROLS), [], 'every control has a name');
          const sent = await wsMessages();
          await phone.fill({ sipLogin: 'Ralf C12441', sipPassword: 'x', sipDomain: rig.kamailio.domain });
          assert.match(await phone.text('sipLoginError'), /space/i);
          assert.equal(await phone.attr('sipLogin', 'aria-invalid'), 'true');
          await phone.clickId('connectBtn');
          assert.match(await phone.text('sipLoginError'), /space/i);
          assert.notEqual(await phone.text('connectionStatus'), 'PENDING');
          assert.equal(await wsMessages(), sent, 'no message reached the server');
          await phone.fill({ sipLogin: user });
          assert.equal(await phone.text('sipLoginError'), '', 'the mark goes once the login is fixed');
          assert.equal(await phone.attr('sipLogin', 'aria-invalid'), null);
        },
      ),
    );

    test(
      'a wrong password shows FAILED with 403; the form remembers its values, the password only when asked',
      guard(
        () => rig,
        async () => {
          await phone.open(rig.server.url.href);
          await phone.fill({ rememberPassword: false });
          await phone.fill({
            sipLogin: user,
            sipPassword: 'wrong',
            sipDomain: rig.kamailio.domain,
            sipOutboundProxy: rig.kamailio.host,
            sipPort: String(rig.kamailio.port),
            sipTransport: 'udp',
          });
          await phone.clickId('connectBtn');
          await phone.waitForText('connectionStatus', 'FAILED');
          assert.match(await phone.text('connectionInfo'), /403/);
          await phone.screenshots('failed');

          await phone.open(rig.server.url.href);
          assert.equal(await phone.value('sipLogin'), user);
          assert.equal(await phone.value('sipDomain'), rig.kamailio.domain);
          assert.equal(await phone.value('sipPort'), String(rig.kamailio.port));
          assert.equal(await phone.value('sipPassword'), '', 'no password kept unless asked');

          await phone.fill({ rememberPassword: true });
          await phone.register(rig.kamailio, user);
          await phone.open(rig.server.url.href);
          assert.equal(await phone.value('sipPassword'), `pw${user}`, 'password kept when "remember" is ticked');
          assert.equal(await phone.value('rememberPassword'), true);
          await phone.fill({ rememberPassword: false, sipPassword: '' });
          await phone.register(rig.kamailio, user);
          await phone.open(rig.server.url.href);
          assert.equal(await phone.value('sipPassword'), '', 'unticking forgets the password');
        },
      ),
    );

    test(
      'call baresip: tones both ways, keypad DTMF, microphone switch, mute and unmute, hold, unhold, hangup',
      guard(
        () => rig,
        async () => {
          const { bob, kamailio } = rig;
          await phone.open(rig.server.url.href);
          await phone.register(kamailio, user);
          await phone.screenshots('connected');

          let since = bob.events.length;
          await phone.fill({ callee: '1002' });
          await phone.clickId('callBtn');
          await phone.waitForText('callStatus', 'ESTABLISHED');
          await bob.waitFor(BaresipEvents.established, 10_000, 'bob answers', since);
          const heard = await detectToneInPage(browser.page, REMOTE_STREAM, BOB_HZ);
          assert.ok(heard.present, `the page plays baresip's ${BOB_HZ} Hz: ${JSON.stringify(heard)}`);
          await phone.waitFor("/\\d:\\d\\d/.test(document.getElementById('callTimer').textContent)");
          await phone.waitFor("/PCMU|PCMA/.test(document.getElementById('qCodec').textContent)", 5000);
          // Both level meters move: the microphone's, and the speaker's with baresip's tone.
          await phone.waitFor("document.getElementById('localLevel').value > 0.02", 5000);
          await phone.waitFor("document.getElementById('remoteLevel').value > 0.02", 5000);
          assert.equal(await phone.text('callPeer'), '1002');
          assert.equal(await phone.attr('videos', 'hidden'), '', 'an audio call shows no video box');
          await phone.screenshots('in-call-audio');

          since = bob.events.length;
          for (const key of ['1', '2', '#']) await phone.click(`[data-dtmf="${key}"]`);
          assert.equal(await bob.receivedDigits(3, 10_000, since), '12#');
          assert.equal(await phone.text('dtmfSent'), '12#');

          const mic = browser.micToneHz;
          const heardByBob = await baresipHearsNext(bob, mic);
          assert.ok(heardByBob.present, `baresip hears the page's ${mic} Hz: ${JSON.stringify(heardByBob)}`);
          // Another microphone mid-call (Chromium has two fake ones, Firefox one): the audio goes on.
          await phone.waitFor("[...document.getElementById('micSelect').options].some((o) => o.value && o.text)");
          const lastMic = await browser.page.evaluate<string>(
            "[...document.getElementById('micSelect').options].filter((o) => o.value).at(-1).value",
          );
          await phone.fill({ micSelect: lastMic });
          const switched = await baresipHearsNext(bob, mic);
          assert.ok(switched.present, `after the switch baresip hears ${mic} Hz: ${JSON.stringify(switched)}`);
          assert.equal(await phone.text('callInfo'), '', 'the switch reported no error');
          await phone.clickId('muteAudioBtn');
          assert.equal(await phone.attr('muteAudioBtn', 'aria-pressed'), 'true');
          const muted = await baresipHearsNext(bob, mic);
          assert.ok(!muted.present, `muted: baresip no longer hears ${mic} Hz: ${JSON.stringify(muted)}`);
          await phone.clickId('muteAudioBtn');
          assert.equal(await phone.text('muteAudioBtn'), 'Mute microphone');
          const unmuted = await baresipHearsNext(bob, mic);
          assert.ok(unmuted.present, `unmuted: baresip hears ${mic} Hz again: ${JSON.stringify(unmuted)}`);

          let logSince = bob.logLineCount;
          await phone.clickId('holdBtn');
          await phone.waitForText('callStatus', 'HOLD');
          await bob.waitForLog(/^a=(sendonly|inactive)/, 10_000, logSince);
          assert.equal(await phone.text('holdBtn'), 'Unhold');
          await phone.screenshots('hold');
          logSince = bob.logLineCount;
          await phone.clickId('holdBtn');
          await phone.waitForText('callStatus', 'ESTABLISHED');
          await bob.waitForLog(/^a=sendrecv/, 10_000, logSince);

          since = bob.events.length;
          await phone.clickId('hangupBtn');
          await phone.waitForText('callStatus', 'FINISH');
          await bob.waitFor(BaresipEvents.closed, 10_000, 'BYE reaches bob', since);
        },
      ),
    );

    test(
      'blind transfer: baresip is sent to a third baresip and the page call ends',
      guard(
        () => rig,
        async () => {
          const { bob, carol, kamailio } = rig;
          await phone.open(rig.server.url.href);
          await phone.register(kamailio, user);
          const bobSince = bob.events.length;
          const carolSince = carol.events.length;
          await phone.fill({ callee: '1002' });
          await phone.clickId('callBtn');
          await phone.waitForText('callStatus', 'ESTABLISHED');
          await bob.waitFor(BaresipEvents.established, 10_000, 'bob answers', bobSince);
          await phone.fill({ transferTarget: '1003' });
          await phone.clickId('transferBtn');
          await carol.waitFor(BaresipEvents.established, 15_000, 'bob calls carol', carolSince);
          await phone.waitForText('callStatus', 'FINISH', 15_000);
          await phone.waitFor("/done/.test(document.getElementById('transferStatus').textContent)");
          assert.equal(await phone.text('transferStatus'), 'Transfer of 1002: done: the target answered.');
          await carol.hangup();
          await bob.waitFor(BaresipEvents.closed, 10_000, 'bob and carol hang up', bobSince);
        },
      ),
    );

    test(
      'baresip calls the page: the caller is shown, answered with video, baresip hangs up',
      guard(
        () => rig,
        async () => {
          const { bob, kamailio } = rig;
          await phone.open(rig.server.url.href);
          await phone.register(kamailio, user);
          let since = bob.events.length;
          await bob.dial(kamailio.aor(user));
          await phone.waitFor(INCOMING_SHOWN);
          await phone.clickId('declineBtn');
          await bob.waitFor(BaresipEvents.closed, 10_000, 'declined', since);
          assert.equal(await phone.attr('incomingPanel', 'hidden'), '');

          since = bob.events.length;
          await bob.dial(kamailio.aor(user));
          await phone.waitFor(INCOMING_SHOWN);
          assert.match(await phone.text('incomingCaller'), /1002/);
          assert.match(await browser.page.evaluate<string>('document.title'), /^Incoming call: 1002/);
          await phone.screenshots('incoming');
          await phone.clickId('answerVideoBtn');
          await phone.waitForText('callStatus', 'ESTABLISHED');
          await bob.waitFor(BaresipEvents.established, 10_000, 'bob is connected', since);
          const heard = await detectToneInPage(browser.page, REMOTE_STREAM, BOB_HZ);
          assert.ok(heard.present, `the page plays baresip's ${BOB_HZ} Hz: ${JSON.stringify(heard)}`);
          // baresip-core has no video codec: its offer is audio only, so no video goes either way. The
          // page says so instead of showing a camera preview that nobody receives.
          await phone.waitFor("/audio only/i.test(document.getElementById('callNote').textContent)", 5000);
          await phone.waitFor("document.getElementById('qVideo').textContent.trim() !== '–'");
          assert.equal(await phone.text('qVideo'), 'none (audio only)');
          await phone.screenshots('in-call-answered-video');
          await bob.hangup();
          await phone.waitForText('callStatus', 'FINISH');
        },
      ),
    );

    test(
      'call waiting: a second call is shown, answering it holds the first; switching back and hanging up both',
      guard(
        () => rig,
        async () => {
          const { bob, carol, kamailio } = rig;
          await phone.open(rig.server.url.href);
          await phone.register(kamailio, user);
          const bobSince = bob.events.length;
          await phone.fill({ callee: '1002' });
          await phone.clickId('callBtn');
          await phone.waitForText('callStatus', 'ESTABLISHED');
          await bob.waitFor(BaresipEvents.established, 10_000, 'bob answers', bobSince);

          const carolSince = carol.events.length;
          await carol.dial(kamailio.aor(user));
          await phone.waitFor(INCOMING_SHOWN);
          assert.match(await phone.text('incomingCaller'), /1003/);
          assert.equal(await phone.text('incomingHint'), 'Answering puts 1002 on hold.');
          await phone.screenshots('call-waiting');
          let logSince = bob.logLineCount;
          await phone.clickId('answerBtn');
          await carol.waitFor(BaresipEvents.established, 10_000, 'carol is answered', carolSince);
          await bob.waitForLog(/^a=(sendonly|inactive)/, 10_000, logSince);
          await phone.waitFor("document.getElementById('callPeer').textContent === '1003'");
          await phone.waitForText('callStatus', 'ESTABLISHED');
          assert.deepEqual(await listedCalls(), ['1002 · HOLD', '1003 · ESTABLISHED']);
          const heardCarol = await toneWithin(CAROL_HZ, 8000);
          assert.ok(heardCarol.present, `the page plays carol's ${CAROL_HZ} Hz: ${JSON.stringify(heardCarol)}`);

          logSince = bob.logLineCount;
          await phone.click('#callList button:not([disabled])');
          await bob.waitForLog(/^a=sendrecv/, 10_000, logSince);
          await phone.waitFor("document.getElementById('callPeer').textContent === '1002'");
          await phone.waitForText('callStatus', 'ESTABLISHED');
          assert.deepEqual(await listedCalls(), ['1002 · ESTABLISHED', '1003 · HOLD']);
          const heardBob = await toneWithin(BOB_HZ, 8000);
          assert.ok(heardBob.present, `the page plays bob's ${BOB_HZ} Hz again: ${JSON.stringify(heardBob)}`);

          await phone.clickId('hangupBtn');
          await bob.waitFor(BaresipEvents.closed, 10_000, 'bob hung up', bobSince);
          // The held call becomes the current one: unhold it, then hang it up.
          await phone.waitFor("document.getElementById('callPeer').textContent === '1003'");
          await phone.waitForText('callStatus', 'HOLD');
          await phone.clickId('holdBtn');
          await phone.waitForText('callStatus', 'ESTABLISHED');
          await phone.clickId('hangupBtn');
          await phone.waitForText('callStatus', 'FINISH');
          await carol.waitFor(BaresipEvents.closed, 10_000, 'carol hung up', carolSince);
        },
      ),
    );

    /** The calls listed for call waiting, as "peer · STATUS". */
    const listedCalls = () =>
      browser.page.evaluate<string[]>(
        "[...document.querySelectorAll('#callList li span')].map((s) => s.textContent.trim()).sort()",
      );

    /** Listens in 1.5 s windows until `hz` is heard or `timeoutMs` has passed (a resumed source takes a moment). */
    const toneWithin = async (hz: number, timeoutMs: number) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const r = await detectToneInPage(browser.page, REMOTE_STREAM, hz);
        if (r.present || Date.now() > deadline) return r;
      }
    };

    test(
      'a video call to another SDK session: remote frames play in #remoteVideo, the local camera in #localVideo',
      guard(
        () => rig,
        async () => {
          const peer = user === '1001' ? '1004' : '1001';
          await phone.open(rig.server.url.href);
          await phone.register(rig.kamailio, user);
          await browser.page.evaluate(VIDEO_PEER(peer, rig.kamailio.domain));
          await phone.fill({ callee: peer });
          await phone.clickId('videoCallBtn');
          await phone.waitForText('callStatus', 'ESTABLISHED');
          await phone.waitFor('window.peerCall?.status() === "ESTABLISHED"');
          // Frames decoded: the element knows the picture's size and its clock moves.
          await phone.waitFor("document.getElementById('remoteVideo').videoWidth > 0", 10_000);
          const t0 = await browser.page.evaluate<number>("document.getElementById('remoteVideo').currentTime");
          await phone.waitFor(`document.getElementById('remoteVideo').currentTime > ${t0 + 0.5}`, 10_000);
          await phone.waitFor("document.getElementById('localVideo').videoWidth > 0");
          await phone.waitFor("/received \\d+×\\d+/.test(document.getElementById('qVideo').textContent)", 10_000);
          assert.match(await phone.text('qVideo'), /^sent \d+×\d+ · received \d+×\d+$/);
          await phone.waitFor("!document.getElementById('videos').hidden", 5000);
          await phone.screenshots('in-call-video');
          await phone.clickId('hangupBtn');
          await phone.waitForText('callStatus', 'FINISH');
          await phone.waitFor('window.peerCall.status() === "FINISH"');
          await browser.page.evaluate('window.peerSession.disconnect()');
        },
      ),
    );
  });
}

/** A second SDK session in the same page, registered as `login`, that answers every call with video. */
const VIDEO_PEER = (login: string, domain: string) => `(async () => {
  const P = await import('/sdk/parley.mjs');
  const [host, port] = '${domain}'.split(':');
  const sipOptions = { login: '${login}', password: 'pw${login}', domain: '${domain}', outboundProxy: host, port: Number(port) };
  const s = P.createSession({ sipOptions });
  window.peerSession = s;
  s.on(P.SESSION_STATUS.INCOMING_CALL, (call) => {
    window.peerCall = call;
    const off = document.createElement('div'); // its media plays nowhere on the page
    call.answer({ constraints: { audio: true, video: true }, remoteVideoDisplay: off, localVideoDisplay: off });
  });
  await new Promise((resolve, reject) => {
    s.on(P.SESSION_STATUS.REGISTERED, resolve);
    s.on(P.SESSION_STATUS.FAILED, (i) => reject(new Error('peer FAILED ' + JSON.stringify(i))));
  });
})()`;
