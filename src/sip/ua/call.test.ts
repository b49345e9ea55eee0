import assert from 'node:assert/strict';
import { once } from 'node:events';
import { afterEach, describe, test } from 'node:test';
import { FakeClock } from '../clock.js';
import type { SipRequest, SipResponse } from '../message/message.js';
import type { InviteServer } from './invite-server.js';
import type { Session } from './session.js';
import { LoopbackWire } from './testing.js';
import { UserAgent } from './user-agent.js';

const OFFER = Buffer.from(
  'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n',
);
const ANSWER = Buffer.from(
  'v=0\r\no=- 2 1 IN IP4 192.0.2.2\r\ns=-\r\nc=IN IP4 192.0.2.2\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0\r\n',
);

function pair(reliable = true) {
  const clock = new FakeClock(1_000_000);
  const wire = new LoopbackWire(clock);
  const a = wire.end('A', reliable);
  const b = wire.end('B', reliable);
  const alice = new UserAgent({ network: a, user: 'alice', domain: 'example.com', clock });
  const bob = new UserAgent({ network: b, user: 'bob', domain: 'example.com', clock });
  cleanup = () => {
    a.close();
    b.close();
  };
  return { clock, wire, alice, bob };
}

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

/** Bob answers every call with `answer` after 180. */
function autoAnswer(bob: UserAgent, answer = ANSWER): Promise<Session> {
  return new Promise((resolve) => {
    bob.once('invite', (inv: InviteServer) => {
      inv.progress(180);
      const s = inv.accept(answer);
      if (s !== undefined) resolve(s);
    });
  });
}

async function established(p: ReturnType<typeof pair>) {
  const bobSession = autoAnswer(p.bob);
  const call = p.alice.invite('bob', OFFER);
  const [aliceSession] = (await once(call, 'accepted')) as [Session];
  return { aliceSession, bobSession: await bobSession, call };
}

/** Lets the in-memory wire deliver what is queued (delivery is a microtask, as a socket read would be). */
const drain = () => new Promise<void>((r) => setImmediate(r));

