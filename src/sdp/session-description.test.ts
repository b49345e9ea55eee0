import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { writeRtpAvpDescription } from './description-writer.js';
import { parseSessionDescription } from './session-description.js';
import { fixture, fixtureText } from './test-fixtures.js';

describe('parseSessionDescription', () => {
  test('reads Chromium 156 offer: BUNDLE, ICE, DTLS, codecs in preference order', () => {
    const s = fixture('chromium-offer-audio-video.sdp');
    assert.deepEqual(s.bundle, [['0', '1']]);
    const [audio, video] = s.media;
    assert.ok(audio && video);
    assert.equal(audio.protocol, 'UDP/TLS/RTP/SAVPF');
    assert.deepEqual(
      audio.codecs.map((c) => `${c.payloadType} ${c.name}/${c.clockRate}/${c.channels}`),
      [
        '111 opus/48000/2',
        '63 red/48000/2',
        '9 G722/8000/1',
        '0 PCMU/8000/1',
        '8 PCMA/8000/1',
        '13 CN/8000/1',
        '110 telephone-event/48000/1',
        '126 telephone-event/8000/1',
      ],
    );
    assert.equal(audio.ice?.ufrag, 'We6J');
    assert.equal(audio.dtls?.setup, 'actpass');
    assert.equal(audio.rtcpMux, true);
    assert.equal(audio.ssrc, 4077129255);
    const vp8 = video.codecs.find((c) => c.name === 'VP8');
    assert.deepEqual(vp8?.rtcpFb, ['goog-remb', 'transport-cc', 'ccm fir', 'nack', 'nack pli']);
  });

  test('reads baresip offer: session-level c=, rtcp-fb wildcard applies to every video PT', () => {
    const s = fixture('baresip-offer-audio-video.sdp');
    const [audio, video] = s.media;
    assert.equal(audio?.address, '192.0.2.2');
    assert.equal(audio?.port, 8510);
    assert.equal(audio?.ptime, 20);
    assert.equal(audio?.ice, undefined);
    assert.deepEqual(video?.codecs[0]?.rtcpFb, ['nack pli']);
  });

  test('static payload types without rtpmap get their RFC 3551 names', () => {
    const r = parseSessionDescription(
      'v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0 8 9\r\n',
    );
    assert.ok(r.ok);
    assert.deepEqual(
      r.value.media[0]?.codecs.map((c) => c.name),
      ['PCMU', 'PCMA', 'G722'],
    );
  });

  test('every fixture parses', () => {
    for (const name of [
      'chromium-offer-audio.sdp',
      'firefox-offer-audio-video.sdp',
      'firefox-offer-audio.sdp',
      'asterisk-offer-audio.sdp',
      'asterisk-reoffer-hold.sdp',
      'asterisk-offer-audio-video-h264.sdp',
      'freeswitch-offer-audio.sdp',
      'freeswitch-offer-audio-video-vp8.sdp',
      'g729-only-offer.sdp',
    ]) {
      assert.equal(parseSessionDescription(fixtureText(name)).ok, true, name);
    }
  });

  test('bad input gives a coded error, not an exception', () => {
    const r = parseSessionDescription('hello');
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.error.code, 'SDP_PARSE_FAILED');
    const big = parseSessionDescription(`v=0\r\n${'a=x\r\n'.repeat(20000)}`);
    assert.equal(!big.ok && big.error.code, 'SDP_TOO_LARGE');
    const none = parseSessionDescription('v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\n');
    assert.equal(!none.ok && none.error.code, 'SDP_NO_MEDIA');
  });

  test('never throws on any text', () => {
    const line = fc.oneof(
      fc.string(),
      fc.constantFrom(
        'm=audio 9 RTP/AVP 0',
        'm=video x y z',
        'a=rtpmap:96',
        'a=fmtp:',
        'a=rtcp-fb:* nack',
        'c=IN IP4',
        'a=candidate:1',
      ),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 30 }), (lines) => {
        const r = parseSessionDescription(`v=0\r\n${lines.join('\r\n')}\r\n`);
        assert.equal(typeof r.ok, 'boolean');
      }),
      { numRuns: 2000 },
    );
  });
});

