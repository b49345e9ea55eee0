// SDES-SRTP (RFC 4568) toward a real SIP device, end to end: baresip with its srtp module and mediaenc=srtp-mand
// (RTP/SAVP required) calls a page served by Parley and is called by it through Kamailio. Parley answers
// RTP/SAVP offers with SDES whatever its setting; with PARLEY_SIP_MEDIA_ENCRYPTION=sdes it offers RTP/SAVP itself.
// Each way: the SDP on the SIP side really is RTP/SAVP with a=crypto (baresip's SIP trace), baresip reports SRTP
// on, and each side hears the other's tone (baresip drops what does not authenticate, so audio means SRTP works).
// With the default setting (plain RTP), baresip refuses the browser's call and the page gets the status. With
// sdes, hold and unhold re-offer RTP/SAVP with fresh keys; on an incoming SRTP call too, whatever the setting
// (SRTP once in use is kept by every re-offer).
// Chromium only: the SIP side is the same for every browser.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type Artifacts,
  type Baresip,
  BaresipEvents,
  detectTone,
  type PageLike,
  toneWithin,
  withArtifacts,
} from '../harness/index.js';
import { BARESIP_HZ, bobCallsPage, startBaresipCallRig } from './baresip-call-rig.js';
import { type CallResult, callInPage, registerInPage } from './sdk-page-scripts.js';
import type { ServerProcess } from './server-support.js';

const BROWSER_HZ = 660;
const SUITES = ['AES_CM_128_HMAC_SHA1_80', 'AEAD_AES_128_GCM'];

async function setUp(artifacts: Artifacts, encryption: 'none' | 'sdes') {
  const rig = await startBaresipCallRig(artifacts, {
    kind: 'chromium',
    browserToneHz: BROWSER_HZ,
    bob: { mediaEncryption: 'srtp-mand' },
    serverEnv: { PARLEY_SIP_MEDIA_ENCRYPTION: encryption },
  });
  const registered = await rig.page.evaluate<{ status: string }>(registerInPage(rig.kamailio.domain));
  assert.equal(registered.status, 'REGISTERED');
  return rig;
}

interface TracedSdp {
  /** Written by Parley (its session name), else by baresip. */
  fromParley: boolean;
  audio: string;
  crypto: { tag: number; suite: string; key: string }[];
}

/** The SDP bodies in baresip's SIP trace (`-s`), from log line `since` on. */
function tracedSdps(bob: Baresip, since: number): TracedSdp[] {
  const lines = bob.logText().split('\n').slice(since);
  const out: TracedSdp[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]?.trim() !== 'v=0') continue;
    const body: string[] = [];
    for (let j = i; j < lines.length && /^[a-z]=/.test(lines[j]?.trim() ?? ''); j++) body.push(lines[j]?.trim() ?? '');
    const audio = body.find((l) => l.startsWith('m=audio ')) ?? '';
    const crypto = body.flatMap((l) => {
      const m = /^a=crypto:(\d+) (\S+) inline:(\S+)/.exec(l);
      return m ? [{ tag: Number(m[1]), suite: m[2] ?? '', key: m[3] ?? '' }] : [];
    });
    out.push({ fromParley: body.includes('s=parley'), audio, crypto });
  }
  return out;
}

/**
 * Hold, then unhold, from the page (`call`: the page's expression for the call): each re-offer Parley sends
 * is RTP/SAVP with a=crypto (`suites` of them, when given), and baresip keeps the stream and keys it.
 */
