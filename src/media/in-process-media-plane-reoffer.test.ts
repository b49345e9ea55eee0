// Re-offers from the SIP side on a browser call (issue 4: "a codec change ... without an ICE restart"):
// answered locally only from what the browser agreed to; otherwise MEDIA_RENEGOTIATION_NEEDED, and the
// browser gets a re-offer on the same transport whose answer gives the device's.
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

const names = (text: string) => parse(text).media[0]?.codecs.map((c) => `${c.payloadType} ${c.name}`);

/** A device's SDP with one audio stream (telephone-event/8000 as 101). */
const device = (version: number, payloads: string, rtpmaps: string, extra = '') =>
  `v=0\r\no=- 5 ${version} IN IP4 192.0.2.10\r\ns=pbx\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n` +
  `m=audio 17552 RTP/AVP ${payloads} 101\r\n${rtpmaps}a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=sendrecv\r\n${extra}`;
const PCMU = 'a=rtpmap:0 PCMU/8000\r\n';
const G722 = 'a=rtpmap:9 G722/8000\r\n';
const PCMA = 'a=rtpmap:8 PCMA/8000\r\n';

/** Chromium's answer to our offer (its transport from the fixture), with the given payload types only. */
const browserAnswer = (pts: string) =>
  fixtureText('chromium-offer-audio.sdp')
    .replace('a=setup:actpass', 'a=setup:active')
    .replace(/^o=(\S+ \S+) 2/m, 'o=$1 3')
    .replace(/^m=audio (\d+) UDP\/TLS\/RTP\/SAVPF .*$/m, `m=audio $1 UDP/TLS/RTP/SAVPF ${pts}`)
    .replace(new RegExp(`^a=(rtpmap|fmtp|rtcp-fb):(?!(${pts.split(' ').join('|')}) ).*\\r?\\n`, 'gm'), '');

