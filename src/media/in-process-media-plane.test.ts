import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { parseSessionDescription } from '../sdp/index.js';
import { fixtureText } from '../sdp/test-fixtures.js';
import { InProcessMediaPlane } from './in-process-media-plane.js';

function parse(text: string) {
  const r = parseSessionDescription(text);
  if (!r.ok) throw r.error;
  return r.value;
}

describe('InProcessMediaPlane negotiation (no media)', () => {
  const plane = new InProcessMediaPlane({ rtpAddress: '127.0.0.1', rtpPortMin: 34000, rtpPortMax: 34099 });
  after(async () => {
    await plane.close();
    await plane.close();
  });

  test('a browser offer becomes an RTP/AVP offer with even ports from the range and the browser codecs', async () => {
    const webrtc = await plane.createWebRtcLeg();
    const rtp = await plane.createRtpLeg();
    await plane.connect(webrtc, rtp);
    await plane.applyOffer(webrtc, fixtureText('chromium-offer-audio-video.sdp'));
    const offer = parseSessionDescription(await plane.createOffer(rtp));
    assert.ok(offer.ok);
    const [audio, video] = offer.value.media;
    assert.equal(audio?.address, '127.0.0.1');
    assert.ok(audio && audio.port >= 34000 && audio.port <= 34099 && audio.port % 2 === 0);
    assert.ok(video && video.port !== audio.port);
    assert.deepEqual(
      audio.codecs.map((c) => c.name),
      ['opus', 'G722', 'PCMU', 'PCMA', 'telephone-event'],
    );
    await plane.closeLeg(webrtc);
    await plane.closeLeg(rtp);
  });

  test('a G.729-only device offer fails with MEDIA_NO_COMMON_CODEC, 488 and a reason naming G729', async () => {
    const webrtc = await plane.createWebRtcLeg();
    const rtp = await plane.createRtpLeg();
    await plane.connect(webrtc, rtp);
    await plane.applyOffer(rtp, fixtureText('g729-only-offer.sdp'));
    await assert.rejects(plane.createOffer(webrtc), (e: unknown) => {
      const err = e as { code: string; sipStatus: number; message: string };
      assert.equal(err.code, 'MEDIA_NO_COMMON_CODEC');
      assert.equal(err.sipStatus, 488);
      assert.match(err.message, /G729/);
      return true;
    });
    await plane.closeLeg(rtp);
    await plane.closeLeg(rtp);
    await plane.closeLeg(webrtc);
  });

  test('unreadable SDP is rejected with MEDIA_BAD_SDP; unknown legs with MEDIA_UNKNOWN_LEG', async () => {
    const rtp = await plane.createRtpLeg();
    await assert.rejects(plane.applyOffer(rtp, 'garbage'), { code: 'MEDIA_BAD_SDP' });
    await assert.rejects(plane.applyOffer('nope', 'v=0\r\n'), { code: 'MEDIA_UNKNOWN_LEG' });
    await plane.closeLeg(rtp);
  });

  test('browser call: early media, final answer, then a browser hold re-offer answered without an ICE restart', async () => {
    const webrtc = await plane.createWebRtcLeg({ iceLite: true });
    const rtp = await plane.createRtpLeg();
    await plane.connect(webrtc, rtp);
    const browserOffer = fixtureText('chromium-offer-audio.sdp');
    await plane.applyOffer(webrtc, browserOffer);
    const deviceOffer = parse(await plane.createOffer(rtp));
    const port = deviceOffer.media[0]?.port;
    const device = (version: number, direction: string) =>
      `v=0\r\no=- 5 ${version} IN IP4 192.0.2.10\r\ns=Asterisk\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n` +
      `m=audio 17552 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=${direction}\r\n`;
    // 183 Session Progress with SDP (early media), then the 200 OK with the same SDP.
    await plane.applyAnswer(rtp, device(1, 'sendrecv'));
    const answer = parse(await plane.createAnswer(webrtc));
    await plane.applyAnswer(rtp, device(1, 'sendrecv'));
    assert.deepEqual(
      answer.media[0]?.codecs.map((c) => `${c.payloadType} ${c.name}`),
      ['0 PCMU', '126 telephone-event'],
    );
    assert.equal(answer.media[0]?.ice?.lite, true);
    assert.equal(answer.media[0]?.dtls?.setup, 'active', 'werift takes the DTLS client role (RFC 5763 §5)');
    assert.ok(answer.media[0]?.ssrc !== undefined, 'a=ssrc announced for BUNDLE demultiplexing');

    // The browser puts the call on hold: sendonly re-offer (same ICE credentials on its side).
    await plane.applyOffer(
      webrtc,
      browserOffer.replace('a=sendrecv', 'a=sendonly').replace(/^o=(\S+ \S+) 2/m, 'o=$1 3'),
    );
    const hold = parse(await plane.createOffer(rtp));
    assert.equal(hold.media[0]?.direction, 'sendonly');
    assert.equal(hold.media[0]?.port, port, 'same RTP port');
    assert.equal(hold.origin.sessionVersion, deviceOffer.origin.sessionVersion + 1);
    await plane.applyAnswer(rtp, device(2, 'recvonly'));
    const holdAnswer = parse(await plane.createAnswer(webrtc));
    assert.equal(holdAnswer.media[0]?.direction, 'recvonly');
    assert.deepEqual(holdAnswer.media[0]?.ice, answer.media[0]?.ice, 'no ICE restart');
    assert.deepEqual(holdAnswer.media[0]?.dtls, answer.media[0]?.dtls);
    assert.equal(holdAnswer.origin.sessionId, answer.origin.sessionId);
    assert.equal(holdAnswer.origin.sessionVersion, answer.origin.sessionVersion + 1);

    // Parley resumes toward the device on its own: only the codec in use is offered.
    const resume = parse(await plane.update(rtp, { direction: 'sendrecv' }));
    assert.deepEqual(
      resume.media[0]?.codecs.map((c) => c.name),
      ['PCMU', 'telephone-event'],
    );
    assert.equal(resume.media[0]?.direction, 'sendrecv');
    await plane.applyAnswer(rtp, device(3, 'sendrecv'));

    // The device holds too (sendonly re-offer), answered from what the browser negotiated without asking it:
    // the browser only sends (its own hold), the device only sends: nothing can flow (RFC 3264 §6.1).
    await plane.applyOffer(rtp, device(4, 'sendonly'));
    const local = parse(await plane.createAnswer(rtp));
    assert.equal(local.media[0]?.direction, 'inactive');
    assert.deepEqual(
      local.media[0]?.codecs.map((c) => c.name),
      ['PCMU', 'telephone-event'],
    );
    assert.equal(local.media[0]?.port, port);
    await plane.closeLeg(webrtc);
    await plane.closeLeg(rtp);
  });

  test('SDES-SRTP toward the SIP side: our offer carries a=crypto for each suite; a device offer is answered in kind', async () => {
    const webrtc = await plane.createWebRtcLeg();
    const rtp = await plane.createRtpLeg({ sdesSrtp: true });
    await plane.connect(webrtc, rtp);
    await plane.applyOffer(webrtc, fixtureText('chromium-offer-audio.sdp'));
    const offer = parse(await plane.createOffer(rtp));
    assert.equal(offer.media[0]?.protocol, 'RTP/SAVP');
    assert.deepEqual(
      offer.media[0]?.crypto.map((c) => `${c.tag} ${c.suite}`),
      ['1 AES_CM_128_HMAC_SHA1_80', '2 AEAD_AES_128_GCM'],
    );
    await plane.closeLeg(webrtc);
    await plane.closeLeg(rtp);
  });

  for (const [suite, ok] of [
    ['AES_CM_128_HMAC_SHA1_80', true],
    ['F8_128_HMAC_SHA1_80', false],
  ] as const) {
    test(`a device offering RTP/SAVP with ${suite} is ${ok ? 'answered with its suite and tag' : 'refused with 488'}`, async () => {
      const webrtc = await plane.createWebRtcLeg();
      const rtp = await plane.createRtpLeg();
      await plane.connect(webrtc, rtp);
      const key = Buffer.alloc(30, 7).toString('base64');
      await plane.applyOffer(
        rtp,
        'v=0\r\no=- 1 1 IN IP4 192.0.2.9\r\ns=-\r\nc=IN IP4 192.0.2.9\r\nt=0 0\r\n' +
          `m=audio 20000 RTP/SAVP 0\r\na=rtpmap:0 PCMU/8000\r\na=crypto:3 ${suite} inline:${key}\r\na=sendrecv\r\n`,
      );
      const toBrowser = await plane.createOffer(webrtc);
      // The browser's answer, as Chromium would write it for this offer (its transport from the fixture).
      const browserAnswer = fixtureText('chromium-offer-audio.sdp')
        .replace('a=setup:actpass', 'a=setup:active')
        .replace(/^m=audio (\d+) UDP\/TLS\/RTP\/SAVPF .*$/m, 'm=audio $1 UDP/TLS/RTP/SAVPF 0')
        .replace(/^a=(rtpmap|fmtp|rtcp-fb):(?!0 ).*\r?\n/gm, '');
      assert.match(toBrowser, /a=mid:0/);
      await plane.applyAnswer(webrtc, browserAnswer);
      if (ok) {
        const answer = parse(await plane.createAnswer(rtp));
        assert.equal(answer.media[0]?.protocol, 'RTP/SAVP');
        assert.equal(answer.media[0]?.crypto.length, 1);
        assert.equal(answer.media[0]?.crypto[0]?.tag, 3);
        assert.equal(answer.media[0]?.crypto[0]?.suite, suite);
        assert.notEqual(answer.media[0]?.crypto[0]?.keyParams, `inline:${key}`, 'our own key');
        // A re-offer of ours on this call (hold) keeps SRTP: RTP/SAVP, a=crypto for each suite.
        const reoffer = parse(await plane.update(rtp, { direction: 'sendonly' }));
        assert.equal(reoffer.media[0]?.protocol, 'RTP/SAVP', 'a re-offer must not fall back to RTP/AVP');
        assert.equal(reoffer.media[0]?.crypto.length, 2);
      } else {
        await assert.rejects(plane.createAnswer(rtp), { code: 'MEDIA_BAD_SDP', sipStatus: 488 });
      }
      await plane.closeLeg(webrtc);
      await plane.closeLeg(rtp);
    });
  }

  test('with statsIntervalMs, a stats event is emitted per leg', async () => {
    const withStats = new InProcessMediaPlane({
      rtpAddress: '127.0.0.1',
      rtpPortMin: 34100,
      rtpPortMax: 34199,
      statsIntervalMs: 20,
    });
    try {
      const rtp = await withStats.createRtpLeg();
      const stats = await new Promise<{ legId: string }>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no stats event')), 2000);
        withStats.on('stats', (s) => {
          clearTimeout(timer);
          resolve(s);
        });
      });
      assert.equal(stats.legId, rtp);
    } finally {
      await withStats.close();
    }
  });
});