describe('INVITE (RFC 3261 §13)', () => {
  test('100 Trying is progress for the caller (§13.2.2.1), then 180 and 200', async () => {
    const p = pair();
    const progress: string[] = [];
    p.bob.once('invite', (inv: InviteServer) => {
      // §17.2.1: the server transaction sends 100 when the TU is silent for 200 ms.
      p.clock.tick(200);
      setImmediate(() => {
        inv.progress(180);
        inv.accept(ANSWER);
      });
    });
    const call = p.alice.invite('bob', OFFER);
    call.on('progress', (pr) => progress.push(`${pr.status} ${pr.reason}`));
    await once(call, 'accepted');
    assert.deepEqual(progress, ['100 Trying', '180 Ringing']);
    assert.deepEqual(p.wire.lines.slice(0, 4), ['A>B INVITE', 'B>A 100', 'B>A 180', 'B>A 200']);
  });

  test('INVITE, 180, 200, ACK, then the caller hangs up with BYE', async () => {
    const p = pair();
    const bobSession = autoAnswer(p.bob);
    const call = p.alice.invite('bob', OFFER);
    const progress = once(call, 'progress');
    const acked = bobSession.then((s) => once(s, 'acked'));
    const [s, res] = (await once(call, 'accepted')) as [Session, { status: number; body: Buffer }];
    assert.equal((await progress)[0].status, 180);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, ANSWER);
    await drain();
    assert.deepEqual(p.wire.lines, ['A>B INVITE', 'B>A 180', 'B>A 200', 'A>B ACK']);
    await acked;
    const invite = p.wire.log[0]!.message as SipRequest;
    assert.equal(invite.uri, 'sip:bob@example.com');
    assert.deepEqual(invite.body, OFFER);
    const ack = p.wire.log[3]!.message as SipRequest;
    assert.equal(ack.headers.get('CSeq'), `${invite.headers.get('CSeq')!.split(' ')[0]} ACK`);
    const bs = await bobSession;
    const ended = once(bs, 'terminated');
    await s.bye();
    assert.equal((await ended)[0].by, 'remote');
    assert.deepEqual(p.wire.lines.slice(4), ['A>B BYE', 'B>A 200']);
    assert.equal(s.state, 'Terminated');
  });

  test('the callee hangs up: BYE from B, the caller sees terminated by remote', async () => {
    const p = pair();
    const { aliceSession, bobSession } = await established(p);
    await drain();
    const ended = once(aliceSession, 'terminated');
    await bobSession.bye();
    assert.deepEqual((await ended)[0], { by: 'remote', reason: 'BYE received' });
  });

  test('a 2xx retransmission gets the ACK again; no ACK within 64*T1 makes the callee send BYE', async () => {
    const p = pair(false);
    p.wire.drop = (e) => e.message.kind === 'request' && e.message.method === 'ACK';
    const { aliceSession, bobSession } = await established(p);
    const ended = once(aliceSession, 'terminated');
    const bobEnded = once(bobSession, 'terminated');
    p.clock.tick(500); // Timer G-like retransmission of the 200 (§13.3.1.4)
    await drain();
    assert.equal(p.wire.lines.filter((l) => l === 'B>A 200').length, 2);
    assert.equal(p.wire.lines.filter((l) => l === 'A>B ACK').length, 2);
    p.clock.tick(32_000);
    await drain();
    assert.ok(p.wire.lines.includes('B>A BYE'));
    assert.equal((await ended)[0].by, 'remote');
    assert.deepEqual((await bobEnded)[0], { by: 'error', reason: 'no ACK for the 2xx within 64*T1', status: 408 });
  });

  test("486 Busy Here is reported with status and reason; the ACK is the transaction's", async () => {
    const p = pair();
    p.bob.once('invite', (inv: InviteServer) => inv.reject(486));
    const call = p.alice.invite('bob', OFFER);
    const [f] = await once(call, 'failed');
    assert.deepEqual(f, { status: 486, reason: 'Busy Here' });
    await drain();
    assert.deepEqual(p.wire.lines, ['A>B INVITE', 'B>A 486', 'A>B ACK']);
  });

  test('CANCEL after 180: 200 to the CANCEL, 487 to the INVITE, both sides told', async () => {
    const p = pair();
    let inv: InviteServer | undefined;
    p.bob.once('invite', (i: InviteServer) => {
      inv = i;
      i.progress(180);
    });
    const call = p.alice.invite('bob', OFFER);
    await once(call, 'progress');
    const canceled = once(inv!, 'canceled');
    call.cancel();
    const [f] = await once(call, 'failed');
    await canceled;
    assert.equal(f.status, 487);
    await drain();
    assert.deepEqual(p.wire.lines, ['A>B INVITE', 'B>A 180', 'A>B CANCEL', 'B>A 200', 'B>A 487', 'A>B ACK']);
    const cancel = p.wire.log[2]!.message as SipRequest;
    const invite = p.wire.log[0]!.message as SipRequest;
    assert.equal(cancel.headers.get('Via'), invite.headers.get('Via'), '§9.1: same top Via');
  });

  test('CANCEL is held until a provisional response arrives (§9.1)', async () => {
    const p = pair();
    let inv: InviteServer | undefined;
    p.bob.once('invite', (i: InviteServer) => {
      inv = i;
    });
    const call = p.alice.invite('bob', OFFER);
    call.cancel();
    await drain();
    assert.deepEqual(p.wire.lines, ['A>B INVITE']);
    inv!.progress(180);
    const [f] = await once(call, 'failed');
    assert.equal(f.status, 487);
    assert.ok(p.wire.lines.includes('A>B CANCEL'));
  });

  test('a 200 that crosses the CANCEL is ACKed and the call hung up with BYE', async () => {
    const p = pair();
    let inv: InviteServer | undefined;
    p.bob.once('invite', (i: InviteServer) => {
      inv = i;
      i.progress(180);
    });
    const call = p.alice.invite('bob', OFFER);
    await once(call, 'progress');
    p.wire.drop = (e) => e.message.kind === 'request' && e.message.method === 'CANCEL';
    call.cancel();
    inv!.accept(ANSWER);
    const [f] = await once(call, 'failed');
    assert.equal(f.status, 487);
    await drain();
    await drain();
    assert.deepEqual(p.wire.lines.slice(-3), ['A>B ACK', 'A>B BYE', 'B>A 200']);
  });

  test('Timer B: a peer that never answers gives 408', async () => {
    const p = pair(false);
    p.wire.drop = (e) => e.to === 'B';
    const call = p.alice.invite('bob', OFFER);
    const failed = once(call, 'failed');
    p.clock.tick(32_000);
    const [f] = await failed;
    assert.equal(f.status, 408);
    assert.equal(f.code, 'SIP_TIMEOUT');
    assert.equal(p.wire.lines.length, 7, 'INVITE and 6 Timer A retransmissions');
  });

  test('offerless INVITE: the offer is in the 200, the answer in the ACK', async () => {
    const p = pair();
    let offerSeen: Buffer | undefined;
    const bobAck = new Promise<Buffer>((resolve) => {
      p.bob.once('invite', (i: InviteServer) => {
        offerSeen = i.offer;
        i.accept(OFFER)?.once('ackAnswer', resolve);
      });
    });
    const call = p.alice.invite('bob', Buffer.alloc(0), { answerFor: () => ANSWER });
    await once(call, 'accepted');
    assert.equal(offerSeen?.length, 0);
    assert.deepEqual(await bobAck, ANSWER);
  });

  test('100rel: a reliable 183 with early media gets a PRACK', async () => {
    const p = pair();
    p.bob.once('invite', (i: InviteServer) => i.progress(183, ANSWER));
    const call = p.alice.invite('bob', OFFER, { headers: [['Require', '100rel']] });
    const [prog] = await once(call, 'progress');
    assert.equal(prog.status, 183);
    assert.deepEqual(prog.body, ANSWER);
    await drain();
    await drain();
    assert.deepEqual(p.wire.lines, ['A>B INVITE', 'B>A 183', 'A>B PRACK', 'B>A 200']);
    const r183 = p.wire.log[1]!.message as SipResponse;
    const prack = p.wire.log[2]!.message as SipRequest;
    assert.equal(r183.headers.get('RSeq'), '1');
    assert.equal(prack.headers.get('RAck'), `1 ${(p.wire.log[0]!.message as SipRequest).headers.get('CSeq')}`);
  });
});

