// Wideband codecs passed through end to end (issue 4): a page served by Parley calls baresip through Kamailio
// (and is called by it) with baresip offering and accepting only G.722, then only Opus. Both sides must settle on
// that codec (the browser's getStats, baresip's recording rate and its SIP trace), each tone is heard at the
// other end and the browser's DTMF reaches baresip: in Chromium and in Firefox ESR. PCMU end to end is covered by server-call-baresip.test.ts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type Artifacts,
  BaresipEvents,
  type BrowserKind,
  detectTone,
  type PageLike,
  readWav,
  toneWithin,
  withArtifacts,
} from '../harness/index.js';
import { BARESIP_HZ, bobCallsPage, startBaresipCallRig } from './baresip-call-rig.js';
import { callInPage, registerInPage } from './sdk-page-scripts.js';

const BROWSER_HZ = 660;

interface CodecCase {
  /** baresip's audio_codecs entry (the harness expands it to name/rate/channels). */
  baresip: string;
  /** What the browser's getStats reports for it. */
  mimeType: string;
  clockRate: number;
  /** Sample rate of baresip's recording of what it decoded: G.722 is 16 kHz audio (RFC 3551 §4.5.2). */
  decodedHz: number;
  /** The a=rtpmap baresip sends and receives: G.722 keeps an 8000 Hz RTP clock (RFC 3551 §4.5.2). */
  rtpmap: RegExp;
}

const CASES: CodecCase[] = [
  { baresip: 'G722', mimeType: 'audio/G722', clockRate: 8000, decodedHz: 16000, rtpmap: /^a=rtpmap:9 G722\/8000$/m },
  {
    baresip: 'opus',
    mimeType: 'audio/opus',
    clockRate: 48000,
    decodedHz: 48000,
    rtpmap: /^a=rtpmap:\d+ opus\/48000\/2$/m,
  },
];

async function setUp(artifacts: Artifacts, kind: BrowserKind, codec: string) {
  return startBaresipCallRig(artifacts, { kind, browserToneHz: BROWSER_HZ, bob: { codecs: [codec] } });
}

interface RtpCodec {
  mimeType?: string;
  clockRate?: number;
  channels?: number;
  packets: number;
}

/**
 * The codec of the call's audio each way, from the page's W3C getStats (RTCCodecStats of the inbound-rtp and
 * outbound-rtp audio entries), read every 100 ms until packets have flowed both ways or 10 s have passed.
 */
function audioCodecsInPage(page: PageLike, callExpr: string) {
  return page.evaluate<{ inbound?: RtpCodec; outbound?: RtpCodec }>(`(async () => {
  const deadline = performance.now() + 10000;
  for (;;) {
    const stats = await ${callExpr}.getStats();
    const read = (type) => {
      let found;
      stats.forEach((s) => {
        if (s.type === type && s.kind === 'audio') {
          const c = s.codecId ? stats.get(s.codecId) : undefined;
          found = {
            mimeType: c?.mimeType, clockRate: c?.clockRate, channels: c?.channels,
            packets: s.packetsReceived ?? s.packetsSent ?? 0,
          };
        }
      });
      return found;
    };
    const inbound = read('inbound-rtp');
    const outbound = read('outbound-rtp');
    const ready = (r) => r && r.mimeType && r.packets > 0;
    if ((ready(inbound) && ready(outbound)) || performance.now() > deadline) return { inbound, outbound };
    await new Promise((r) => setTimeout(r, 100));
  }
})()`);
}

function assertCodec(side: string, got: RtpCodec | undefined, want: CodecCase) {
  assert.ok(got, `${side}: an audio RTP stream in getStats`);
  assert.equal(got.mimeType?.toLowerCase(), want.mimeType.toLowerCase(), `${side} codec: ${JSON.stringify(got)}`);
  assert.equal(got.clockRate, want.clockRate, `${side} RTP clock: ${JSON.stringify(got)}`);
  assert.ok(got.packets > 0, `${side}: packets flowed: ${JSON.stringify(got)}`);
}