async function holdAndUnholdKeepSrtp(page: PageLike, bob: Baresip, call: string, suites?: number) {
  for (const action of ['hold', 'unhold']) {
    const sinceLog = bob.logLineCount;
    const sinceEvents = bob.events.length;
    await page.evaluate(`${call}.${action}()`);
    await bob.waitFor(BaresipEvents.remoteOffer, 10_000, `re-INVITE for ${action}`, sinceEvents);
    await page.waitForFunction(`${call}.status() === '${action === 'hold' ? 'HOLD' : 'ESTABLISHED'}'`, 10_000);
    const sdps = tracedSdps(bob, sinceLog);
    const reoffer = sdps.find((x) => x.fromParley);
    const answer = sdps.find((x) => !x.fromParley);
    assert.match(
      reoffer?.audio ?? '',
      /^m=audio \d+ RTP\/SAVP /,
      `${action}: Parley's re-offer ${JSON.stringify(sdps)}`,
    );
    if (suites === undefined)
      assert.ok((reoffer?.crypto.length ?? 0) > 0, `${action}: Parley's re-offer carries a=crypto`);
    else assert.equal(reoffer?.crypto.length, suites, `${action}: every suite again`);
    assert.match(answer?.audio ?? '', /^m=audio [1-9]\d* RTP\/SAVP /, `${action}: baresip keeps the stream`);
    assert.equal(answer?.crypto.length, 1, `${action}: baresip keys it`);
  }
}

/** The tones both ways on the call whose remote stream the page keeps in window.remoteStream. */
async function assertTonesBothWays(page: PageLike, bob: Baresip, micToneHz: number, server: ServerProcess) {
  const heard = await toneWithin(page, 'window.remoteStream', BARESIP_HZ, 6000);
  assert.ok(heard.present, `the browser hears baresip's ${BARESIP_HZ} Hz through SRTP: ${JSON.stringify(heard)}`);
  const recording = await bob.waitForReceivedAudio(1500, 15_000);
  const bobHeard = detectTone(recording, micToneHz);
  assert.ok(bobHeard.present, `baresip hears the browser's ${micToneHz} Hz through SRTP: ${JSON.stringify(bobHeard)}`);
  // Every SRTP packet from baresip authenticated (Parley's debug log names each drop reason of a leg). Its
  // RTCP is not checked: baresip sends an RTCP APP "PING" and its RTCP BYE in the clear, outside SRTP.
  const drops = server.output().match(/"reason":"(SRTP packet dropped|malformed RTP)[^"]*"/g) ?? [];
  assert.deepEqual(drops, [], 'no SRTP packet dropped by Parley');
}

