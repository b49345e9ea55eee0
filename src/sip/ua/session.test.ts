import assert from 'node:assert/strict';
import { once } from 'node:events';
import { afterEach, describe, test } from 'node:test';
import { FakeClock } from '../clock.js';
import type { InviteServer } from './invite-server.js';
import type { RequestOutcome, Session } from './session.js';
import { LoopbackWire } from './testing.js';
import { UserAgent } from './user-agent.js';

const SDP = Buffer.from(
  'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n',
);

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

async function established() {
  const clock = new FakeClock(1_000_000);
  const wire = new LoopbackWire(clock);
  const a = wire.end('A');
  const b = wire.end('B');
  const alice = new UserAgent({ network: a, user: 'alice', domain: 'example.com', clock });
  const bob = new UserAgent({ network: b, user: 'bob', domain: 'example.com', clock });
  cleanup = () => {
    a.close();
    b.close();
  };
  const bobSession = new Promise<Session>((resolve) =>
    bob.once('invite', (inv: InviteServer) => {
      const s = inv.accept(SDP);
      s?.once('acked', () => resolve(s));
    }),
  );
  const call = alice.invite('bob', SDP);
  const [aliceSession] = (await once(call, 'accepted')) as [Session];
  const bs = await bobSession;
  return { wire, clock, aliceSession, bobSession: bs };
}

const drain = async () => {
  for (let i = 0; i < 3; i++) await new Promise<void>((r) => setImmediate(r));
};

describe('Session re-INVITE ordering (RFC 3261 §14.1)', () => {
  test("a re-INVITE asked for while the peer's re-INVITE awaits its ACK waits for the ACK, then goes", async () => {
    const { wire, aliceSession, bobSession } = await established();
    bobSession.on('offer', (o) => o.accept(SDP));
    let mine: Promise<RequestOutcome> | undefined;
    aliceSession.once('offer', (o) => {
      o.accept(SDP); // our 200 is out, the ACK not yet in
      mine = aliceSession.reinvite(SDP);
    });
    const theirs = await bobSession.reinvite(SDP);
    assert.equal(theirs.status, 200);
    assert.ok(mine !== undefined);
    assert.equal((await mine).status, 200);
    const lines = wire.lines.slice(-6);
    assert.deepEqual(lines, ['B>A INVITE', 'A>B 200', 'B>A ACK', 'A>B INVITE', 'B>A 200', 'A>B ACK']);
  });

  test('a second local reinvite() while one is in progress gets 491 at once', async () => {
    const { aliceSession, bobSession } = await established();
    bobSession.on('offer', (o) => o.accept(SDP));
    const first = aliceSession.reinvite(SDP);
    const second = await aliceSession.reinvite(SDP);
    assert.equal(second.status, 491);
    assert.equal((await first).status, 200);
  });

  test('UPDATE glare (RFC 3311 §5.2): both offer at once, both get 491, both succeed after the back-off', async () => {
    const { wire, aliceSession, bobSession, clock } = await established();
    aliceSession.on('offer', (o) => o.accept(SDP));
    bobSession.on('offer', (o) => o.accept(SDP));
    const ra = aliceSession.update(SDP);
    const rb = bobSession.update(SDP);
    await drain();
    assert.equal(wire.lines.filter((l) => l.endsWith(' 491')).length, 2);
    clock.tick(2_000); // Bob (not the Call-ID owner) retries within 0-2 s
    assert.equal((await rb).status, 200);
    await drain();
    clock.tick(2_000); // Alice within 2.1-4 s
    assert.equal((await ra).status, 200);
  });
});
