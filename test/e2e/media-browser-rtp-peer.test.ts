// End to end through Parley's media plane: headless Chromium and Firefox (fake microphone 1 kHz, fake camera) ⇄
// WebRTC leg ⇄ bridge ⇄ RTP leg ⇄ a plain-RTP peer playing 880 Hz PCMU (src/media/testing/rtp-tone-peer.ts).
// The SDP exchange is driven by the test; the peer's SDP answer is written here as a SIP device would.
// The same test with baresip needs the SIP user agent and comes with issue 5.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { InProcessMediaPlane } from '../../src/media/in-process-media-plane.js';
import type { MediaPlane } from '../../src/media/media-plane.js';
import { parseTelephoneEvent } from '../../src/media/rtp/telephone-event.js';
import { RtpTonePeer } from '../../src/media/testing/rtp-tone-peer.js';
import { WorkerMediaPlane } from '../../src/media/worker/worker-media-plane.js';
import { parseSessionDescription } from '../../src/sdp/index.js';
import {
  detectToneInPage,
  detectToneInSamples,
  launchBrowser,
  startPageServer,
  withArtifacts,
} from '../harness/index.js';

const BROWSER_TONE = 1000;
const DEVICE_TONE = 880;
const WAIT_MS = 15_000;

const OFFER_IN_PAGE = `(async () => {
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
  const pc = new RTCPeerConnection();
  window.pc = pc;
  for (const t of stream.getTracks()) pc.addTrack(t, stream);
  window.remoteStream = new MediaStream();
  pc.ontrack = (e) => window.remoteStream.addTrack(e.track);
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise((resolve) => {
    if (pc.iceGatheringState === 'complete') return resolve();
    pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && resolve());
  });
  return pc.localDescription.sdp;
})()`;

const WATCH_VIDEO_IN_PAGE = `(() => {
  const video = document.createElement('video');
  video.muted = true;
  video.srcObject = window.remoteStream;
  document.body.append(video);
  video.play();
  window.framesDecoded = 0;
  setInterval(async () => {
    const stats = await window.pc.getStats();
    stats.forEach((s) => { if (s.type === 'inbound-rtp' && s.kind === 'video') window.framesDecoded = s.framesDecoded ?? 0; });
  }, 200);
})()`;

function deviceAnswer(audioPort: number, videoPort: number): string {
  return [
    'v=0',
    'o=- 1 1 IN IP4 127.0.0.1',
    's=device',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    `m=audio ${audioPort} RTP/AVP 0 101`,
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-16',
    'a=ptime:20',
    'a=sendrecv',
    `m=video ${videoPort} RTP/AVP 96`,
    'a=rtpmap:96 VP8/90000',
    'a=rtcp-fb:96 nack pli',
    'a=sendrecv',
    '',
  ].join('\r\n');
}

const ANSWER_IN_PAGE = (offer: string) => `(async () => {
  const pc = window.pc ?? new RTCPeerConnection();
  if (!window.pc) {
    window.pc = pc;
    window.remoteStream = new MediaStream();
    pc.ontrack = (e) => window.remoteStream.addTrack(e.track);
  }
  await pc.setRemoteDescription({ type: 'offer', sdp: ${JSON.stringify(offer)} });
  if (!window.micStream) {
    window.micStream = await navigator.mediaDevices.getUserMedia({ audio: true });
    for (const t of window.micStream.getTracks()) pc.addTrack(t, window.micStream);
  }
  await pc.setLocalDescription(await pc.createAnswer());
  await new Promise((resolve) => {
    if (pc.iceGatheringState === 'complete') return resolve();
    pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && resolve());
  });
  return pc.localDescription.sdp;
})()`;

const AUDIO_INBOUND_IN_PAGE = `(async () => {
  let out;
  (await window.pc.getStats()).forEach((s) => { if (s.type === 'inbound-rtp' && s.kind === 'audio') out = { packetsReceived: s.packetsReceived, packetsLost: s.packetsLost }; });
  return out;
})()`;

