import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Codec } from './codec.js';
import { writeRtpAvpDescription, writeWebRtcDescription } from './description-writer.js';
import { agreedMedia, answerMismatch, deriveAnswer, deriveOffer, deriveReanswer } from './gateway-negotiation.js';
import { buildPayloadTypeMap } from './payload-type-map.js';
import { parseSessionDescription, type SessionDescription } from './session-description.js';
import { fixture } from './test-fixtures.js';

const origin = { sessionId: '4242', sessionVersion: 1, address: '127.0.0.1' };
const webRtcTransport = {
  ice: {
    ufrag: 'pUfr',
    pwd: 'parleyparleyparleyparley',
    lite: true,
    candidates: ['1 1 udp 2130706431 127.0.0.1 40000 typ host'],
  },
  dtls: { fingerprint: { algorithm: 'sha-256', value: 'AA:BB' }, setup: 'passive' },
  address: '127.0.0.1',
  port: 40000,
};

function parse(text: string): SessionDescription {
  const r = parseSessionDescription(text);
  if (!r.ok) throw r.error;
  return r.value;
}

const codecNames = (s: SessionDescription, i: number) =>
  s.media[i]?.codecs.map((c) => `${c.payloadType} ${c.name}/${c.clockRate}${c.fmtp ? ` ${c.fmtp}` : ''}`);

describe('WebRTC offer → RTP/AVP offer', () => {
  test("Chromium's offer becomes plain RTP/AVP with the passthrough codecs in Chromium's order", () => {
    const offer = deriveOffer(fixture('chromium-offer-audio-video.sdp'), 'rtp');
    assert.ok(offer.ok);
    const media = offer.value.map((m, i) => ({ ...m, port: 20000 + 2 * i }));
    const text = writeRtpAvpDescription({ origin, address: '127.0.0.1', media });
    for (const banned of [
      'ice-ufrag',
      'ice-pwd',
      'candidate',
      'fingerprint',
      'setup',
      'a=ssrc',
      'msid',
      'a=mid',
      'extmap',
      'BUNDLE',
      'transport-cc',
      'goog-remb',
      'SAVPF',
    ]) {
      assert.ok(!text.includes(banned), `${banned} must stay on the WebRTC side`);
    }
    const sdp = parse(text);
    assert.equal(sdp.media[0]?.protocol, 'RTP/AVP');
    assert.equal(sdp.media[0]?.address, '127.0.0.1');
    assert.equal(sdp.media[0]?.port, 20000);
    assert.equal(sdp.media[0]?.ptime, 20);
    assert.deepEqual(codecNames(sdp, 0), [
      '111 opus/48000 minptime=10;useinbandfec=1',
      '9 G722/8000',
      '0 PCMU/8000',
      '8 PCMA/8000',
      '126 telephone-event/8000 0-16',
    ]);
    // VP8 first, then the H.264 variants (no rtx/red/ulpfec, no VP9/AV1).
    assert.deepEqual(
      sdp.media[1]?.codecs.map((c) => c.name),
      ['VP8', 'H264', 'H264', 'H264', 'H264', 'H264', 'H264'],
    );
    assert.deepEqual(sdp.media[1]?.codecs[0]?.rtcpFb, ['ccm fir', 'nack', 'nack pli']);
  });

  test("Firefox's offer keeps its payload types (opus 109, telephone-event 101)", () => {
    const offer = deriveOffer(fixture('firefox-offer-audio.sdp'), 'rtp');
    assert.ok(offer.ok);
    assert.deepEqual(
      offer.value[0]?.codecs.map((c) => c.payloadType),
      [109, 9, 0, 8, 101],
    );
  });

  test("Firefox's max-bundle offer (video bundle-only, port 0) still offers the device its VP8 video", () => {
    const offer = deriveOffer(fixture('firefox-offer-max-bundle-audio-video.sdp'), 'rtp');
    assert.ok(offer.ok);
    assert.deepEqual(
      offer.value[1]?.codecs.map((c) => `${c.payloadType} ${c.name}`),
      ['120 VP8'],
    );
  });
});

