// Incoming INVITEs that must be refused: a Replaces from a party not allowed to replace the call (RFC 3891
// §6.1), and INVITEs beyond the cap of unanswered ones.
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
afterEach(() => {
  cleanup?.();
  cleanup = undefined;
});

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
  // Alice's dialog with Bob; Bob's end of the wire can also speak as another party (mallory, carol).
  const [aliceSession] = (await once(alice.invite('bob', SDP), 'accepted')) as [Session];
  await bobSession;
  const asUser = (user: string) => new UserAgent({ network: b, user, domain: 'example.com', clock });
  return { wire, alice, aliceSession, bobSession: await bobSession, asUser };
}

describe('Replaces authorization (RFC 3891 §6.1)', () => {
  test('a third party knowing Call-ID and tags cannot replace a confirmed call: 403, the call goes on', async () => {
    const p = await established();
    let offered = false;
    p.alice.on('invite', () => {
      offered = true;
    });
    const mallory = p.asUser('mallory');
    const call = mallory.invite('alice', SDP, { headers: [['Replaces', p.bobSession.replaces]] });
    const [f] = await once(call, 'failed');
    assert.equal(f.status, 403);
    assert.equal(offered, false, 'the application never saw the INVITE');
    assert.equal(p.aliceSession.state, 'Confirmed');
  });

  test('the peer itself may replace its call (same From URI)', async () => {
    const p = await established();
    const inv = once(p.alice, 'invite');
    p.asUser('bob').invite('alice', SDP, { headers: [['Replaces', p.bobSession.replaces]] });
    const [incoming] = (await inv) as [InviteServer];
    assert.equal(incoming.replaces, p.aliceSession);
  });

  test('attended transfer: the transfer target, referred by our peer (Referred-By), may replace the call', async () => {
    const p = await established();
    const inv = once(p.alice, 'invite');
    p.asUser('carol').invite('alice', SDP, {
      headers: [
        ['Replaces', p.bobSession.replaces],
        ['Referred-By', '<sip:bob@EXAMPLE.com>'],
      ],
    });
    const [incoming] = (await inv) as [InviteServer];
    assert.equal(incoming.replaces, p.aliceSession);
  });

  test('a Referred-By naming someone else is refused', async () => {
    const p = await established();
    const call = p.asUser('carol').invite('alice', SDP, {
      headers: [
        ['Replaces', p.bobSession.replaces],
        ['Referred-By', '<sip:mallory@example.com>'],
      ],
    });
    assert.equal((await once(call, 'failed'))[0].status, 403);
  });
});

describe('unanswered incoming INVITEs are capped', () => {
  test('beyond maxPendingInvites, an INVITE gets 486 Busy Here; once one is answered, a new one rings', async () => {
    const clock = new FakeClock(1_000_000);
    const wire = new LoopbackWire(clock);
    const a = wire.end('A');
    const b = wire.end('B');
    cleanup = () => {
      a.close();
      b.close();
    };
    const alice = new UserAgent({ network: a, user: 'alice', domain: 'example.com', clock });
    const bob = new UserAgent({ network: b, user: 'bob', domain: 'example.com', clock, maxPendingInvites: 2 });
    const ringing: InviteServer[] = [];
    bob.on('invite', (inv: InviteServer) => {
      ringing.push(inv);
      inv.progress(180);
    });
    const c1 = alice.invite('bob', SDP);
    const c2 = alice.invite('bob', SDP);
    await Promise.all([once(c1, 'progress'), once(c2, 'progress')]);
    const c3 = alice.invite('bob', SDP);
    assert.equal((await once(c3, 'failed'))[0].status, 486);
    assert.equal(ringing.length, 2);
    ringing[0]!.reject(603);
    await once(c1, 'failed');
    const c4 = alice.invite('bob', SDP);
    await once(c4, 'progress');
    assert.equal(ringing.length, 3);
  });
});