function deviceOffer(audioPort: number, version: number, direction: string): string {
  return [
    'v=0',
    `o=- 7 ${version} IN IP4 127.0.0.1`,
    's=device',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    `m=audio ${audioPort} RTP/AVP 0 8 101`,
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:8 PCMA/8000',
    'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-16',
    'a=ptime:20',
    `a=${direction}`,
    '',
  ].join('\r\n');
}

for (const [kind, where, portBase] of [
  ['chromium', 'in-process', 33000],
  ['firefox', 'in-process', 33300],
  ['chromium', 'worker', 33400],
] as const)
  describe(`media plane (${where}): ${kind} ⇄ WebRTC leg ⇄ RTP leg ⇄ PCMU peer`, () => {
    test('each tone is heard at the other end, video crosses both ways, DTMF from the browser reaches the device', async (t) => {
      let webrtc = '';
      let rtp = '';
      await withArtifacts(t, async (artifacts) => {
        const dropped = new Map<string, number>();
        const options = { rtpAddress: '127.0.0.1', rtpPortMin: portBase, rtpPortMax: portBase + 99 };
        const plane: MediaPlane =
          where === 'worker'
            ? new WorkerMediaPlane(options)
            : new InProcessMediaPlane({
                ...options,
                onDropped: (legId, reason) => {
                  const key = `${legId.split('-')[0]}: ${reason}`;
                  dropped.set(key, (dropped.get(key) ?? 0) + 1);
                },
              });
        artifacts.defer(async () => {
          const stats = {
            dropped: Object.fromEntries(dropped),
            webrtc: await plane.getStats(webrtc),
            rtp: await plane.getStats(rtp),
          };
          writeFileSync(artifacts.path('media-stats.json'), JSON.stringify(stats, null, 2));
          await plane.close();
        });
        const peer = await RtpTonePeer.start({ toneHz: DEVICE_TONE, payloadType: 0 });
        artifacts.defer(() => peer.close());
        const pages = await startPageServer();
        artifacts.defer(() => pages.close());
        const browser = await launchBrowser(artifacts, kind, { toneHz: BROWSER_TONE });
        artifacts.defer(() => browser.close());
        await browser.page.goto(`${pages.origin}/`);

        webrtc = await plane.createWebRtcLeg();
        rtp = await plane.createRtpLeg();
        await plane.connect(webrtc, rtp);
        const connected = new Promise<void>((resolve) => plane.on('connected', (e) => e.legId === webrtc && resolve()));
        const dtmf = new Promise<{ digit: string; legId: string }>((resolve) => plane.on('dtmf', resolve));

        // Browser → Parley → device, and the device's answer back.
        const browserOffer = await browser.page.evaluate<string>(OFFER_IN_PAGE);
        await plane.applyOffer(webrtc, browserOffer);
        const deviceOffer = await plane.createOffer(rtp);
        const offered = parseSessionDescription(deviceOffer);
        assert.ok(offered.ok);
        assert.equal(offered.value.media[0]?.protocol, 'RTP/AVP');
        assert.ok(!deviceOffer.includes('ice-ufrag') && !deviceOffer.includes('fingerprint'));
        const [audioPort, videoPort] = offered.value.media.map((m) => m.port);
        await plane.applyAnswer(rtp, deviceAnswer(peer.audioPort, peer.videoPort));
        const browserAnswer = await plane.createAnswer(webrtc);
        await browser.page.evaluate(
          `window.pc.setRemoteDescription({ type: 'answer', sdp: ${JSON.stringify(browserAnswer)} })`,
        );
        await Promise.race([
          connected,
          new Promise((_, reject) => setTimeout(() => reject(new Error('no DTLS')), WAIT_MS).unref()),
        ]);

        peer.sendTo(audioPort ?? 0);
        peer.echoVideoTo(videoPort ?? 0);

        // The device hears the browser's 1 kHz: two seconds of PCMU, Goertzel on the decoded samples.
        await peer.until(() => peer.received.length >= 16000, WAIT_MS, 'two seconds of PCMU at the device');
        const atDevice = detectToneInSamples(Float32Array.from(peer.received.slice(-16000)), 8000, browser.micToneHz);
        assert.ok(atDevice.present, `${browser.micToneHz} Hz at the device: ${JSON.stringify(atDevice)}`);

        // The browser hears the device's 880 Hz.
        const atBrowser = await detectToneInPage(browser.page, 'window.remoteStream', DEVICE_TONE, {
          durationMs: 2000,
        });
        assert.ok(atBrowser.present, `880 Hz in the browser: ${JSON.stringify(atBrowser)}`);

        // Video: Chromium's VP8 reaches the device with the device's PT, and the device's loop is decoded.
        await peer.until(() => (peer.videoPacketsByPt.get(96) ?? 0) >= 50, WAIT_MS, 'VP8 at the device');
        await browser.page.evaluate(WATCH_VIDEO_IN_PAGE);
        await browser.page.waitForFunction('window.framesDecoded > 10', WAIT_MS);

        // DTMF from the browser's keypad: RFC 4733 at PT 101 (8 kHz) at the device, and a dtmf event.
        await browser.page.evaluate(
          `window.pc.getSenders().find((s) => s.track && s.track.kind === 'audio').dtmf.insertDTMF('7', 200)`,
        );
        const event = await Promise.race([
          dtmf,
          new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no dtmf event')), WAIT_MS).unref()),
        ]);
        assert.deepEqual({ digit: event.digit, legId: event.legId }, { digit: '7', legId: webrtc });
        const te = peer.otherAudio.filter((p) => ((p[1] ?? 0) & 0x7f) === 101);
        assert.ok(te.length > 0, 'telephone-event packets at PT 101');
        const last = parseTelephoneEvent(te[te.length - 1] as Buffer, 12, 4);
        assert.ok(last.ok && last.value.event === 7);

        const stats = await plane.getStats(rtp);
        const audio = stats.streams.find((s) => s.kind === 'audio');
        assert.equal(audio?.codec, 'PCMU');
        assert.ok((audio?.packetsReceived ?? 0) > 50 && (audio?.packetsSent ?? 0) > 50);
        // The browser's DTLS chose the profile; Parley's SRTP carried the whole call with it.
        const browserSide = await plane.getStats(webrtc);
        assert.ok(
          ['AEAD_AES_128_GCM', 'AES_CM_128_HMAC_SHA1_80'].includes(browserSide.srtpProfile ?? ''),
          `SRTP profile: ${browserSide.srtpProfile}`,
        );
        assert.equal(stats.srtpProfile, undefined, 'plain RTP toward the device');
        t.diagnostic(`${kind}: DTLS-SRTP profile ${browserSide.srtpProfile}`);
      });
    });
  });