describe('RTP/AVP answer → WebRTC answer', () => {
  test('an Asterisk-style PCMU answer gives Chromium PCMU with its own telephone-event/8000 PT', () => {
    const browserOffer = fixture('chromium-offer-audio.sdp');
    const sipAnswer = parse(
      'v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=Asterisk\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n' +
        'm=audio 17552 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=sendrecv\r\n',
    );
    const answer = deriveAnswer(browserOffer, sipAnswer, 'webrtc');
    assert.ok(answer.ok);
    const text = writeWebRtcDescription({
      origin,
      ...webRtcTransport,
      media: answer.value.map((m) => ({ ...m, port: 9 })),
    });
    const sdp = parse(text);
    assert.deepEqual(codecNames(sdp, 0), ['0 PCMU/8000', '126 telephone-event/8000']);
    assert.equal(sdp.media[0]?.mid, '0');
    assert.equal(sdp.media[0]?.ice?.ufrag, 'pUfr');
    assert.equal(sdp.media[0]?.dtls?.setup, 'passive');
    assert.deepEqual(sdp.bundle, [['0']]);

    // PT maps both ways: browser sends 0/126 (what we answered), device wants 0/101.
    const toSip = buildPayloadTypeMap(sdp.media[0]?.codecs ?? [], sipAnswer.media[0]?.codecs ?? []);
    assert.equal(toSip[0]?.payloadType, 0);
    assert.equal(toSip[126]?.payloadType, 101);
    assert.equal(toSip[111], undefined, 'opus was not negotiated');
  });

  test('opus end to end: browser telephone-event/48000 maps to the device telephone-event/8000 with both clocks', () => {
    const browserOffer = fixture('chromium-offer-audio.sdp');
    const sipAnswer = parse(
      'v=0\r\no=- 1 1 IN IP4 192.0.2.2\r\ns=-\r\nc=IN IP4 192.0.2.2\r\nt=0 0\r\n' +
        'm=audio 8510 RTP/AVP 96 101\r\na=rtpmap:96 opus/48000/2\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n',
    );
    const answer = deriveAnswer(browserOffer, sipAnswer, 'webrtc');
    assert.ok(answer.ok);
    assert.deepEqual(
      answer.value[0]?.codecs.map((c) => `${c.payloadType} ${c.name}/${c.clockRate}`),
      ['111 opus/48000', '110 telephone-event/48000'],
    );
    const toSip = buildPayloadTypeMap(answer.value[0]?.codecs ?? [], sipAnswer.media[0]?.codecs ?? []);
    assert.deepEqual(toSip[110], {
      payloadType: 101,
      kind: 'telephone-event',
      inClockRate: 48000,
      outClockRate: 8000,
      codec: 'telephone-event',
    });
    assert.equal(toSip[111]?.payloadType, 96);
    // The device answered opus as 96 and will likely send 96, not the 111 we offered: accepted too.
    const fromSip = buildPayloadTypeMap(
      [{ ...(answer.value[0]?.codecs[0] as Codec) }],
      answer.value[0]?.codecs ?? [],
      sipAnswer.media[0]?.codecs ?? [],
    );
    assert.equal(fromSip[111]?.payloadType, 111);
    assert.equal(fromSip[96]?.payloadType, 111);
  });

  test('a device that accepts nothing the browser offered fails with 488 and a readable reason', () => {
    const browserOffer = fixture('chromium-offer-audio.sdp');
    const r = deriveAnswer(browserOffer, fixture('g729-only-offer.sdp'), 'webrtc');
    assert.equal(r.ok, false);
    assert.ok(!r.ok);
    assert.equal(r.error.code, 'SDP_NO_COMMON_CODEC');
    assert.equal(r.error.sipStatus, 488);
    assert.match(r.error.reason, /G729/);
    assert.match(r.error.reason, /opus/);
  });
});

