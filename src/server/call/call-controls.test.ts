// SIP re-offers on an established call, through a Session on the SIP and media TEST DOUBLES: answered
// locally when the media session can (hold), sent to the page as a `call.sdp` offer when the browser must
// agree (a codec change), with 488 when the page refuses, does not answer in time, or the call ends meanwhile.
import assert from 'node:assert/strict';
import { describe, mock, test } from 'node:test';
import type { ServerMessageOf } from '../../protocol/server-messages.js';
import type { FakeMediaSession } from '../testing/fake-media-port.js';
import { outgoingCall, setup } from '../testing/session-fixture.js';
import { Recorder } from '../testing/wait-for.js';
import { BROWSER_ANSWER_TIMEOUT_MS } from './call-controls.js';

/**
 * The fake media session made to behave as the media plane does for a codec change: its local answer is
 * refused with MEDIA_RENEGOTIATION_NEEDED, and the browser round trip is recorded.
 */
function needsBrowser(media: FakeMediaSession) {
  const log: string[] = [];
  Object.assign(media, {
    reofferFromRtp: async (sdp: string) => {
      log.push(`local ${sdp}`);
      throw Object.assign(new Error('[MEDIA_RENEGOTIATION_NEEDED] drops PCMU'), {
        code: 'MEDIA_RENEGOTIATION_NEEDED',
        sipStatus: 488,
      });
    },
    reofferToWebRtc: async (sdp: string) => {
      log.push(`to browser ${sdp}`);
      return `webrtc-reoffer<-${sdp}`;
    },
    answerReofferFromWebRtc: async (sdp: string) => {
      log.push(`browser answered ${sdp}`);
      return { sdp: `rtp-reanswer<-${sdp}`, remoteDirection: 'sendrecv' as const };
    },
    abandonReoffer: async () => {
      log.push('abandoned');
    },
  });
  return log;
}

async function established() {
  const t = setup();
  const r = await outgoingCall(t);
  r.invite.accept('far-answer');
  await t.status('ESTABLISHED');
  const media = t.media.sessions.items[0];
  assert.ok(media);
  const browserOffer = () =>
    t.out.waitFor(
      (m): m is ServerMessageOf<'call.sdp'> => m.type === 'call.sdp' && m.sdpType === 'offer',
      'call.sdp offer to the page',
    );
  return { t, ...r, media, browserOffer };
}

