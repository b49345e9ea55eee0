// Calls through a Session against the SIP and media TEST DOUBLES (src/server/testing): what the browser
// receives for each thing the SIP side does, and what the SIP side is told for each thing the browser does.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ServerMessageOf } from '../../protocol/server-messages.js';
import { outgoingCall, setup } from '../testing/session-fixture.js';

describe('Session: outgoing calls', () => {
  test('PENDING, INVITE with the media offer, then 100/180/183+SDP/200 give TRYING, RING, RING_MEDIA, ESTABLISHED', async () => {
    const t = setup();
    const { invite } = await outgoingCall(t);
    assert.equal(invite.request.target, '1002');
    assert.equal(invite.request.sdp, 'rtp-offer<-browser-offer');
    await t.status('PENDING');
    invite.progress(100, 'Trying');
    await t.status('TRYING');
    invite.progress(180, 'Ringing');
    await t.status('RING');
    invite.progress(183, 'Session Progress', 'far-early');
    const ringMedia = await t.status('RING_MEDIA');
    assert.equal(ringMedia.sipStatus, 183);
    const sdp = await t.out.waitFor((m): m is ServerMessageOf<'call.sdp'> => m.type === 'call.sdp');
    assert.deepEqual([sdp.sdpType, sdp.sdp], ['answer', 'webrtc-answer<-far-early']);
    invite.accept('far-answer');
    await t.status('ESTABLISHED');
    assert.equal(t.out.items.filter((m) => m.type === 'call.sdp').length, 1, 'the browser gets one answer');
    assert.deepEqual(t.media.sessions.items[0]!.rtpAnswers, ['far-early', 'far-answer']);
    invite.bye();
    const finish = await t.status('FINISH');
    assert.equal(finish.sipReason, 'BYE');
    assert.equal(t.media.sessions.items[0]!.closed, true);
    assert.equal(t.session.calls.size, 0);
  });

  test('183 without SDP gives SESSION_PROGRESS', async () => {
    const t = setup();
    const { invite } = await outgoingCall(t);
    invite.progress(183, 'Session Progress');
    await t.status('SESSION_PROGRESS');
  });

  test('486 and 600 give BUSY; 404 gives FAILED with status and reason; 408 gives Request Timeout', async () => {
    for (const [code, reason, expected, expectedReason] of [
      [486, 'Busy Here', 'BUSY', 'Busy Here'],
      [600, 'Busy Everywhere', 'BUSY', 'Busy Everywhere'],
      [404, 'Not Found', 'FAILED', 'Not Found'],
      [408, '', 'FAILED', 'Request Timeout'],
    ] as const) {
      const t = setup();
      const { invite } = await outgoingCall(t);
      invite.fail(code, reason);
      const s = await t.status(expected);
      assert.deepEqual([s.sipStatus, s.sipReason], [code, expectedReason]);
      assert.equal(t.media.sessions.items[0]!.closed, true);
    }
  });

  test('hangup while ringing sends CANCEL and gives FINISH', async () => {
    const t = setup();
    const { invite } = await outgoingCall(t);
    invite.progress(180, 'Ringing');
    await t.send({ type: 'call.hangup', callId: 'c1' });
    assert.deepEqual(await invite.actions.waitFor((a) => a.kind === 'hangup'), { kind: 'hangup' });
    await t.status('FINISH');
    assert.ok(!t.out.items.some((m) => m.type === 'call.status' && m.status === 'FAILED'));
  });

  test('hangup while PENDING (before the INVITE left) finishes the call and never sends the INVITE', async () => {
    const t = setup();
    const account = await t.connected();
    let open!: () => void;
    t.media.gate = new Promise((r) => {
      open = r;
    });
    const started = t.send({ type: 'call.start', callId: 'c1', callee: '1002', sdp: 'o' });
    await t.status('PENDING');
    await t.send({ type: 'call.hangup', callId: 'c1' });
    open();
    await started;
    await t.status('FINISH');
    assert.equal(account.invites.items.length, 0);
    assert.equal(t.media.sessions.items[0]!.closed, true);
  });

  test('candidates trickled before the media session exists are delivered in order', async () => {
    const t = setup();
    await t.connected();
    let open!: () => void;
    t.media.gate = new Promise((r) => {
      open = r;
    });
    const started = t.send({ type: 'call.start', callId: 'c1', callee: '1002', sdp: 'o' });
    const cand = (n: number) => ({ candidate: `candidate:${n} 1 udp 1 127.0.0.1 ${5000 + n} typ host`, sdpMid: '0' });
    await t.send({ type: 'call.ice', callId: 'c1', candidate: cand(1) });
    await t.send({ type: 'call.ice', callId: 'c1', candidate: cand(2) });
    open();
    await started;
    await t.send({ type: 'call.ice', callId: 'c1', candidate: null });
    assert.deepEqual(t.media.sessions.items[0]!.candidates, [cand(1), cand(2), null]);
  });

  test('server candidates trickle to the browser', async () => {
    const t = setup();
    await outgoingCall(t);
    const c = { candidate: 'candidate:1 1 udp 1 127.0.0.1 20000 typ host', sdpMid: '0', sdpMLineIndex: 0 };
    t.media.sessions.items[0]!.handlers.onWebRtcCandidate(c);
    assert.deepEqual(await t.out.waitFor((m) => m.type === 'call.ice'), {
      type: 'call.ice',
      callId: 'c1',
      candidate: c,
    });
  });

  test('an invalid callee names the callee field; a duplicate callId is refused; an unknown callId is WS_UNKNOWN_CALL', async () => {
    const t = setup();
    await t.connected();
    await t.send({ type: 'call.start', id: 'bad', callId: 'c9', callee: 'bob smith', sdp: 'o' });
    const bad = await t.error('bad');
    assert.deepEqual([bad.code, bad.field], ['WS_INVALID_FIELD', 'callee']);
    await t.send({ type: 'call.start', callId: 'c1', callee: '1002', sdp: 'o' });
    await t.send({ type: 'call.start', id: 'dup', callId: 'c1', callee: '1003', sdp: 'o' });
    assert.deepEqual([(await t.error('dup')).code, (await t.error('dup')).field], ['WS_DUPLICATE_CALL', 'callId']);
    await t.send({ type: 'call.hold', id: 'unk', callId: 'nope' });
    const unk = await t.error('unk');
    assert.deepEqual([unk.code, unk.field, unk.callId], ['WS_UNKNOWN_CALL', 'callId', 'nope']);
  });

  test('media that cannot be negotiated gives FAILED 488 and no INVITE', async () => {
    const t = setup();
    const account = await t.connected();
    await t.send({ type: 'call.start', callId: 'c1', callee: '1002', sdp: 'no-codec' });
    const failed = await t.status('FAILED');
    assert.equal(failed.sipStatus, 488);
    assert.equal(account.invites.items.length, 0);
  });
});

