import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { parseSessionDescription } from '../../sdp/index.js';
import { fixtureText } from '../../sdp/test-fixtures.js';
import { WorkerMediaPlane } from './worker-media-plane.js';

describe('WorkerMediaPlane (the same interface across a worker thread)', () => {
  const plane = new WorkerMediaPlane({ rtpAddress: '127.0.0.1', rtpPortMin: 35400, rtpPortMax: 35499 });
  after(async () => {
    await plane.close();
    await plane.close();
  });

  test('negotiates in the worker: browser offer → RTP/AVP offer → device answer → browser answer', async () => {
    const webrtc = await plane.createWebRtcLeg({ iceLite: true });
    const rtp = await plane.createRtpLeg();
    await plane.connect(webrtc, rtp);
    await plane.applyOffer(webrtc, fixtureText('chromium-offer-audio.sdp'));
    const offer = parseSessionDescription(await plane.createOffer(rtp));
    assert.ok(offer.ok);
    assert.equal(offer.value.media[0]?.protocol, 'RTP/AVP');
    await plane.applyAnswer(
      rtp,
      'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\n',
    );
    const answer = parseSessionDescription(await plane.createAnswer(webrtc));
    assert.ok(answer.ok);
    assert.deepEqual(
      answer.value.media[0]?.codecs.map((c) => c.name),
      ['PCMA', 'telephone-event'],
    );
    const stats = await plane.getStats(rtp);
    assert.equal(stats.legId, rtp);
    await plane.closeLeg(webrtc);
    await plane.closeLeg(rtp);
  });

  test('errors cross the thread with their code and SIP status', async () => {
    const webrtc = await plane.createWebRtcLeg();
    const rtp = await plane.createRtpLeg();
    await plane.connect(webrtc, rtp);
    await plane.applyOffer(rtp, fixtureText('g729-only-offer.sdp'));
    await assert.rejects(plane.createOffer(webrtc), (e: unknown) => {
      const err = e as { name: string; code: string; sipStatus: number; message: string };
      assert.equal(err.name, 'MediaError');
      assert.equal(err.code, 'MEDIA_NO_COMMON_CODEC');
      assert.equal(err.sipStatus, 488);
      assert.match(err.message, /G729/);
      return true;
    });
    await assert.rejects(
      plane.closeLeg('nope').then(() => plane.applyOffer('nope', 'v=0')),
      { code: 'MEDIA_UNKNOWN_LEG' },
    );
  });
});