for (const kind of ['chromium', 'firefox'] as const) {
  describe(`${kind} ⇄ Parley ⇄ baresip with a wideband codec only`, { timeout: 180_000 }, () => {
    for (const codec of CASES) {
      test(
        `${codec.baresip}: both sides negotiate it, tones both ways; then baresip calls and the browser answers`,
        { timeout: 60_000 },
        (t) =>
          withArtifacts(t, async (artifacts) => {
            const { kamailio, bob, page, browser } = await setUp(artifacts, kind, codec.baresip);
            assert.equal(
              (await page.evaluate<{ status: string }>(registerInPage(kamailio.domain))).status,
              'REGISTERED',
            );
            let sinceLog = bob.logLineCount;
            const call = await page.evaluate<{ status: string }>(callInPage('1002'));
            assert.equal(call.status, 'ESTABLISHED', JSON.stringify(call));
            await bob.waitFor(BaresipEvents.established, 10_000);

            // The browser's side: it sends and receives the codec, at its RTP clock.
            const pageCodecs = await audioCodecsInPage(page, 'window.call');
            assertCodec('browser inbound', pageCodecs.inbound, codec);
            assertCodec('browser outbound', pageCodecs.outbound, codec);
            // baresip's side: Parley's INVITE and baresip's answer name it (its SIP trace), and it decodes it.
            await bob.waitForLog(codec.rtpmap, 5000, sinceLog);
            const heard = await toneWithin(page, 'window.remoteStream', BARESIP_HZ, 5000);
            assert.ok(heard.present, `the browser hears baresip's ${BARESIP_HZ} Hz: ${JSON.stringify(heard)}`);
            const recording = await bob.waitForReceivedAudio(1500, 15_000);
            const wav = readWav(recording);
            assert.equal(wav.sampleRate, codec.decodedHz, `baresip decodes ${codec.baresip} at ${codec.decodedHz} Hz`);
            const bobHeard = detectTone(recording, browser.micToneHz);
            assert.ok(
              bobHeard.present,
              `baresip hears the browser's ${browser.micToneHz} Hz: ${JSON.stringify(bobHeard)}`,
            );
            // RFC 4733 events next to the codec: the browser's clock (48000 beside Opus, 8000 beside G.722) is
            // translated to baresip's telephone-event/8000.
            const sinceDtmf = bob.events.length;
            await page.evaluate("window.call.sendDTMF('15#')");
            assert.equal(await bob.receivedDigits(3, 10_000, sinceDtmf), '15#');
            await page.evaluate('window.call.hangup()');
            await bob.waitFor(BaresipEvents.closed, 10_000);

            // baresip calls: Parley offers the browser what baresip offered, and the browser answers with it.
            sinceLog = bob.logLineCount;
            await bobCallsPage(kamailio, bob, page);
            const inCodecs = await audioCodecsInPage(page, 'window.incoming');
            assertCodec('incoming call, browser inbound', inCodecs.inbound, codec);
            assertCodec('incoming call, browser outbound', inCodecs.outbound, codec);
            await bob.waitForLog(codec.rtpmap, 5000, sinceLog);
            const heardIn = await toneWithin(page, 'window.remoteStream', BARESIP_HZ, 5000);
            assert.ok(heardIn.present, `incoming: the browser hears ${BARESIP_HZ} Hz: ${JSON.stringify(heardIn)}`);
            // The tone above took 1.5 s: baresip's recording of this call is under way, newer than the first one.
            const recordingIn = await bob.waitForReceivedAudio(1500, 15_000);
            assert.notEqual(recordingIn, recording, 'a new recording for the second call');
            assert.equal(readWav(recordingIn).sampleRate, codec.decodedHz);
            const bobHeardIn = detectTone(recordingIn, browser.micToneHz);
            assert.ok(
              bobHeardIn.present,
              `incoming: baresip hears ${browser.micToneHz} Hz: ${JSON.stringify(bobHeardIn)}`,
            );
            await bob.hangup();
            await page.waitForFunction("window.events.includes('in:FINISH')", 10_000);
          }),
      );
    }
  });
}