describe('Session: incoming calls', () => {
  test('an INVITE reaches the browser as call.incoming with RING; the answer goes into the 200 OK', async () => {
    const t = setup();
    const account = await t.connected();
    const sip = account.incoming({ caller: '1002', displayName: 'Bob', offer: 'far-offer\r\nm=video 4000 RTP/AVP 96' });
    const inc = await t.out.waitFor((m): m is ServerMessageOf<'call.incoming'> => m.type === 'call.incoming');
    assert.deepEqual([inc.caller, inc.callee, inc.visibleName, inc.hasVideo], ['1002', '1001', 'Bob', true]);
    assert.match(inc.sdp, /^webrtc-offer<-far-offer/);
    await t.status('RING');
    assert.deepEqual(sip.actions.items, [{ kind: 'ring' }]);
    await t.send({ type: 'call.answer', callId: inc.callId, sdp: 'browser-answer' });
    await t.status('ESTABLISHED');
    assert.deepEqual(sip.actions.items.at(-1), { kind: 'accept', sdp: 'rtp-answer<-browser-answer' });
  });

  test('a second incoming call during a call is offered too (call waiting)', async () => {
    const t = setup();
    const account = await t.connected();
    account.incoming({ offer: 'o1' });
    account.incoming({ offer: 'o2', caller: '1003' });
    await t.out.waitFor((m) => m.type === 'call.incoming' && m.caller === '1003');
    assert.equal(t.session.calls.size, 2);
  });

  test('declining an incoming call sends 603 (or the given status) and gives FINISH', async () => {
    const t = setup();
    const account = await t.connected();
    const sip = account.incoming({ offer: 'o' });
    const inc = await t.out.waitFor((m): m is ServerMessageOf<'call.incoming'> => m.type === 'call.incoming');
    await t.send({ type: 'call.hangup', callId: inc.callId, sipStatus: 486 });
    await t.status('FINISH');
    assert.deepEqual(sip.actions.items.at(-1), { kind: 'reject', status: 486 });
  });

  test('the caller giving up (CANCEL) gives FINISH with 487', async () => {
    const t = setup();
    const account = await t.connected();
    const sip = account.incoming({ offer: 'o' });
    await t.status('RING');
    sip.cancel();
    assert.equal((await t.status('FINISH')).sipStatus, 487);
  });

  test('an INVITE without SDP (late offer): the browser answers our offer, that answer makes the offer in the 200, the ACK brings the answer', async () => {
    const t = setup();
    const account = await t.connected();
    const sip = account.incoming({});
    const inc = await t.out.waitFor((m): m is ServerMessageOf<'call.incoming'> => m.type === 'call.incoming');
    assert.equal(inc.sdp, 'webrtc-late-offer');
    await t.status('RING');
    await t.send({ type: 'call.answer', callId: inc.callId, sdp: 'browser-answer' });
    await t.status('ESTABLISHED');
    assert.deepEqual(sip.actions.items.at(-1), { kind: 'accept', sdp: 'rtp-late-offer<-browser-answer' });
    assert.deepEqual(t.media.sessions.items[0]!.rtpAnswers, ['far-answer-in-ack']);
  });

  test('a late offer whose ACK has no SDP ends with BYE and FAILED 488', async () => {
    const t = setup();
    const account = await t.connected();
    const sip = account.incoming({});
    sip.ackSdp = undefined;
    const inc = await t.out.waitFor((m): m is ServerMessageOf<'call.incoming'> => m.type === 'call.incoming');
    await t.send({ type: 'call.answer', callId: inc.callId, sdp: 'browser-answer' });
    assert.equal((await t.status('FAILED')).sipStatus, 488);
    assert.deepEqual(sip.actions.items.at(-1), { kind: 'hangup' });
  });
});