describe('bundle-only m= sections (RFC 8843 §6)', () => {
  test('Firefox ESR under max-bundle offers its video with port 0 and a=bundle-only: it is not rejected', () => {
    const s = fixture('firefox-offer-max-bundle-audio-video.sdp');
    assert.deepEqual(s.bundle, [['0', '1']]);
    const [audio, video] = s.media;
    assert.equal(audio?.port, 9);
    assert.equal(video?.port, 9, 'the video section uses the BUNDLE address of the audio section');
    assert.deepEqual(
      video?.codecs.filter((c) => c.name === 'VP8').map((c) => c.payloadType),
      [120],
    );
  });

  test('port 0 stays a rejection without a=bundle-only, or when the BUNDLE group has no address', () => {
    const text = fixtureText('firefox-offer-max-bundle-audio-video.sdp');
    const noBundleOnly = parseSessionDescription(text.replace('a=bundle-only\r\n', ''));
    assert.ok(noBundleOnly.ok);
    assert.equal(noBundleOnly.value.media[1]?.port, 0);
    const notGrouped = parseSessionDescription(text.replace('a=group:BUNDLE 0 1', 'a=group:BUNDLE 0'));
    assert.ok(notGrouped.ok);
    assert.equal(notGrouped.value.media[1]?.port, 0);
    const allZero = parseSessionDescription(text.replace('m=audio 9 ', 'm=audio 0 '));
    assert.ok(allZero.ok);
    assert.deepEqual(
      allZero.value.media.map((m) => m.port),
      [0, 0],
    );
  });

  test("Firefox's answer rejecting an H.264-only video offer: m=video 0, no ICE or DTLS in that section", () => {
    const s = fixture('firefox-answer-video-rejected.sdp');
    assert.deepEqual(s.bundle, [['0']]);
    const [audio, video] = s.media;
    assert.equal(video?.port, 0);
    assert.equal(video?.ice, undefined);
    assert.equal(audio?.dtls?.setup, 'active');
    assert.ok(audio?.dtls?.fingerprint.value, 'the session-level fingerprint applies to the audio section');
  });
});

describe('SDES-SRTP (RFC 4568) toward SIP devices', () => {
  // An RTP/SAVP offer with three suites, a key lifetime and session parameters (RFC 4568 §9.1; keys shortened).
  const SAVP_OFFER =
    'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n' +
    'm=audio 10000 RTP/SAVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n' +
    'a=crypto:1 AES_CM_128_HMAC_SHA1_32 inline:AAAA\r\na=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:BBBB|2^20\r\n' +
    'a=crypto:3 AEAD_AES_128_GCM inline:CCCC UNENCRYPTED_SRTCP KDR=1\r\na=sendrecv\r\n';

  test('reads the RTP/SAVP profile and every a=crypto line in order; session parameters are kept apart', () => {
    const r = parseSessionDescription(SAVP_OFFER);
    assert.ok(r.ok);
    const audio = r.value.media[0];
    assert.equal(audio?.protocol, 'RTP/SAVP');
    assert.deepEqual(audio?.crypto, [
      { tag: 1, suite: 'AES_CM_128_HMAC_SHA1_32', keyParams: 'inline:AAAA' },
      { tag: 2, suite: 'AES_CM_128_HMAC_SHA1_80', keyParams: 'inline:BBBB|2^20' },
      { tag: 3, suite: 'AEAD_AES_128_GCM', keyParams: 'inline:CCCC', sessionParams: 'UNENCRYPTED_SRTCP' },
    ]);
  });

  test('a stream with a=crypto is written RTP/SAVP with its lines; one without stays RTP/AVP', () => {
    const pcmu = { payloadType: 0, name: 'PCMU', clockRate: 8000, channels: 1, fmtp: undefined, rtcpFb: [] };
    const text = writeRtpAvpDescription({
      origin: { sessionId: '1', sessionVersion: 1, address: '127.0.0.1' },
      address: '127.0.0.1',
      media: [
        {
          kind: 'audio',
          port: 20000,
          codecs: [pcmu],
          direction: 'sendrecv',
          crypto: [
            { tag: 1, suite: 'AES_CM_128_HMAC_SHA1_80', keyParams: 'inline:QUJD' },
            { tag: 2, suite: 'AEAD_AES_128_GCM', keyParams: 'inline:REVG' },
          ],
        },
        { kind: 'video', port: 0, codecs: [], direction: 'inactive' },
      ],
    });
    assert.match(text, /^m=audio 20000 RTP\/SAVP 0\r$/m);
    assert.match(
      text,
      /^a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:QUJD\r\na=crypto:2 AEAD_AES_128_GCM inline:REVG\r$/m,
    );
    assert.match(text, /^m=video 0 RTP\/AVP 0\r$/m);
    const back = parseSessionDescription(text);
    assert.ok(back.ok);
    assert.deepEqual(
      back.value.media[0]?.crypto.map((c) => `${c.tag} ${c.suite} ${c.keyParams}`),
      ['1 AES_CM_128_HMAC_SHA1_80 inline:QUJD', '2 AEAD_AES_128_GCM inline:REVG'],
    );
    assert.deepEqual(back.value.media[1]?.crypto, []);
  });
});