describe('RTP/AVP offer → WebRTC offer → RTP/AVP answer', () => {
  test("baresip's offer: opus and VP8 share PT 96; VP8 is renumbered for BUNDLE; a telephone-event/48000 is added for opus", () => {
    const offer = deriveOffer(fixture('baresip-offer-audio-video.sdp'), 'webrtc');
    assert.ok(offer.ok);
    const [audio, video] = offer.value;
    assert.deepEqual(
      audio?.codecs.map((c) => `${c.payloadType} ${c.name}/${c.clockRate}`),
      [
        '0 PCMU/8000',
        '8 PCMA/8000',
        '9 G722/8000',
        '96 opus/48000',
        '101 telephone-event/8000',
        '110 telephone-event/48000',
      ],
    );
    assert.deepEqual(
      video?.codecs.map((c) => `${c.payloadType} ${c.name}`),
      ['97 VP8'],
    );
    assert.deepEqual([audio?.mid, video?.mid], ['0', '1']);
  });

  test('a G.729-only device gets SDP_NO_COMMON_CODEC naming what it offered', () => {
    const r = deriveOffer(fixture('g729-only-offer.sdp'), 'webrtc');
    assert.ok(!r.ok);
    assert.equal(r.error.code, 'SDP_NO_COMMON_CODEC');
    assert.match(r.error.reason, /G729/);
  });

  test("baresip's opus offer (stereo) answered by a browser: the SIP side learns the browser's own Opus parameters (RFC 7587 §7)", () => {
    const sipOffer = fixture('baresip-offer-audio-video.sdp');
    const browserAnswer = parse(
      'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n' +
        'm=audio 9 UDP/TLS/RTP/SAVPF 111 101\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=rtpmap:111 opus/48000/2\r\n' +
        'a=fmtp:111 minptime=10;useinbandfec=1\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n' +
        'm=video 0 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:1\r\na=rtpmap:96 VP8/90000\r\na=inactive\r\n',
    );
    const answer = deriveAnswer(sipOffer, browserAnswer, 'rtp');
    assert.ok(answer.ok);
    assert.deepEqual(
      answer.value[0]?.codecs.map((c) => `${c.payloadType} ${c.name} ${c.fmtp}`),
      ['96 opus minptime=10;useinbandfec=1', '101 telephone-event 0-15'],
      "baresip's payload type, the browser's declarations: no stereo=1 the browser never said",
    );
  });

  test('FreeSWITCH video: the browser answering H.264 42e01f/pm1 is matched to the FreeSWITCH PT 98', () => {
    const sipOffer = fixture('freeswitch-offer-audio-video-vp8.sdp');
    const browserAnswer = parse(
      'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n' +
        'm=audio 9 UDP/TLS/RTP/SAVPF 0 101\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n' +
        'm=video 9 UDP/TLS/RTP/SAVPF 98\r\nc=IN IP4 0.0.0.0\r\na=mid:1\r\na=rtpmap:98 H264/90000\r\n' +
        'a=fmtp:98 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42c01f\r\na=sendrecv\r\n',
    );
    const answer = deriveAnswer(sipOffer, browserAnswer, 'rtp');
    assert.ok(answer.ok);
    assert.deepEqual(
      answer.value[1]?.codecs.map((c) => `${c.payloadType} ${c.name} ${c.fmtp}`),
      ['98 H264 profile-level-id=42e01f;packetization-mode=1'],
    );
    assert.deepEqual(
      answer.value[0]?.codecs.map((c) => c.payloadType),
      [0, 101],
    );
  });

  test('an H.264-only device offer answered by Firefox ESR (no H.264: video rejected) goes back audio-only, m=video 0', () => {
    const sipOffer = fixture('asterisk-offer-audio-video-h264.sdp');
    const toBrowser = deriveOffer(sipOffer, 'webrtc');
    assert.ok(toBrowser.ok);
    assert.deepEqual(
      toBrowser.value[1]?.codecs.map((c) => c.name),
      ['H264'],
    );
    const answer = deriveAnswer(sipOffer, fixture('firefox-answer-video-rejected.sdp'), 'rtp');
    assert.ok(answer.ok);
    assert.deepEqual(
      answer.value[0]?.codecs.map((c) => `${c.payloadType} ${c.name}`),
      ['0 PCMU', '8 PCMA', '101 telephone-event'],
    );
    assert.equal(answer.value[1]?.port, 0);
    assert.deepEqual(answer.value[1]?.codecs, []);
    // The RTP leg gives usable streams a port (as the media plane does) and leaves rejected ones at 0.
    const media = answer.value.map((m) => (m.codecs.length > 0 ? { ...m, port: 40002 } : m));
    const sdp = parse(writeRtpAvpDescription({ origin, address: '127.0.0.1', media }));
    assert.deepEqual(
      sdp.media.map((m) => `${m.kind} ${m.port}`),
      ['audio 40002', 'video 0'],
    );
  });
});

