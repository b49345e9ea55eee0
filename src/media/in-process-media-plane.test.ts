import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { parseSessionDescription } from '../sdp/index.js';
import { fixtureText } from '../sdp/test-fixtures.js';
import { InProcessMediaPlane } from './in-process-media-plane.js';

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
});
