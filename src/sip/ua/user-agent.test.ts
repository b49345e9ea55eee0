import assert from 'node:assert/strict';
import { once } from 'node:events';
import { afterEach, describe, test } from 'node:test';
import { FakeClock } from '../clock.js';
import type { InviteServer } from './invite-server.js';
import type { Session } from './session.js';
import { LoopbackWire } from './testing.js';
import { UserAgent } from './user-agent.js';

const SDP = Buffer.from(
  'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n',
);

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

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

const drain = () => new Promise<void>((r) => setImmediate(r));

describe('UserAgent', () => {
  test('OPTIONS keep-alive every interval; no answer emits keepAliveFailed with 408', async () => {
    const p = pair(false);
    p.alice.startKeepAlive(30);
    p.clock.tick(30_000);
    await drain();
    await drain();
    assert.deepEqual(p.wire.lines, ['A>B OPTIONS', 'B>A 200']);
    const opt = p.wire.log[0]!.message;
    assert.equal(opt.kind === 'request' && opt.uri, 'sip:example.com');
    p.wire.drop = (e) => e.to === 'B';
    const failed = once(p.alice, 'keepAliveFailed');
    p.clock.tick(30_000); // the next keep-alive
    p.clock.tick(32_000); // Timer F
    const [f] = await failed;
    assert.equal(f.status, 408);
    p.alice.stopKeepAlive();
  });

  test('close() hangs up every session with BYE and may be called twice', async () => {
    const p = pair();
    p.bob.once('invite', (inv: InviteServer) => inv.accept(SDP));
    const call = p.alice.invite('bob', SDP);
    const [session] = (await once(call, 'accepted')) as [Session];
    await drain();
    const ended = once(session, 'terminated');
    await Promise.all([p.alice.close(), p.alice.close()]);
    assert.equal((await ended)[0].by, 'local');
    assert.deepEqual(p.wire.lines.slice(-2), ['A>B BYE', 'B>A 200']);
    assert.throws(() => p.alice.invite('bob', SDP), { code: 'SIP_CLOSED' });
  });

  test('an incoming INVITE with nobody listening for calls is answered 480', async () => {
    const p = pair();
    const call = p.alice.invite('bob', SDP);
    const [f] = await once(call, 'failed');
    assert.equal(f.status, 480);
  });

  test('a Session-Expires below Min-SE gets 422 with Min-SE (RFC 4028 §8.1)', async () => {
    const p = pair();
    p.bob.on('invite', (inv: InviteServer) => inv.accept(SDP));
    const call = p.alice.invite('bob', SDP, { headers: [['Session-Expires', '30']] });
    const [f] = await once(call, 'failed');
    assert.equal(f.status, 422);
    const r422 = p.wire.find((m) => m.kind === 'response' && m.status === 422)[0]!;
    assert.equal(r422.headers.get('Min-SE'), '90');
  });

  test('a transport error fails the call with 503 and the code SIP_TRANSPORT_ERROR', async () => {
    const clock = new FakeClock();
    const wire = new LoopbackWire(clock);
    const a = wire.end('A'); // nobody at the other end: every send rejects
    cleanup = () => a.close();
    const alice = new UserAgent({ network: a, user: 'alice', domain: 'example.com', clock });
    const call = alice.invite('bob', SDP);
    const [f] = await once(call, 'failed');
    assert.equal(f.status, 503);
    assert.equal(f.code, 'SIP_TRANSPORT_ERROR');
  });

  test('close() cancels an outgoing call that has no final response yet', async () => {
    const p = pair();
    p.bob.once('invite', (inv: InviteServer) => inv.progress(180));
    const call = p.alice.invite('bob', SDP);
    await once(call, 'progress');
    const failed = once(call, 'failed');
    await p.alice.close();
    assert.equal((await failed)[0].status, 487);
    await drain();
    assert.ok(p.wire.lines.includes('A>B CANCEL'));
  });
});
