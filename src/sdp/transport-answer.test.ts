import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseSessionDescription, type SessionDescription } from './session-description.js';
import { fixture, fixtureText } from './test-fixtures.js';
import { answerTransport, transportAnswer } from './transport-answer.js';

function parse(text: string): SessionDescription {
  const r = parseSessionDescription(text);
  if (!r.ok) throw r.error;
  return r.value;
}

/** The shape of werift 0.24's own offer: one section per stream it runs, its own mids and codecs. */
const agentOffer = (sections: ('audio' | 'video')[]) =>
  'v=0\r\no=- 1 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n' +
  `a=group:BUNDLE ${sections.map((_, i) => i).join(' ')}\r\n` +
  sections
    .map((kind, i) =>
      kind === 'audio'
        ? `m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=rtpmap:111 opus/48000/2\r\na=mid:${i}\r\n` +
          'a=sendrecv\r\na=ice-ufrag:wUfr\r\na=ice-pwd:weriftweriftweriftwerift\r\na=setup:actpass\r\n' +
          'a=fingerprint:sha-256 11:22\r\na=rtcp-mux\r\n'
        : `m=video 9 UDP/TLS/RTP/SAVPF 102\r\nc=IN IP4 0.0.0.0\r\na=rtpmap:102 H264/90000\r\n` +
          'a=fmtp:102 packetization-mode=1;profile-level-id=42e01f\r\na=rtcp-fb:102 nack pli\r\n' +
          `a=mid:${i}\r\na=sendrecv\r\na=ice-ufrag:wUfr\r\na=ice-pwd:weriftweriftweriftwerift\r\na=setup:actpass\r\n` +
          'a=fingerprint:sha-256 11:22\r\na=rtcp-mux\r\n',
    )
    .join('');

describe("transportAnswer: the browser's answer restated for the ICE/DTLS agent", () => {
  const firefox = fixture('firefox-answer-video-rejected.sdp');

  test("Firefox rejecting the agent's H.264 video: both agent sections accepted, Firefox's transport", () => {
    const r = transportAnswer(agentOffer(['audio', 'video']), firefox);
    assert.ok(r.ok);
    const a = parse(r.value);
    assert.deepEqual(a.bundle, [['0', '1']]);
    assert.deepEqual(
      a.media.map((m) => `${m.kind} ${m.mid} ${m.port} ${m.direction} ${m.codecs.map((c) => c.name).join(',')}`),
      ['audio 0 9 sendrecv opus', 'video 1 9 sendrecv H264'],
    );
    for (const m of a.media) {
      assert.equal(m.ice?.ufrag, '90fe5487');
      assert.equal(m.ice?.pwd, '6efbfb95dd0e7aaed0e80ecabde51d24');
      assert.equal(m.dtls?.setup, 'active');
      assert.equal(m.dtls?.fingerprint.value, firefox.media[0]?.dtls?.fingerprint.value);
    }
  });

  test('a stream rejected in our own offer (the agent never offered it) leaves no extra section', () => {
    const r = transportAnswer(agentOffer(['audio']), firefox);
    assert.ok(r.ok);
    assert.deepEqual(
      parse(r.value).media.map((m) => `${m.kind} ${m.mid}`),
      ['audio 0'],
    );
  });

  test("Firefox's answer accepting VP8 next to audio: the transport of its BUNDLE-tag section", () => {
    const accepted = fixture('firefox-answer-audio-video.sdp');
    const t = answerTransport(accepted);
    assert.ok(t.ok);
    assert.equal(t.value.ice.ufrag, accepted.media[0]?.ice?.ufrag);
    assert.equal(t.value.dtls.setup, 'active');
  });

  test('candidates in the answer reach the agent', () => {
    const text = fixtureText('firefox-answer-video-rejected.sdp').replace(
      'a=mid:0\r\n',
      'a=mid:0\r\na=candidate:0 1 UDP 2122252543 127.0.0.1 50000 typ host\r\n',
    );
    const r = transportAnswer(agentOffer(['audio']), parse(text));
    assert.ok(r.ok);
    assert.deepEqual(parse(r.value).media[0]?.ice?.candidates, ['0 1 UDP 2122252543 127.0.0.1 50000 typ host']);
  });

  test('an answer rejecting every stream, or without ICE or fingerprint, is an error with a code', () => {
    const text = fixtureText('firefox-answer-video-rejected.sdp');
    const none = transportAnswer(agentOffer(['audio']), parse(text.replace('m=audio 9 ', 'm=audio 0 ')));
    assert.equal(none.ok ? undefined : none.error.code, 'SDP_NO_COMMON_CODEC');
    const noIce = parse(text.replace(/a=ice-(ufrag|pwd):.*\r\n/g, ''));
    const r1 = transportAnswer(agentOffer(['audio']), noIce);
    assert.equal(r1.ok ? undefined : r1.error.code, 'SDP_MISSING_ICE');
    const noFingerprint = parse(text.replace(/a=fingerprint:.*\r\n/, ''));
    const r2 = transportAnswer(agentOffer(['audio']), noFingerprint);
    assert.equal(r2.ok ? undefined : r2.error.code, 'SDP_MISSING_FINGERPRINT');
  });
});