describe('CallControls: re-INVITEs from the SIP side', () => {
  test('a codec change goes to the page as a call.sdp offer; its answer gives the 200 OK; the call stays ESTABLISHED', async () => {
    const { t, invite, media, browserOffer } = await established();
    const log = needsBrowser(media);
    const answered = invite.handlers!.onReinvite('far-g722-offer');
    const offer = await browserOffer();
    assert.deepEqual([offer.callId, offer.sdp], ['c1', 'webrtc-reoffer<-far-g722-offer']);
    await t.send({ type: 'call.sdp', id: 'a1', callId: 'c1', sdpType: 'answer', sdp: 'browser-g722-answer' });
    assert.equal(await answered, 'rtp-reanswer<-browser-g722-answer');
    assert.deepEqual(log, [
      'local far-g722-offer',
      'to browser far-g722-offer',
      'browser answered browser-g722-answer',
    ]);
    await t.out.waitFor((m) => m.type === 'ack' && m.inReplyTo === 'a1', 'ack of the answer');
    assert.equal(t.session.calls.get('c1')?.status, 'ESTABLISHED');
  });

  test('a hold re-offer is answered locally: nothing goes to the page', async () => {
    const { t, invite, media } = await established();
    media.nextRemoteDirection = 'sendonly';
    assert.equal(await invite.handlers!.onReinvite('far-hold-offer'), 'rtp-reanswer<-far-hold-offer');
    await t.status('HOLD');
    assert.ok(!t.out.items.some((m) => m.type === 'call.sdp' && m.sdpType === 'offer'));
  });

  test('a page that refuses the offer: the re-INVITE is refused (488), both legs roll back, the call goes on', async () => {
    const { t, invite, media, browserOffer } = await established();
    const log = needsBrowser(media);
    const answered = invite.handlers!.onReinvite('far-g722-offer');
    await browserOffer();
    await t.send({ type: 'call.sdp', callId: 'c1', sdpType: 'rejected', reason: 'setRemoteDescription failed' });
    await assert.rejects(answered, /refused the re-offer: setRemoteDescription failed/);
    assert.equal(log.at(-1), 'abandoned');
    assert.equal(t.session.calls.get('c1')?.status, 'ESTABLISHED');
  });

  test(`a page that never answers: refused after ${BROWSER_ANSWER_TIMEOUT_MS} ms, rolled back`, async () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      const { t, invite, media, browserOffer } = await established();
      const log = needsBrowser(media);
      const answered = invite.handlers!.onReinvite('far-g722-offer');
      await browserOffer();
      mock.timers.tick(BROWSER_ANSWER_TIMEOUT_MS - 1);
      assert.equal(log.at(-1), 'to browser far-g722-offer', 'still waiting');
      mock.timers.tick(1);
      await assert.rejects(answered, /did not answer the re-offer within 8000 ms/);
      assert.equal(log.at(-1), 'abandoned');
      // A late answer finds nothing waiting.
      await t.send({ type: 'call.sdp', id: 'late', callId: 'c1', sdpType: 'answer', sdp: 'late-answer' });
      assert.equal((await t.error('late')).code, 'WS_OUT_OF_ORDER');
      assert.equal(t.session.calls.get('c1')?.status, 'ESTABLISHED');
    } finally {
      mock.timers.reset();
    }
  });

  test('the call ends while the page is asked: the re-INVITE is refused', async () => {
    const { t, invite, media, browserOffer } = await established();
    const log = needsBrowser(media);
    const answered = invite.handlers!.onReinvite('far-g722-offer');
    await browserOffer();
    await t.send({ type: 'call.hangup', callId: 'c1' });
    await assert.rejects(answered, /the call ended/);
    assert.equal(log.at(-1), 'abandoned');
  });

  test('call.sdp with no offer waiting is out of order; an answer without sdp names the field', async () => {
    const { t, invite, media, browserOffer } = await established();
    await t.send({ type: 'call.sdp', id: 'x1', callId: 'c1', sdpType: 'answer', sdp: 'stray' });
    assert.equal((await t.error('x1')).code, 'WS_OUT_OF_ORDER');
    needsBrowser(media);
    const answered = invite.handlers!.onReinvite('far-g722-offer');
    await browserOffer();
    await t.send({ type: 'call.sdp', id: 'x2', callId: 'c1', sdpType: 'answer' });
    const e = await t.error('x2');
    assert.deepEqual([e.code, e.field], ['WS_INVALID_FIELD', 'sdp']);
    await t.send({ type: 'call.sdp', callId: 'c1', sdpType: 'answer', sdp: 'browser-answer' });
    assert.equal(await answered, 'rtp-reanswer<-browser-answer', 'the offer still waited for a real answer');
  });

  test('a media session that cannot ask the browser refuses such a re-INVITE with the media error', async () => {
    const { t, invite, media } = await established();
    needsBrowser(media);
    Object.assign(media, { reofferToWebRtc: undefined });
    await assert.rejects(invite.handlers!.onReinvite('far-g722-offer'), { code: 'MEDIA_RENEGOTIATION_NEEDED' });
    assert.ok(!t.out.items.some((m) => m.type === 'call.sdp' && m.sdpType === 'offer'));
  });
});

/**
 * The fake media session made to behave as the media plane does when the SIP side's latest answer uses a codec
 * the browser did not agree to (an answer containing "pcmu" here): an offer for the browser.
 */
function followsAnswers(media: FakeMediaSession) {
  const log = new Recorder<string>();
  Object.assign(media, {
    offerFollowingRtpAnswer: async () => {
      const last = media.rtpAnswers.at(-1) ?? '';
      log.push(`follow? ${last}`);
      return last.includes('pcmu') ? `webrtc-follow<-${last}` : undefined;
    },
    applyWebRtcAnswer: async (sdp: string) => {
      log.push(`browser answered ${sdp}`);
    },
    abandonReoffer: async () => {
      log.push('abandoned');
    },
  });
  return log;
}

const pageOffer = (t: ReturnType<typeof setup>) =>
  t.out.waitFor(
    (m): m is ServerMessageOf<'call.sdp'> => m.type === 'call.sdp' && m.sdpType === 'offer',
    'call.sdp offer to the page',
  );