describe('in-dialog requests', () => {
  test('re-INVITE for hold: the peer answers the offer; INVITE, 200, ACK', async () => {
    const p = pair();
    const { aliceSession, bobSession } = await established(p);
    bobSession.on('offer', (o) => {
      assert.match(o.body.toString(), /a=sendonly/);
      o.accept(Buffer.from(`${ANSWER}a=recvonly\r\n`));
    });
    const r = await aliceSession.reinvite(Buffer.from(`${OFFER}a=sendonly\r\n`));
    assert.equal(r.status, 200);
    assert.match(r.body.toString(), /a=recvonly/);
    await drain();
    assert.deepEqual(p.wire.lines.slice(-3), ['A>B INVITE', 'B>A 200', 'A>B ACK']);
  });

  test('UPDATE from the callee', async () => {
    const p = pair();
    const { aliceSession, bobSession } = await established(p);
    aliceSession.on('offer', (o) => o.accept(OFFER));
    const r = await bobSession.update(ANSWER);
    assert.equal(r.status, 200);
    assert.deepEqual(p.wire.lines.slice(-2), ['B>A UPDATE', 'A>B 200']);
  });

  test('491 glare: both re-INVITE at once; each retries after the §14.1 back-off', async () => {
    const p = pair();
    const { aliceSession, bobSession } = await established(p);
    aliceSession.on('offer', (o) => o.accept(OFFER));
    bobSession.on('offer', (o) => o.accept(ANSWER));
    const ra = aliceSession.reinvite(OFFER);
    const rb = bobSession.reinvite(ANSWER);
    await drain();
    await drain();
    assert.equal(p.wire.lines.filter((l) => l.endsWith(' 491')).length, 2);
    p.clock.tick(2_000); // Bob, not the Call-ID owner, retries within 0-2 s
    assert.equal((await rb).status, 200);
    await drain();
    p.clock.tick(2_000); // Alice owns the Call-ID: 2.1-4 s
    assert.equal((await ra).status, 200);
  });

  test('INFO with application/dtmf-relay and application/dtmf', async () => {
    const p = pair();
    const { aliceSession, bobSession } = await established(p);
    const info = once(bobSession, 'info');
    const r = await aliceSession.sendDtmf({ tone: '5', duration: 160 });
    assert.equal(r.status, 200);
    const [i] = await info;
    assert.equal(i.body.toString(), 'Signal=5\r\nDuration=160\r\n');
    assert.deepEqual(i.dtmf, { tone: '5', duration: 160 });
    const info2 = once(aliceSession, 'info');
    await bobSession.info('application/dtmf', Buffer.from('#'));
    assert.deepEqual((await info2)[0].dtmf, { tone: '#', duration: 160 });
  });

  test('REFER: transferee accepts with 202 and reports progress by NOTIFY sipfrag', async () => {
    const p = pair();
    const { aliceSession, bobSession } = await established(p);
    bobSession.once('refer', (r) => {
      assert.equal(r.target, 'sip:carol@example.com');
      assert.equal(r.replaces, undefined);
      r.accept();
      r.notify(200, 'OK');
    });
    const progress: unknown[] = [];
    const final = new Promise<void>((resolve) =>
      aliceSession.on('referProgress', (pr) => {
        progress.push(pr);
        if (pr.final) resolve();
      }),
    );
    const r = await aliceSession.transfer('sip:carol@example.com');
    assert.equal(r.status, 202);
    await final;
    assert.deepEqual(progress, [
      { status: 100, reason: 'Trying', final: false },
      { status: 200, reason: 'OK', final: true },
    ]);
    const notify = p.wire.find((m) => m.kind === 'request' && m.method === 'NOTIFY').at(-1) as SipRequest;
    assert.equal(notify.headers.get('Event'), 'refer');
    assert.equal(notify.headers.get('Subscription-State'), 'terminated;reason=noresource');
  });

  test('attended transfer: Replaces in Refer-To; an INVITE with Replaces finds the dialog', async () => {
    const p = pair();
    const { aliceSession, bobSession } = await established(p);
    const refer = once(bobSession, 'refer');
    void aliceSession.transfer('sip:carol@example.com', aliceSession.replaces);
    const [r] = await refer;
    assert.equal(r.replaces, aliceSession.replaces);
    r.reject(603);
    // Bob (as the transfer target would) sends an INVITE with Replaces matching Alice's dialog.
    const inv = once(p.alice, 'invite');
    p.bob.invite('alice', OFFER, { headers: [['Replaces', bobSession.replaces]] });
    const [incoming] = (await inv) as [InviteServer];
    assert.equal(incoming.replaces, aliceSession);
    // Accepting the new INVITE ends the replaced dialog with BYE (RFC 3891 §3).
    const replacedEnded = once(aliceSession, 'terminated');
    const bobSideEnded = once(bobSession, 'terminated');
    incoming.accept(ANSWER);
    assert.deepEqual((await replacedEnded)[0], { by: 'local', reason: 'replaced (RFC 3891)' });
    assert.equal((await bobSideEnded)[0].by, 'remote');
    const bad = p.bob.invite('alice', OFFER, { headers: [['Replaces', 'nope;to-tag=1;from-tag=2']] });
    assert.equal((await once(bad, 'failed'))[0].status, 481);
  });

  test('session timer (RFC 4028): the answering side echoes Session-Expires and sends BYE when no refresh comes', async () => {
    const p = pair();
    const bobSession = autoAnswer(p.bob);
    const call = p.alice.invite('bob', OFFER, {
      headers: [
        ['Session-Expires', '90;refresher=uac'],
        ['Supported', 'timer'],
      ],
    });
    const [aliceSession] = (await once(call, 'accepted')) as [Session];
    const ok = p.wire.find((m) => m.kind === 'response' && m.status === 200)[0] as SipResponse;
    assert.equal(ok.headers.get('Session-Expires'), '90;refresher=uac');
    const bs = await bobSession;
    const ended = once(bs, 'terminated');
    // Alice refreshes at half the interval (she is the refresher) ...
    p.clock.tick(45_000);
    await drain();
    await drain();
    assert.ok(p.wire.lines.includes('A>B UPDATE'));
    // ... and once she stops, Bob sends BYE at 90 - min(32, 30) = 60 s after the last refresh.
    aliceSession.removeAllListeners();
    p.wire.drop = (e) => e.message.kind === 'request' && e.message.method === 'UPDATE';
    p.clock.tick(60_000);
    await drain();
    assert.ok(p.wire.lines.includes('B>A BYE'));
    await ended;
  });
});

describe('requests the UA cannot handle (RFC 3261 §8.2)', () => {
  test('unknown method: 501 with Allow; BYE outside a dialog: 481; OPTIONS: 200 with Allow', async () => {
    const p = pair();
    const r501 = await p.alice.request({ method: 'FROB', uri: 'sip:bob@example.com', to: '<sip:bob@example.com>' });
    assert.equal(r501.status, 501);
    const resp = p.wire.find((m) => m.kind === 'response' && m.status === 501)[0] as SipResponse;
    assert.match(resp.headers.get('Allow')!, /INVITE/);
    const r481 = await p.alice.request({
      method: 'BYE',
      uri: 'sip:bob@example.com',
      to: '<sip:bob@example.com>;tag=x',
    });
    assert.equal(r481.status, 481);
    const opt = await p.alice.options('sip:bob@example.com');
    assert.equal(opt.status, 200);
    const r420 = await p.alice.request({
      method: 'OPTIONS',
      uri: 'sip:bob@example.com',
      to: '<sip:bob@example.com>',
      headers: [['Require', 'foo']],
    });
    assert.equal(r420.status, 420);
  });
});