describe('media plane: a call from the RTP side, then a re-offer to another party on hold', () => {
  test('the browser answers our offer; a re-offer (new address, new SSRC, sendonly) keeps ICE and the stream continuous', async (t) => {
    await withArtifacts(t, async (artifacts) => {
      const plane = new InProcessMediaPlane({ rtpAddress: '127.0.0.1', rtpPortMin: 33100, rtpPortMax: 33199 });
      artifacts.defer(() => plane.close());
      const first = await RtpTonePeer.start({ toneHz: DEVICE_TONE, payloadType: 0, ssrc: 0x1111, firstSequence: 100 });
      artifacts.defer(() => first.close());
      const second = await RtpTonePeer.start({ toneHz: 660, payloadType: 0, ssrc: 0x2222, firstSequence: 40000 });
      artifacts.defer(() => second.close());
      const pages = await startPageServer();
      artifacts.defer(() => pages.close());
      const browser = await launchBrowser(artifacts, 'chromium', { toneHz: BROWSER_TONE });
      artifacts.defer(() => browser.close());
      await browser.page.goto(`${pages.origin}/`);

      const webrtc = await plane.createWebRtcLeg();
      const rtp = await plane.createRtpLeg();
      await plane.connect(webrtc, rtp);
      const connected = new Promise<void>((resolve) => plane.on('connected', (e) => e.legId === webrtc && resolve()));

      await plane.applyOffer(rtp, deviceOffer(first.audioPort, 1, 'sendrecv'));
      const offerToBrowser = await plane.createOffer(webrtc);
      await plane.applyAnswer(webrtc, await browser.page.evaluate<string>(ANSWER_IN_PAGE(offerToBrowser)));
      const answerToDevice = parseSessionDescription(await plane.createAnswer(rtp));
      assert.ok(answerToDevice.ok);
      // Chromium may accept several of the offered codecs (RFC 3264 §6.1); PCMU first, DTMF kept.
      const answered = answerToDevice.value.media[0]?.codecs.map((c) => c.name) ?? [];
      assert.equal(answered[0], 'PCMU');
      assert.ok(answered.includes('telephone-event'));
      const port = answerToDevice.value.media[0]?.port ?? 0;
      await Promise.race([
        connected,
        new Promise((_, reject) => setTimeout(() => reject(new Error('no DTLS')), WAIT_MS).unref()),
      ]);

      first.sendTo(port);
      await first.until(() => first.received.length >= 8000, WAIT_MS, 'a second of PCMU at the first device');
      assert.ok(detectToneInSamples(Float32Array.from(first.received.slice(-8000)), 8000, BROWSER_TONE).present);
      assert.ok(
        (await detectToneInPage(browser.page, 'window.remoteStream', DEVICE_TONE, { durationMs: 1500 })).present,
      );

      // Transfer + hold: the SIP side re-offers another party (new address, SSRC, sequence) as sendonly.
      first.close();
      await plane.applyOffer(rtp, deviceOffer(second.audioPort, 2, 'sendonly'));
      const reoffer = await plane.createOffer(webrtc);
      const [before, after] = [offerToBrowser, reoffer].map((s) => {
        const p = parseSessionDescription(s);
        assert.ok(p.ok);
        return p.value;
      });
      assert.deepEqual(after?.media[0]?.ice, before?.media[0]?.ice, 'same ICE ufrag/pwd/candidates: no ICE restart');
      assert.deepEqual(after?.media[0]?.dtls, before?.media[0]?.dtls, 'same DTLS fingerprint');
      assert.equal(after?.media[0]?.mid, before?.media[0]?.mid);
      assert.equal(after?.media[0]?.direction, 'sendonly');
      const lostBefore = await browser.page.evaluate<{ packetsLost: number }>(AUDIO_INBOUND_IN_PAGE);
      await plane.applyAnswer(webrtc, await browser.page.evaluate<string>(ANSWER_IN_PAGE(reoffer)));
      const holdAnswer = await plane.createAnswer(rtp);
      assert.match(holdAnswer, /a=recvonly/);
      second.sendTo(port);

      const heard = await detectToneInPage(browser.page, 'window.remoteStream', 660, { durationMs: 2000 });
      assert.ok(heard.present, `the new party's 660 Hz in the browser: ${JSON.stringify(heard)}`);
      assert.equal(await browser.page.evaluate<string>('window.pc.connectionState'), 'connected');
      const inbound = await browser.page.evaluate<{ packetsReceived: number; packetsLost: number }>(
        AUDIO_INBOUND_IN_PAGE,
      );
      // Sequence numbers continued across the switch: the browser counts no burst of loss.
      assert.ok(
        inbound.packetsLost - lostBefore.packetsLost < 20,
        `packets lost across the switch: ${JSON.stringify(inbound)}`,
      );
    });
  });
});

