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

describe('MediaPlanePort with PARLEY_SIP_MEDIA_ENCRYPTION=sdes', () => {
  const plane = new InProcessMediaPlane({ rtpAddress: '127.0.0.1', rtpPortMin: 36810, rtpPortMax: 36819 });
  after(() => plane.close());
  const handlers = { onWebRtcCandidate: () => {}, onStateChange: () => {}, onDtmf: () => {} };
  const port = new MediaPlanePort(plane, pino({ enabled: false }), { sdesSrtp: true });

  test('an outgoing call offers RTP/SAVP with a=crypto per suite; a plain RTP answer is refused with 488', async () => {
    const session = await port.createSession({ callId: 'out', outgoing: true }, handlers);
    try {
      const offer = await session.offerFromWebRtc(fixtureText('chromium-offer-audio.sdp'));
      assert.match(offer, /^m=audio \d+ RTP\/SAVP /m);
      assert.match(offer, /^a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:\S+$/m);
      assert.match(offer, /^a=crypto:2 AEAD_AES_128_GCM inline:\S+$/m);
      const plain = sdp('c=IN IP4 127.0.0.1', 'm=audio 40000 RTP/AVP 0', 'a=rtpmap:0 PCMU/8000', 'a=sendrecv', '');
      await assert.rejects(session.answerFromRtp(plain), (e: Error & { code?: string; sipStatus?: number }) => {
        assert.equal(e.code, 'MEDIA_SRTP_REQUIRED');
        assert.equal(e.sipStatus, 488);
        assert.match(e.message, /without a=crypto \(RTP\/AVP\): plain RTP refused/);
        return true;
      });
    } finally {
      await session.close();
    }
  });

  test('only outgoing calls ask for SDES: an incoming call keeps the profile the device offered', async () => {
    const requests: (RtpLegRequest | undefined)[] = [];
    // A spy on one call of the real plane: which RTP legs the port asks for.
    const spied = new Proxy(plane, {
      get: (target, key: keyof MediaPlane) => {
        if (key === 'createRtpLeg')
          return (r?: RtpLegRequest) => {
            requests.push(r);
            return target.createRtpLeg(r);
          };
        const value = target[key];
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const spiedPort = new MediaPlanePort(spied, pino({ enabled: false }), { sdesSrtp: true });
    for (const options of [{ callId: 'in' }, { callId: 'out', outgoing: true }]) {
      await (await spiedPort.createSession(options, handlers)).close();
    }
    const plainPort = new MediaPlanePort(spied, pino({ enabled: false }));
    await (await plainPort.createSession({ callId: 'out-plain', outgoing: true }, handlers)).close();
    assert.deepEqual(
      requests.map((r) => r?.sdesSrtp === true),
      [false, true, false],
    );
  });
});

describe('MediaPlanePort: a SIP re-offer the browser must agree to (codec change)', () => {
  const plane = new InProcessMediaPlane({ rtpAddress: '127.0.0.1', rtpPortMin: 36820, rtpPortMax: 36829 });
  after(() => plane.close());
  const handlers = { onWebRtcCandidate: () => {}, onStateChange: () => {}, onDtmf: () => {} };
  const port = new MediaPlanePort(plane, pino({ enabled: false }));
  const device = (version: number, pt: number, name: string) =>
    [
      'v=0',
      `o=- 7 ${version} IN IP4 127.0.0.1`,
      's=-',
      'c=IN IP4 127.0.0.1',
      't=0 0',
      `m=audio 40000 RTP/AVP ${pt} 101`,
      `a=rtpmap:${pt} ${name}/8000`,
      'a=rtpmap:101 telephone-event/8000',
      'a=sendrecv',
      '',
    ].join('\r\n');
  /** Chromium's answer to our re-offer, G722 only (its transport from the fixture). */
  const browserG722Answer = fixtureText('chromium-offer-audio.sdp')
    .replace('a=setup:actpass', 'a=setup:active')
    .replace(/^m=audio (\d+) UDP\/TLS\/RTP\/SAVPF .*$/m, 'm=audio $1 UDP/TLS/RTP/SAVPF 9')
    .replace(/^a=(rtpmap|fmtp|rtcp-fb):(?!9 ).*\r?\n/gm, '');

  async function pcmuCall() {
    const session = await port.createSession({ callId: 'c', outgoing: true }, handlers);
    await session.offerFromWebRtc(fixtureText('chromium-offer-audio.sdp'));
    assert.match(await session.answerFromRtp(device(1, 0, 'PCMU')), /^m=audio \d+ UDP\/TLS\/RTP\/SAVPF 0 126\r$/m);
    return session;
  }

  test('refused locally, re-offered to the browser on the same transport, answered from its answer', async () => {
    const session = await pcmuCall();
    try {
      await assert.rejects(session.reofferFromRtp(device(2, 9, 'G722')), { code: 'MEDIA_RENEGOTIATION_NEEDED' });
      const toBrowser = await session.reofferToWebRtc?.(device(2, 9, 'G722'));
      assert.match(toBrowser ?? '', /^m=audio \d+ UDP\/TLS\/RTP\/SAVPF 9 101\r$/m);
      const r = await session.answerReofferFromWebRtc?.(browserG722Answer.replace('a=sendrecv', 'a=recvonly'));
      assert.match(r?.sdp ?? '', /^m=audio \d+ RTP\/AVP 9 101\r$/m);
      assert.equal(r?.remoteDirection, 'sendrecv');
      assert.match(
        r?.sdp ?? '',
        /^a=recvonly\r$/m,
        'a browser that only receives: the device only sends (RFC 3264 §6.1)',
      );
    } finally {
      await session.close();
    }
  });

  test("a REFER followed: the new peer is offered the browser's codecs; its G722 answer is followed by the browser", async () => {
    const session = await pcmuCall();
    try {
      assert.equal(await session.offerFollowingRtpAnswer?.(), undefined, 'nothing to follow before the transfer');
      assert.match(
        await session.createRtpOffer({ direction: 'sendonly' }),
        /^m=audio \d+ RTP\/AVP 0 126\r$/m,
        'hold offers only the codec in use (its answer never comes here)',
      );
      const offer = await session.createRtpOffer({ direction: 'sendrecv', newPeer: true });
      assert.match(offer, /^m=audio \d+ RTP\/AVP 111 9 0 8 126\r$/m, "Chromium's offer: opus, G722, PCMU, PCMA");
      await session.applyRtpAnswer(device(2, 9, 'G722'));
      const toBrowser = await session.offerFollowingRtpAnswer?.();
      assert.match(toBrowser ?? '', /^m=audio \d+ UDP\/TLS\/RTP\/SAVPF 9 101\r$/m);
      await session.applyWebRtcAnswer?.(browserG722Answer);
      assert.equal(await session.offerFollowingRtpAnswer?.(), undefined, 'the browser now agreed to G722');
      assert.equal((await session.stats()).audioCodec, 'G722');
    } finally {
      await session.close();
    }
  });

  test('abandoned: the next re-offer keeping PCMU is answered locally again', async () => {
    const session = await pcmuCall();
    try {
      await session.reofferToWebRtc?.(device(2, 9, 'G722'));
      await session.abandonReoffer?.();
      await assert.rejects(session.answerReofferFromWebRtc?.(browserG722Answer) ?? Promise.resolve(), {
        code: 'MEDIA_BAD_STATE',
      });
      const local = await session.reofferFromRtp(device(3, 0, 'PCMU'));
      assert.match(local.sdp, /^m=audio \d+ RTP\/AVP 0 101\r$/m);
    } finally {
      await session.close();
    }
  });
});
