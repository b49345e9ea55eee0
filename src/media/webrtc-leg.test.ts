// The WebRTC leg offering toward a browser that rejects a stream, the way Firefox ESR does. The browser is
// a real ICE/DTLS peer (a second werift RTCPeerConnection on loopback, no browser runs in unit tests); its
// answer is Firefox's captured answer (test/fixtures/sdp/firefox-answer-video-rejected.sdp) carrying this
// peer's ICE credentials, fingerprint and DTLS role, so the transport really has to come up.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RTCPeerConnection } from 'werift';
import type { LocalMedia } from '../sdp/index.js';
import { parseSessionDescription } from '../sdp/index.js';
import { fixtureText } from '../sdp/test-fixtures.js';
import { within } from './test-helpers.js';
import { WebRtcLeg } from './webrtc-leg.js';

const opus: LocalMedia = {
  kind: 'audio',
  port: 0,
  mid: '0',
  direction: 'sendrecv',
  codecs: [{ payloadType: 111, name: 'opus', clockRate: 48000, channels: 2, fmtp: undefined, rtcpFb: [] }],
};
const h264: LocalMedia = {
  kind: 'video',
  port: 0,
  mid: '1',
  direction: 'sendrecv',
  codecs: [
    {
      payloadType: 102,
      name: 'H264',
      clockRate: 90000,
      channels: 1,
      fmtp: 'packetization-mode=1;profile-level-id=42e01f',
      rtcpFb: ['nack', 'nack pli', 'ccm fir'],
    },
  ],
};
/** A stream the SIP side offered but Parley cannot pass (or the SIP side disabled): port 0 in our offer. */
const rejectedVideo: LocalMedia = { kind: 'video', port: 0, mid: '1', direction: 'inactive', codecs: [] };

/**
 * Answers `offer` with a werift peer and returns Firefox's captured answer with that peer's transport. The
 * peer only runs ICE and DTLS, so it is given the audio section alone (werift refuses a section whose
 * codecs it does not know, and the rejected video is exactly that).
 */
async function firefoxShapedAnswer(browser: RTCPeerConnection, offer: string): Promise<string> {
  const audioOnly = `${offer.slice(0, offer.indexOf('m=video'))}`.replace('a=group:BUNDLE 0 1', 'a=group:BUNDLE 0');
  await browser.setRemoteDescription({ type: 'offer', sdp: audioOnly });
  await browser.setLocalDescription(await browser.createAnswer());
  const own = parseSessionDescription(browser.localDescription?.sdp ?? '');
  assert.ok(own.ok);
  const ice = own.value.media[0]?.ice;
  const dtls = own.value.media[0]?.dtls;
  assert.ok(ice && dtls);
  return fixtureText('firefox-answer-video-rejected.sdp')
    .replace(/a=ice-ufrag:.*/, `a=ice-ufrag:${ice.ufrag}`)
    .replace(/a=ice-pwd:.*/, `a=ice-pwd:${ice.pwd}`)
    .replace(/a=fingerprint:.*/, `a=fingerprint:${dtls.fingerprint.algorithm} ${dtls.fingerprint.value}`)
    .replace(/a=setup:.*/, `a=setup:${dtls.setup}`);
}

describe('WebRtcLeg: a browser answer that rejects video (Firefox ESR without H.264)', () => {
  for (const [name, media] of [
    ['video offered with H.264 only, rejected by the browser (m=video 0, no ICE/DTLS)', [opus, h264]],
    ['video already rejected in our offer, the browser answers it rejected too', [opus, rejectedVideo]],
  ] as const) {
    test(`${name}: ICE and DTLS connect; the answer says which streams were accepted`, async () => {
      const states: string[] = [];
      let settle: (s: string) => void = () => {};
      const up = new Promise<void>((resolve, reject) => {
        settle = (s) => (s === 'connected' ? resolve() : reject(new Error(`the leg reported ${s}`)));
      });
      const leg = new WebRtcLeg({
        id: 'ff',
        iceLite: true,
        rtcpIntervalMs: 0,
        onState: (s) => {
          states.push(s);
          settle(s);
        },
      });
      const browser = new RTCPeerConnection({ iceServers: [], iceAdditionalHostAddresses: ['127.0.0.1'] });
      try {
        const offer = await leg.offer([...media]);
        const answer = await firefoxShapedAnswer(browser, offer);
        const applied = await leg.applyAnswer(answer);
        assert.deepEqual(
          applied.media.map((m) => `${m.kind} ${m.port}`),
          ['audio 9', 'video 0'],
        );
        await within(up, 10_000, 'the leg to connect');
        assert.equal(leg.connected, true);
        assert.deepEqual(states, ['connected']);
      } finally {
        await leg.close();
        await browser.close();
      }
      assert.deepEqual(states, ['connected', 'closed']);
    });
  }

  test('closing before ICE completes reports closed, not failed', async () => {
    const states: string[] = [];
    const leg = new WebRtcLeg({ id: 'early', iceLite: true, rtcpIntervalMs: 0, onState: (s) => states.push(s) });
    const browser = new RTCPeerConnection({ iceServers: [] });
    try {
      const offer = await leg.offer([opus, h264]);
      await leg.applyAnswer(await firefoxShapedAnswer(browser, offer));
    } finally {
      await leg.close();
      await leg.close();
      await browser.close();
    }
    assert.deepEqual(states, ['closed']);
  });
});