describe('hold and re-offers', () => {
  test("Asterisk's sendonly re-offer reaches the browser as sendonly on the same mids; its recvonly answer goes back", () => {
    const first = deriveOffer(fixture('asterisk-offer-audio.sdp'), 'webrtc');
    assert.ok(first.ok);
    const hold = deriveOffer(fixture('asterisk-reoffer-hold.sdp'), 'webrtc', { mids: first.value.map((m) => m.mid) });
    assert.ok(hold.ok);
    assert.equal(hold.value[0]?.direction, 'sendonly');
    assert.equal(hold.value[0]?.mid, first.value[0]?.mid);
    const browserAnswer = parse(
      'v=0\r\no=- 1 3 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=rtpmap:0 PCMU/8000\r\na=recvonly\r\n',
    );
    const answer = deriveAnswer(fixture('asterisk-reoffer-hold.sdp'), browserAnswer, 'rtp');
    assert.ok(answer.ok);
    assert.equal(answer.value[0]?.direction, 'recvonly');
  });

  test('a re-offer written with the same transport keeps ufrag, pwd, fingerprint and mids (no ICE restart)', () => {
    const a = deriveOffer(fixture('asterisk-offer-audio.sdp'), 'webrtc');
    const b = deriveOffer(fixture('asterisk-reoffer-hold.sdp'), 'webrtc', { mids: ['0'] });
    assert.ok(a.ok && b.ok);
    const first = parse(writeWebRtcDescription({ origin, ...webRtcTransport, media: a.value }));
    const second = parse(
      writeWebRtcDescription({ origin: { ...origin, sessionVersion: 2 }, ...webRtcTransport, media: b.value }),
    );
    assert.equal(second.origin.sessionId, first.origin.sessionId);
    assert.equal(second.origin.sessionVersion, first.origin.sessionVersion + 1);
    assert.deepEqual(second.media[0]?.ice, first.media[0]?.ice);
    assert.deepEqual(second.media[0]?.dtls, first.media[0]?.dtls);
    assert.equal(second.media[0]?.mid, first.media[0]?.mid);
  });
});