describe('InProcessMediaPlane: re-offers from the SIP side on a browser call', () => {
  const plane = new InProcessMediaPlane({ rtpAddress: '127.0.0.1', rtpPortMin: 34200, rtpPortMax: 34299 });
  after(() => plane.close());

  /** Chromium offers opus, G722, PCMU, PCMA...; the device answers PCMU; the browser is answered PCMU. */
  async function pcmuCall() {
    const webrtc = await plane.createWebRtcLeg({ iceLite: true });
    const rtp = await plane.createRtpLeg();
    await plane.connect(webrtc, rtp);
    await plane.applyOffer(webrtc, fixtureText('chromium-offer-audio.sdp'));
    await plane.createOffer(rtp);
    await plane.applyAnswer(rtp, device(1, '0', PCMU));
    const answer = await plane.createAnswer(webrtc);
    assert.deepEqual(names(answer), ['0 PCMU', '126 telephone-event']);
    return { webrtc, rtp, answer: parse(answer) };
  }

  test('a G.722-only re-offer is not answered G.722 behind the browser: MEDIA_RENEGOTIATION_NEEDED, 488', async () => {
    const { webrtc, rtp } = await pcmuCall();
    await plane.applyOffer(rtp, device(2, '9', G722));
    await assert.rejects(plane.createAnswer(rtp), (e: unknown) => {
      const err = e as { code: string; sipStatus: number; message: string };
      assert.equal(err.code, 'MEDIA_RENEGOTIATION_NEEDED');
      assert.equal(err.sipStatus, 488);
      assert.match(err.message, /drops PCMU/);
      return true;
    });
    await plane.closeLeg(webrtc);
    await plane.closeLeg(rtp);
  });

  test('hold (PCMU sendonly) and a re-offer listing G722 and PCMU stay local, answered PCMU', async () => {
    const { webrtc, rtp } = await pcmuCall();
    await plane.applyOffer(rtp, device(2, '0', PCMU).replace('a=sendrecv', 'a=sendonly'));
    const hold = parse(await plane.createAnswer(rtp));
    assert.equal(hold.media[0]?.direction, 'recvonly');
    await plane.applyOffer(rtp, device(3, '9 0', G722 + PCMU));
    assert.deepEqual(names(await plane.createAnswer(rtp)), ['0 PCMU', '101 telephone-event']);
    await plane.closeLeg(webrtc);
    await plane.closeLeg(rtp);
  });

  test('a re-offer adding a video stream needs renegotiation', async () => {
    const { webrtc, rtp } = await pcmuCall();
    await plane.applyOffer(rtp, device(2, '0', PCMU, 'm=video 17554 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\n'));
    await assert.rejects(plane.createAnswer(rtp), { code: 'MEDIA_RENEGOTIATION_NEEDED', sipStatus: 488 });
    await plane.closeLeg(webrtc);
    await plane.closeLeg(rtp);
  });

  test('renegotiation: the browser is re-offered G722 on the same transport, its answer gives the device G722', async () => {
    const { webrtc, rtp, answer } = await pcmuCall();
    await plane.applyOffer(rtp, device(2, '9', G722));
    await assert.rejects(plane.createAnswer(rtp), { code: 'MEDIA_RENEGOTIATION_NEEDED' });
    const reoffer = parse(await plane.createOffer(webrtc));
    assert.deepEqual(
      reoffer.media[0]?.codecs.map((c) => `${c.payloadType} ${c.name}`),
      ['9 G722', '101 telephone-event'],
    );
    assert.deepEqual(reoffer.media[0]?.ice, answer.media[0]?.ice, 'no ICE restart: same ufrag, pwd, candidates');
    assert.deepEqual(reoffer.media[0]?.dtls?.fingerprint, answer.media[0]?.dtls?.fingerprint);
    assert.equal(reoffer.media[0]?.mid, '0');
    assert.equal(reoffer.origin.sessionId, answer.origin.sessionId);
    assert.equal(reoffer.origin.sessionVersion, answer.origin.sessionVersion + 1);
    assert.equal((await plane.getStats(webrtc)).streams[0]?.codec, 'G722', 'the leg takes the offered PTs');
    await plane.applyAnswer(webrtc, browserAnswer('9 101'));
    assert.deepEqual(names(await plane.createAnswer(rtp)), ['9 G722', '101 telephone-event']);
    // The next device re-offer (hold, G722) is local again: the browser now agreed to G722.
    await plane.applyOffer(rtp, device(3, '9', G722).replace('a=sendrecv', 'a=sendonly'));
    assert.equal(parse(await plane.createAnswer(rtp)).media[0]?.direction, 'recvonly');
    await plane.closeLeg(webrtc);
    await plane.closeLeg(rtp);
  });

  test('rollback after a re-offer the browser never answered: the legs are back on PCMU', async () => {
    const { webrtc, rtp } = await pcmuCall();
    await plane.applyOffer(rtp, device(2, '9', G722));
    await assert.rejects(plane.createAnswer(rtp), { code: 'MEDIA_RENEGOTIATION_NEEDED' });
    await plane.createOffer(webrtc);
    await plane.rollback(webrtc);
    await plane.rollback(rtp);
    assert.equal((await plane.getStats(webrtc)).streams[0]?.codec, 'PCMU');
    await assert.rejects(plane.createAnswer(rtp), { code: 'MEDIA_BAD_STATE' }, 'the re-offer was dropped');
    await plane.applyOffer(rtp, device(3, '0', PCMU));
    assert.deepEqual(names(await plane.createAnswer(rtp)), ['0 PCMU', '101 telephone-event']);
    await plane.rollback(webrtc);
    await plane.closeLeg(webrtc);
    await plane.closeLeg(rtp);
  });
});