describe('Session: in-call features', () => {
  async function established(t: ReturnType<typeof setup>) {
    const r = await outgoingCall(t);
    r.invite.accept();
    await t.status('ESTABLISHED');
    return r;
  }

  test('hold sends a sendonly re-INVITE and gives HOLD; unhold a sendrecv one and gives ESTABLISHED', async () => {
    const t = setup();
    const { invite } = await established(t);
    await t.send({ type: 'call.hold', callId: 'c1' });
    await t.status('HOLD');
    assert.deepEqual(invite.actions.items.at(-1), { kind: 'reinvite', sdp: 'rtp-reoffer a=sendonly' });
    await t.send({ type: 'call.unhold', callId: 'c1' });
    assert.deepEqual(invite.actions.items.at(-1), { kind: 'reinvite', sdp: 'rtp-reoffer a=sendrecv' });
    assert.equal(t.out.items.filter((m) => m.type === 'call.status').at(-1)?.status, 'ESTABLISHED');
  });

  test('a refused hold re-INVITE is an error naming the SIP status, and the call stays ESTABLISHED', async () => {
    const t = setup();
    const { invite } = await established(t);
    invite.reinviteOutcome = { ok: false, status: 488, reason: 'Not Acceptable Here' };
    await t.send({ type: 'call.hold', id: 'h', callId: 'c1' });
    assert.match((await t.error('h')).message, /488 Not Acceptable Here/);
    assert.equal(t.session.calls.get('c1')?.status, 'ESTABLISHED');
  });

  test('a hold from the far side (re-INVITE sendonly) gives HOLD', async () => {
    const t = setup();
    const { invite } = await established(t);
    t.media.sessions.items[0]!.nextRemoteDirection = 'sendonly';
    const answer = await invite.handlers!.onReinvite('far-hold-offer');
    assert.equal(answer, 'rtp-reanswer<-far-hold-offer');
    await t.status('HOLD');
  });

  test('DTMF: RFC2833 goes to the media plane, INFO one SIP INFO per digit; received digits reach the browser', async () => {
    const t = setup();
    const { invite } = await established(t);
    await t.send({ type: 'call.dtmf', callId: 'c1', digits: '12#' });
    assert.deepEqual(t.media.sessions.items[0]!.dtmfSent, ['12#']);
    await t.send({ type: 'call.dtmf', callId: 'c1', digits: '5*', dtmfType: 'INFO' });
    assert.deepEqual(
      invite.actions.items.filter((a) => a.kind === 'info').map((a) => (a as { digit: string }).digit),
      ['5', '*'],
    );
    t.media.sessions.items[0]!.handlers.onDtmf('7', 100);
    invite.handlers!.onInfoDtmf('8', 100);
    await t.out.waitFor((m) => m.type === 'call.dtmf' && m.digit === '8' && m.dtmfType === 'INFO');
    assert.ok(t.out.items.some((m) => m.type === 'call.dtmf' && m.digit === '7' && m.dtmfType === 'RFC2833'));
  });

  test('DTMF before the call is connected is out of order', async () => {
    const t = setup();
    await outgoingCall(t);
    await t.send({ type: 'call.dtmf', id: 'd', callId: 'c1', digits: '1' });
    assert.equal((await t.error('d')).code, 'WS_OUT_OF_ORDER');
  });

  test('blind transfer: REFER, progress reported, and our leg ended after the NOTIFY 200', async () => {
    const t = setup();
    const { invite } = await established(t);
    await t.send({ type: 'call.transfer', callId: 'c1', target: '1003' });
    assert.deepEqual(invite.actions.items.at(-1), { kind: 'refer', target: '1003' });
    await t.out.waitFor((m) => m.type === 'call.transfer' && m.status === 'ACCEPTED');
    invite.handlers!.onReferProgress(180, 'Ringing');
    await t.out.waitFor((m) => m.type === 'call.transfer' && m.status === 'PROGRESS');
    invite.handlers!.onReferProgress(200, 'OK');
    await t.out.waitFor((m) => m.type === 'call.transfer' && m.status === 'SUCCEEDED');
    await t.status('FINISH');
    assert.ok(invite.actions.items.some((a) => a.kind === 'hangup'));
  });

  test('attended transfer refers with the other call dialog; an unknown other call names replacesCallId', async () => {
    const t = setup();
    const { account, invite } = await established(t);
    await t.send({ type: 'call.start', callId: 'c2', callee: '1003', sdp: 'o2' });
    const second = await account.invites.waitFor((c) => c !== invite, 'second INVITE');
    second.accept();
    await t.status('ESTABLISHED', 'c2');
    await t.send({ type: 'call.transfer', callId: 'c1', replacesCallId: 'c2' });
    assert.deepEqual(invite.actions.items.at(-1), { kind: 'refer', target: { replaces: second.callId } });
    await t.send({ type: 'call.transfer', id: 'x', callId: 'c1', replacesCallId: 'zz' });
    assert.equal((await t.error('x')).field, 'replacesCallId');
  });

  test('a REFER from the far side is followed: INVITE to the target, NOTIFYs, the old leg ended, the call goes on', async () => {
    const t = setup();
    const { account, invite } = await established(t);
    const notifies = invite.refered('1004');
    const moved = await account.invites.waitFor((c) => c.request.target === '1004', 'INVITE to the transfer target');
    assert.equal(moved.request.sdp, 'rtp-reoffer a=sendrecv new-peer');
    await notifies.waitFor((n) => n === '100 Trying');
    moved.accept('target-answer');
    await notifies.waitFor((n) => n === '200 OK');
    await invite.actions.waitFor((a) => a.kind === 'hangup', 'BYE to the transferor');
    assert.equal(t.session.calls.get('c1')?.sip, moved);
    invite.bye(); // a late BYE of the old leg does not end the call
    moved.bye();
    await t.status('FINISH');
  });
});