describe('media plane: opus passed through, DTMF clock translated', () => {
  test('opus from Chromium reaches a baresip-style device (opus 96 + telephone-event/8000 only), loops back and is heard; 48 kHz DTMF arrives in 8 kHz units', async (t) => {
    await withArtifacts(t, async (artifacts) => {
      const plane = new InProcessMediaPlane({ rtpAddress: '127.0.0.1', rtpPortMin: 33200, rtpPortMax: 33299 });
      artifacts.defer(() => plane.close());
      const device = await RtpTonePeer.start({ toneHz: DEVICE_TONE, payloadType: 0 });
      artifacts.defer(() => device.close());
      const pages = await startPageServer();
      artifacts.defer(() => pages.close());
      const browser = await launchBrowser(artifacts, 'chromium', { toneHz: BROWSER_TONE });
      artifacts.defer(() => browser.close());
      await browser.page.goto(`${pages.origin}/`);

      const webrtc = await plane.createWebRtcLeg();
      const rtp = await plane.createRtpLeg();
      await plane.connect(webrtc, rtp);
      const connected = new Promise<void>((resolve) => plane.on('connected', (e) => e.legId === webrtc && resolve()));
      const dtmf = new Promise<{ digit: string; durationMs: number }>((resolve) => plane.on('dtmf', resolve));

      await plane.applyOffer(webrtc, await browser.page.evaluate<string>(OFFER_IN_PAGE));
      const offer = parseSessionDescription(await plane.createOffer(rtp));
      assert.ok(offer.ok);
      const port = offer.value.media[0]?.port ?? 0;
      // baresip 1.0's answer style: opus on its own PT, telephone-event at 8 kHz only; video refused.
      await plane.applyAnswer(
        rtp,
        [
          'v=0',
          'o=- 1 1 IN IP4 127.0.0.1',
          's=-',
          'c=IN IP4 127.0.0.1',
          't=0 0',
          `m=audio ${device.audioPort} RTP/AVP 96 101`,
          'a=rtpmap:96 opus/48000/2',
          'a=fmtp:96 stereo=1;sprop-stereo=1',
          'a=rtpmap:101 telephone-event/8000',
          'a=fmtp:101 0-15',
          'a=ptime:20',
          'a=sendrecv',
          'm=video 0 RTP/AVP 96',
          '',
        ].join('\r\n'),
      );
      const answerText = await plane.createAnswer(webrtc);
      const answer = parseSessionDescription(answerText);
      assert.ok(answer.ok);
      assert.deepEqual(
        answer.value.media[0]?.codecs.map((c) => `${c.payloadType} ${c.name}/${c.clockRate}`),
        ['111 opus/48000', '110 telephone-event/48000'],
      );
      assert.equal(answer.value.media[1]?.port, 0, 'video refused by the device is refused to the browser');
      await browser.page.evaluate(
        `window.pc.setRemoteDescription({ type: 'answer', sdp: ${JSON.stringify(answerText)} })`,
      );
      await Promise.race([
        connected,
        new Promise((_, reject) => setTimeout(() => reject(new Error('no DTLS')), WAIT_MS).unref()),
      ]);

      // The device loops the opus packets back as they came (PT 96): the browser hears its own 1 kHz.
      device.echoAudioTo(port, 96);
      const heard = await detectToneInPage(browser.page, 'window.remoteStream', BROWSER_TONE, { durationMs: 2000 });
      assert.ok(heard.present, `1 kHz back in the browser through opus passthrough: ${JSON.stringify(heard)}`);
      assert.ok((device.packetsByPt.get(96) ?? 0) > 50, 'opus reached the device with its own payload type');
      assert.equal(device.packetsByPt.get(111), undefined, "the browser's PT never reaches the device");

      // 200 ms of '5' from the browser's keypad, in its 48 kHz clock, arrives as 8 kHz units (≈1600).
      await browser.page.evaluate(
        `window.pc.getSenders().find((s) => s.track && s.track.kind === 'audio').dtmf.insertDTMF('5', 200)`,
      );
      const event = await Promise.race([
        dtmf,
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no dtmf event')), WAIT_MS).unref()),
      ]);
      assert.equal(event.digit, '5');
      assert.ok(event.durationMs >= 150 && event.durationMs <= 400, `event of ${event.durationMs} ms`);
      // The event is raised as the end packet passes the bridge; wait for it to land at the device.
      const endAtDevice = () =>
        device.otherAudio.find((p) => ((p[1] ?? 0) & 0x7f) === 101 && ((p[13] ?? 0) & 0x80) !== 0);
      await device.until(() => endAtDevice() !== undefined, WAIT_MS, 'the end of the event at the device');
      const last = parseTelephoneEvent(endAtDevice() as Buffer, 12, 4);
      assert.ok(last.ok && last.value.event === 5 && last.value.end);
      assert.ok(
        last.value.duration >= 1200 && last.value.duration <= 3200,
        `duration ${last.value.duration} in 8 kHz units`,
      );
    });
  });
});