describe('InProcessMediaPlane: the browser re-offered to follow an answer on the RTP leg', () => {
  const plane = new InProcessMediaPlane({ rtpAddress: '127.0.0.1', rtpPortMin: 34300, rtpPortMax: 34399 });
  after(() => plane.close());

  /** The browser calls; the device answers `payload` first (a 183's SDP, or the 200's); the browser is answered. */
  async function browserCall(payload: string, rtpmap: string) {
    const webrtc = await plane.createWebRtcLeg({ iceLite: true });
    const rtp = await plane.createRtpLeg();
    await plane.connect(webrtc, rtp);
    await plane.applyOffer(webrtc, fixtureText('chromium-offer-audio.sdp'));
    await plane.createOffer(rtp);
    await plane.applyAnswer(rtp, device(1, payload, rtpmap));
    const answer = parse(await plane.createAnswer(webrtc));
    return { webrtc, rtp, answer };
  }

  test('early media: a 183 in PCMA, then a 2xx in PCMU: the browser is re-offered PCMU on the same transport', async () => {
    const { webrtc, rtp, answer } = await browserCall('8', PCMA);
    assert.deepEqual(
      answer.media[0]?.codecs.map((c) => c.name),
      ['PCMA', 'telephone-event'],
    );
    assert.equal(await plane.offerFollowingAnswer(webrtc), undefined, 'the 183 itself needs nothing');
    await plane.applyAnswer(rtp, device(2, '0', PCMU));
    const text = await plane.offerFollowingAnswer(webrtc);
    assert.ok(text, 'a 2xx in PCMU needs the browser');
    const reoffer = parse(text);
    assert.deepEqual(
      reoffer.media[0]?.codecs.map((c) => `${c.payloadType} ${c.name}`),
      ['0 PCMU', '101 telephone-event'],
    );
    assert.deepEqual(reoffer.media[0]?.ice, answer.media[0]?.ice, 'no ICE restart');
    assert.deepEqual(reoffer.media[0]?.dtls?.fingerprint, answer.media[0]?.dtls?.fingerprint);
    assert.equal(reoffer.media[0]?.mid, answer.media[0]?.mid);
    await plane.applyAnswer(webrtc, browserAnswer('0 101'));
    assert.equal((await plane.getStats(webrtc)).streams[0]?.codec, 'PCMU');
    assert.equal(await plane.offerFollowingAnswer(webrtc), undefined, 'the browser now agreed to PCMU');
    // A later device re-offer (hold, PCMU) is answered locally from the browser's new agreement.
    await plane.applyOffer(rtp, device(3, '0', PCMU).replace('a=sendrecv', 'a=sendonly'));
    assert.deepEqual(names(await plane.createAnswer(rtp)), ['0 PCMU', '101 telephone-event']);
    await plane.closeLeg(webrtc);
    await plane.closeLeg(rtp);
  });

  test('a 2xx that keeps the codecs of the 183 needs no re-offer', async () => {
    const { webrtc, rtp } = await browserCall('8 0', PCMA + PCMU);
    await plane.applyAnswer(rtp, device(2, '8', PCMA));
    assert.equal(await plane.offerFollowingAnswer(webrtc), undefined);
    await plane.closeLeg(webrtc);
    await plane.closeLeg(rtp);
  });

  test('a transfer: the new peer is offered what the browser offered; its G722 answer is followed by the browser', async () => {
    const { webrtc, rtp } = await browserCall('0', PCMU);
    const hold = parse(await plane.update(rtp, { direction: 'sendonly' }));
    assert.deepEqual(
      hold.media[0]?.codecs.map((c) => c.name),
      ['PCMU', 'telephone-event'],
      'hold: only the codecs in use',
    );
    await plane.applyAnswer(rtp, device(2, '0', PCMU).replace('a=sendrecv', 'a=recvonly'));
    const offer = parse(await plane.update(rtp, { direction: 'sendrecv', newPeer: true }));
    assert.deepEqual(
      offer.media[0]?.codecs.map((c) => c.name),
      ['opus', 'G722', 'PCMU', 'PCMA', 'telephone-event'],
    );
    assert.equal(offer.media[0]?.direction, 'sendrecv');
    await plane.applyAnswer(rtp, device(3, '9', G722));
    const text = await plane.offerFollowingAnswer(webrtc);
    assert.ok(text);
    assert.deepEqual(
      parse(text).media[0]?.codecs.map((c) => c.name),
      ['G722', 'telephone-event'],
    );
    await plane.applyAnswer(webrtc, browserAnswer('9 101'));
    assert.equal((await plane.getStats(webrtc)).streams[0]?.codec, 'G722');
    assert.equal((await plane.getStats(rtp)).streams[0]?.codec, 'G722');
    await plane.closeLeg(webrtc);
    await plane.closeLeg(rtp);
  });

  test('a browser that never answers the follow-up offer: rollback puts its leg back on PCMA', async () => {
    const { webrtc, rtp } = await browserCall('8', PCMA);
    await plane.applyAnswer(rtp, device(2, '0', PCMU));
    assert.ok(await plane.offerFollowingAnswer(webrtc));
    assert.equal((await plane.getStats(webrtc)).streams[0]?.codec, 'PCMU', 'the offer gave the leg its PTs');
    await plane.rollback(webrtc);
    assert.equal((await plane.getStats(webrtc)).streams[0]?.codec, 'PCMA');
    await plane.closeLeg(webrtc);
    await plane.closeLeg(rtp);
  });

  test('nothing to follow: the partner only has an offer, not an answer: MEDIA_BAD_STATE', async () => {
    const webrtc = await plane.createWebRtcLeg({ iceLite: true });
    const rtp = await plane.createRtpLeg();
    await plane.connect(webrtc, rtp);
    await plane.applyOffer(rtp, device(1, '0', PCMU));
    await assert.rejects(plane.offerFollowingAnswer(webrtc), { code: 'MEDIA_BAD_STATE' });
    await assert.rejects(plane.createOffer(rtp), { code: 'MEDIA_BAD_STATE' }, 'createOffer keeps its guard');
    await plane.closeLeg(webrtc);
    await plane.closeLeg(rtp);
  });
});