describe('SDES-SRTP toward baresip (mediaenc=srtp-mand) through Parley and Kamailio, Chromium', {
  timeout: 120_000,
}, () => {
  test(
    'default setting: baresip calls with RTP/SAVP and Parley answers with SDES, tones both ways; the browser calling it offers plain RTP and is refused',
    { timeout: 60_000 },
    (t) =>
      withArtifacts(t, async (artifacts) => {
        const { kamailio, bob, page, browser, server } = await setUp(artifacts, 'none');
        const sinceLog = bob.logLineCount;
        await bobCallsPage(kamailio, bob, page);
        await bob.waitForLog(/srtp: .*SRTP is Enabled/, 5000, sinceLog);

        const sdps = tracedSdps(bob, sinceLog);
        const offer = sdps.find((s) => !s.fromParley);
        const answer = sdps.find((s) => s.fromParley);
        assert.ok(offer && answer, `baresip's offer and Parley's answer in its SIP trace: ${JSON.stringify(sdps)}`);
        assert.match(offer.audio, /^m=audio \d+ RTP\/SAVP /, "baresip's offer");
        assert.ok(offer.crypto.length > 0, 'baresip offers a=crypto');
        assert.match(answer.audio, /^m=audio \d+ RTP\/SAVP /, "Parley's answer keeps the profile");
        assert.equal(answer.crypto.length, 1, 'RFC 4568 §5.1.2: one a=crypto in the answer');
        const chosen = answer.crypto[0];
        const offered = offer.crypto.find((c) => c.tag === chosen?.tag);
        assert.equal(chosen?.suite, offered?.suite, 'the answer names an offered line by tag, with its suite');
        assert.ok(SUITES.includes(chosen?.suite ?? ''), `a suite Parley supports: ${chosen?.suite}`);
        assert.notEqual(chosen?.key, offered?.key, 'Parley sends with its own key');

        await assertTonesBothWays(page, bob, browser.micToneHz, server);
        await bob.hangup();
        await page.waitForFunction("window.events.includes('in:FINISH')", 10_000);

        // Parley offers plain RTP/AVP (PARLEY_SIP_MEDIA_ENCRYPTION=none): baresip requires SRTP and refuses.
        const sinceOut = bob.logLineCount;
        const call = await page.evaluate<CallResult>(callInPage('1002'));
        assert.deepEqual(
          [call.status, call.info.sipStatus, call.info.sipReason],
          ['FAILED', 488, 'Not Acceptable Here'],
          `baresip's refusal reaches the page: ${JSON.stringify(call)}`,
        );
        const plainOffer = tracedSdps(bob, sinceOut).find((s) => s.fromParley);
        assert.match(plainOffer?.audio ?? '', /^m=audio \d+ RTP\/AVP /, 'Parley offered plain RTP');
        assert.deepEqual(plainOffer?.crypto, []);
      }),
  );

  test(
    "hold and unhold from the browser on baresip's SRTP call: Parley's re-offers stay RTP/SAVP with a=crypto, audio comes back",
    { timeout: 60_000 },
    (t) =>
      withArtifacts(t, async (artifacts) => {
        const { kamailio, bob, page } = await setUp(artifacts, 'none');
        await bobCallsPage(kamailio, bob, page);
        await holdAndUnholdKeepSrtp(page, bob, 'window.incoming');
        const heard = await toneWithin(page, 'window.remoteStream', BARESIP_HZ, 6000);
        assert.ok(heard.present, `after unhold the browser hears baresip again: ${JSON.stringify(heard)}`);
        await bob.hangup();
        await page.waitForFunction("window.events.includes('in:FINISH')", 10_000);
      }),
  );

  test(
    'PARLEY_SIP_MEDIA_ENCRYPTION=sdes: the browser calls baresip with RTP/SAVP and a=crypto for both suites, tones both ways',
    { timeout: 60_000 },
    (t) =>
      withArtifacts(t, async (artifacts) => {
        const { bob, page, browser, server } = await setUp(artifacts, 'sdes');
        const sinceLog = bob.logLineCount;
        const call = await page.evaluate<CallResult>(callInPage('1002'));
        assert.equal(call.status, 'ESTABLISHED', JSON.stringify(call));
        await bob.waitFor(BaresipEvents.established, 10_000);
        await bob.waitForLog(/srtp: .*SRTP is Enabled/, 5000, sinceLog);

        const sdps = tracedSdps(bob, sinceLog);
        const offer = sdps.find((s) => s.fromParley);
        const answer = sdps.find((s) => !s.fromParley);
        assert.ok(offer && answer, `Parley's offer and baresip's answer in its SIP trace: ${JSON.stringify(sdps)}`);
        assert.match(offer.audio, /^m=audio \d+ RTP\/SAVP /, "Parley's offer");
        assert.deepEqual(
          offer.crypto.map((c) => `${c.tag} ${c.suite}`),
          SUITES.map((s, i) => `${i + 1} ${s}`),
        );
        assert.match(answer.audio, /^m=audio \d+ RTP\/SAVP /, "baresip's answer");
        assert.equal(answer.crypto.length, 1, `baresip answers one a=crypto: ${JSON.stringify(answer.crypto)}`);
        const chosen = answer.crypto[0];
        assert.equal(chosen?.suite, offer.crypto.find((c) => c.tag === chosen?.tag)?.suite);

        await assertTonesBothWays(page, bob, browser.micToneHz, server);
        // Hold and unhold: each re-offer is RTP/SAVP again, with fresh keys, and baresip keeps the stream.
        await holdAndUnholdKeepSrtp(page, bob, 'window.call', SUITES.length);
        const heard = await toneWithin(page, 'window.remoteStream', BARESIP_HZ, 6000);
        assert.ok(heard.present, `after unhold the browser hears baresip through SRTP again: ${JSON.stringify(heard)}`);
        await page.evaluate('window.call.hangup()');
        await bob.waitFor(BaresipEvents.closed, 10_000);
      }),
  );
});
