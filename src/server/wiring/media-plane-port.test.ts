import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { pino } from 'pino';
import { MediaError } from '../../media/errors.js';
import { InProcessMediaPlane } from '../../media/in-process-media-plane.js';
import type { MediaPlane, RtpLegRequest, WebRtcLegRequest } from '../../media/media-plane.js';
import { fixtureText } from '../../sdp/test-fixtures.js';
import { MediaPlanePort, offeredDirection } from './media-plane-port.js';

const sdp = (...lines: string[]) => ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 't=0 0', ...lines].join('\r\n');

test('offeredDirection: media level wins, then session level, then sendrecv; port 0 is inactive', () => {
  assert.equal(offeredDirection(sdp('m=audio 4000 RTP/AVP 0', 'a=sendonly')), 'sendonly');
  assert.equal(offeredDirection(sdp('a=inactive', 'm=audio 4000 RTP/AVP 0')), 'inactive');
  assert.equal(offeredDirection(sdp('a=sendonly', 'm=audio 4000 RTP/AVP 0', 'a=sendrecv')), 'sendrecv');
  assert.equal(offeredDirection(sdp('m=audio 4000 RTP/AVP 0')), 'sendrecv');
  assert.equal(offeredDirection(sdp('m=audio 0 RTP/AVP 0')), 'inactive');
  assert.equal(offeredDirection(sdp('m=audio 4000 RTP/AVP 0', 'm=video 4002 RTP/AVP 96', 'a=sendonly')), 'sendrecv');
});

describe('MediaPlanePort.createSession failing half way', () => {
  // One RTP port pair in the whole range: a leg left behind by a failed session would be noticed.
  const real = new InProcessMediaPlane({ rtpAddress: '127.0.0.1', rtpPortMin: 36800, rtpPortMax: 36801 });
  after(() => real.close());

  test('when connect() fails, both legs are closed and the port range serves the next session', async () => {
    const created: string[] = [];
    // Fault injection (a mock of one call only): connect() of the real plane cannot fail for two new legs.
    const overrides: Partial<MediaPlane> = {
      createWebRtcLeg: async (r?: WebRtcLegRequest) => {
        const id = await real.createWebRtcLeg(r);
        created.push(id);
        return id;
      },
      createRtpLeg: async (r?: RtpLegRequest) => {
        const id = await real.createRtpLeg(r);
        created.push(id);
        return id;
      },
      connect: async () => {
        throw new MediaError('MEDIA_BAD_STATE', 'injected connect failure');
      },
    };
    const faulty = new Proxy(real, {
      get: (target, key: keyof MediaPlane) => {
        const value = overrides[key] ?? target[key];
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const handlers = { onWebRtcCandidate: () => {}, onStateChange: () => {}, onDtmf: () => {} };
    await assert.rejects(
      new MediaPlanePort(faulty, pino({ enabled: false })).createSession({ callId: 'c1' }, handlers),
      /injected connect failure/,
    );
    assert.equal(created.length, 2);
    for (const leg of created) await assert.rejects(real.getStats(leg), { code: 'MEDIA_UNKNOWN_LEG' }, leg);
    // The next session gets the range's only port pair for its SIP side.
    const session = await new MediaPlanePort(real, pino({ enabled: false })).createSession({ callId: 'c2' }, handlers);
    try {
      const offer = await session.offerFromWebRtc(fixtureText('chromium-offer-audio.sdp'));
      assert.match(offer, /m=audio 36800 RTP\/AVP/);
    } finally {
      await session.close();
    }
  });
});