describe('CallControls: the browser follows a SIP answer that changed codec', () => {
  async function earlyMedia() {
    const t = setup();
    const r = await outgoingCall(t);
    const media = await t.media.sessions.waitFor(() => true, 'media session');
    const log = followsAnswers(media);
    r.invite.progress(183, 'Session Progress', 'far-183-pcma');
    await t.status('RING_MEDIA');
    return { t, ...r, media, log };
  }

  test('a 183 in PCMA then a 2xx in PCMU: the page gets a call.sdp offer, its answer moves the browser', async () => {
    const { t, invite, log } = await earlyMedia();
    invite.accept('far-200-pcmu');
    await t.status('ESTABLISHED');
    const offer = await pageOffer(t);
    assert.equal(offer.sdp, 'webrtc-follow<-far-200-pcmu');
    await t.send({ type: 'call.sdp', callId: 'c1', sdpType: 'answer', sdp: 'browser-pcmu-answer' });
    await log.waitFor((l) => l === 'browser answered browser-pcmu-answer', 'the answer applied');
    assert.deepEqual(log.items, ['follow? far-200-pcmu', 'browser answered browser-pcmu-answer']);
    assert.equal(t.session.calls.get('c1')?.status, 'ESTABLISHED');
    assert.ok(!invite.actions.items.some((a) => a.kind === 'hangup'));
  });

  test('a 2xx that fits what the browser agreed to: nothing goes to the page', async () => {
    const { t, invite, log } = await earlyMedia();
    invite.accept('far-200-pcma');
    await t.status('ESTABLISHED');
    await log.waitFor(() => true, 'the check');
    assert.deepEqual(log.items, ['follow? far-200-pcma']);
    assert.ok(!t.out.items.some((m) => m.type === 'call.sdp' && m.sdpType === 'offer'));
  });

  test('a 2xx without a 183 before it is not checked: the browser was answered from it', async () => {
    const t = setup();
    const { invite } = await outgoingCall(t);
    const log = followsAnswers(await t.media.sessions.waitFor(() => true, 'media session'));
    invite.accept('far-200-pcmu');
    await t.status('ESTABLISHED');
    assert.deepEqual(log.items, []);
  });

  test('a page that refuses to switch: the legs roll back, BYE, and the call FAILED with the reason', async () => {
    const { t, invite, log } = await earlyMedia();
    invite.accept('far-200-pcmu');
    await pageOffer(t);
    await t.send({ type: 'call.sdp', callId: 'c1', sdpType: 'rejected', reason: 'no PCMU here' });
    const failed = await t.status('FAILED');
    assert.match(failed.sipReason ?? '', /did not switch to the codec the SIP side answered: .*no PCMU here/);
    assert.equal(await log.waitFor((l) => l === 'abandoned', 'rollback'), 'abandoned');
    await invite.actions.waitFor((a) => a.kind === 'hangup', 'BYE');
  });

  test(`a page silent for ${BROWSER_ANSWER_TIMEOUT_MS} ms: the call ends the same way`, async () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      const { t, invite, log } = await earlyMedia();
      invite.accept('far-200-pcmu');
      await pageOffer(t);
      mock.timers.tick(BROWSER_ANSWER_TIMEOUT_MS);
      const failed = await t.status('FAILED');
      assert.match(failed.sipReason ?? '', /within 8000 ms/);
      assert.equal(await log.waitFor((l) => l === 'abandoned', 'rollback'), 'abandoned');
    } finally {
      mock.timers.reset();
    }
  });

  test('a REFER followed: the new peer is offered what the browser can do; its PCMU answer goes to the page', async () => {
    const { t, invite, media, account } = await established();
    const log = followsAnswers(media);
    invite.refered('1004');
    const moved = await account.invites.waitFor((c) => c.request.target === '1004', 'INVITE to the target');
    assert.equal(moved.request.sdp, 'rtp-reoffer a=sendrecv new-peer');
    moved.accept('target-pcmu');
    const offer = await pageOffer(t);
    assert.equal(offer.sdp, 'webrtc-follow<-target-pcmu');
    await t.send({ type: 'call.sdp', callId: 'c1', sdpType: 'answer', sdp: 'browser-pcmu-answer' });
    await log.waitFor((l) => l === 'browser answered browser-pcmu-answer', 'the answer applied');
    await invite.actions.waitFor((a) => a.kind === 'hangup', 'BYE to the transferor');
    assert.equal(t.session.calls.get('c1')?.sip, moved);
    assert.equal(t.session.calls.get('c1')?.status, 'ESTABLISHED');
  });
});