describe('re-offers answered without asking the other side (agreedMedia, deriveReanswer)', () => {
  const device = (payloads: string, rtpmaps: string, extra = '') =>
    parse(
      'v=0\r\no=- 1 2 IN IP4 192.0.2.10\r\ns=Asterisk\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n' +
        `m=audio 17552 RTP/AVP ${payloads}\r\n${rtpmaps}a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=sendrecv\r\n${extra}`,
    );
  // Chromium offered opus, G722, PCMU, PCMA...; the device answered PCMU: Chromium was answered PCMU only.
  function browserCall() {
    const browserOffer = fixture('chromium-offer-audio.sdp');
    const answer = deriveAnswer(browserOffer, device('0 101', 'a=rtpmap:0 PCMU/8000\r\n'), 'webrtc');
    assert.ok(answer.ok);
    return agreedMedia(answer.value, browserOffer.media, 'local');
  }

  test("the browser's agreed codecs are those of our answer (PCMU), not all it offered, in its own payload types", () => {
    const agreed = browserCall();
    assert.deepEqual(
      agreed[0]?.codecs.map((c) => `${c.payloadType} ${c.name}/${c.clockRate}`),
      ['0 PCMU/8000', '126 telephone-event/8000'],
    );
    assert.equal(agreed[0]?.mid, '0', "the browser's own description (mid, direction) is kept");
  });

  test('a device G.722-only re-offer (a codec change) needs the browser asked again: SDP_RENEGOTIATION_NEEDED, 488', () => {
    const reoffer = device('9 101', 'a=rtpmap:9 G722/8000\r\n');
    // Before the guard this was answered G722, the browser's original offer having listed it.
    const r = deriveReanswer(reoffer, browserCall(), 'rtp');
    assert.ok(!r.ok);
    assert.equal(r.error.code, 'SDP_RENEGOTIATION_NEEDED');
    assert.equal(r.error.sipStatus, 488);
    assert.match(r.error.reason, /drops PCMU\/8000/);
    assert.match(r.error.reason, /G722\/8000/);
  });

  test('answerMismatch: a later answer (the 2xx after a 183, a transfer target) the browser must follow', () => {
    const agreed = browserCall();
    assert.equal(answerMismatch(device('0 101', 'a=rtpmap:0 PCMU/8000\r\n').media, agreed), undefined);
    // Sends PCMU and keeps it; listing more is fine.
    const both = device('0 8 101', 'a=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n').media;
    assert.equal(answerMismatch(both, agreed), undefined);
    // Sends PCMA, which the browser was not answered: it would not decode it.
    const pcmaFirst = device('8 0 101', 'a=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU/8000\r\n').media;
    assert.match(answerMismatch(pcmaFirst, agreed) ?? '', /sends PCMA\/8000; the other side agreed to PCMU\/8000/);
    assert.match(answerMismatch(device('9 101', 'a=rtpmap:9 G722/8000\r\n').media, agreed) ?? '', /G722/);
    const video = device('0 101', 'a=rtpmap:0 PCMU/8000\r\n', 'm=video 17554 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\n');
    assert.match(answerMismatch(video.media, agreed) ?? '', /video stream \(m= line 2\) not negotiated/);
  });

  test('a re-offer that keeps PCMU among others (Asterisk: PCMU PCMA G722 GSM) is answered PCMU only', () => {
    const r = deriveReanswer(fixture('asterisk-offer-audio.sdp'), browserCall(), 'rtp');
    assert.ok(r.ok);
    assert.deepEqual(
      r.value[0]?.codecs.map((c) => `${c.payloadType} ${c.name}`),
      ['0 PCMU', '101 telephone-event'],
    );
  });

  test("Asterisk's hold re-offer (PCMU, sendonly) is answered locally, recvonly", () => {
    const r = deriveReanswer(fixture('asterisk-reoffer-hold.sdp'), browserCall(), 'rtp');
    assert.ok(r.ok);
    assert.equal(r.value[0]?.direction, 'recvonly');
    assert.deepEqual(
      r.value[0]?.codecs.map((c) => c.name),
      ['PCMU', 'telephone-event'],
    );
  });

  test('PCMA offered first but PCMU kept: PCMU (what the browser sends) is answered first', () => {
    const reoffer = device('8 0 101', 'a=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU/8000\r\n');
    const r = deriveReanswer(reoffer, browserCall(), 'rtp');
    assert.ok(r.ok);
    assert.deepEqual(
      r.value[0]?.codecs.map((c) => c.name),
      ['PCMU', 'telephone-event'],
    );
  });

  test('a re-offer adding a video stream with a port needs renegotiation; one adding it rejected (port 0) does not', () => {
    const video = (port: number) => `m=video ${port} RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\na=sendrecv\r\n`;
    const added = deriveReanswer(device('0 101', 'a=rtpmap:0 PCMU/8000\r\n', video(17554)), browserCall(), 'rtp');
    assert.ok(!added.ok);
    assert.equal(added.error.code, 'SDP_RENEGOTIATION_NEEDED');
    assert.match(added.error.reason, /adds a video stream/);
    const rejected = deriveReanswer(device('0 101', 'a=rtpmap:0 PCMU/8000\r\n', video(0)), browserCall(), 'rtp');
    assert.ok(rejected.ok);
    assert.equal(rejected.value[1]?.port, 0);
  });

  test('a stream the browser rejected (Firefox ESR: H.264 video, m=video 0) is re-offered and answered rejected again', () => {
    const deviceOffer = fixture('asterisk-offer-audio-video-h264.sdp');
    const offer = deriveOffer(deviceOffer, 'webrtc');
    assert.ok(offer.ok);
    const browserAnswer = fixture('firefox-answer-video-rejected.sdp');
    const agreed = agreedMedia(offer.value, browserAnswer.media, 'remote');
    assert.equal(agreed[1]?.port, 0);
    const r = deriveReanswer(deviceOffer, agreed, 'rtp');
    assert.ok(r.ok);
    assert.equal(r.value[1]?.port, 0);
    assert.ok((r.value[0]?.codecs.length ?? 0) > 0, 'audio goes on');
  });
});
