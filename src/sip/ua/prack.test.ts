import assert from 'node:assert/strict';
import { once } from 'node:events';
import { afterEach, describe, test } from 'node:test';
import { FakeClock } from '../clock.js';
import type { InviteServer } from './invite-server.js';
import { LoopbackWire } from './testing.js';
import { UserAgent } from './user-agent.js';

const SDP = Buffer.from(
  'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n',
);

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

/** Over an unreliable wire, so that the UAS core's own retransmissions of the 183 show. */
function pair() {
  const clock = new FakeClock(1_000_000);
  const wire = new LoopbackWire(clock);
  const a = wire.end('A', false);
  const b = wire.end('B', false);
  const alice = new UserAgent({ network: a, user: 'alice', domain: 'example.com', clock });
  const bob = new UserAgent({ network: b, user: 'bob', domain: 'example.com', clock });
  cleanup = () => {
    a.close();
    b.close();
  };
  return { clock, wire, alice, bob };
}

const drain = async () => {
  for (let i = 0; i < 3; i++) await new Promise<void>((r) => setImmediate(r));
};

describe('100rel (RFC 3262)', () => {
  test('a reliable 183 is retransmitted until its PRACK arrives, then no more', async () => {
    const p = pair();
    let prackSeen = 0;
    p.wire.drop = (e) => e.message.kind === 'request' && e.message.method === 'PRACK' && prackSeen++ === 0;
    p.bob.once('invite', (inv: InviteServer) => inv.progress(183, SDP));
    const call = p.alice.invite('bob', SDP, { headers: [['Require', '100rel']] });
    await once(call, 'progress');
    await drain();
    p.clock.tick(500); // T1: the 183 again (UAS core) and the PRACK again (Timer E)
    await drain();
    const count = (l: string) => p.wire.lines.filter((x) => x === l).length;
    assert.equal(count('B>A 183'), 2);
    assert.equal(count('A>B PRACK'), 2);
    assert.equal(count('B>A 200'), 1, 'the PRACK answered');
    p.clock.tick(8_000);
    await drain();
    assert.equal(count('B>A 183'), 2, 'no retransmission after the PRACK');
  });

  test('no PRACK within 64*T1: the UAS rejects the INVITE with 504', async () => {
    const p = pair();
    p.wire.drop = (e) => e.message.kind === 'request' && e.message.method === 'PRACK';
    p.bob.once('invite', (inv: InviteServer) => inv.progress(183, SDP));
    const call = p.alice.invite('bob', SDP, { headers: [['Require', '100rel']] });
    await once(call, 'progress');
    const failed = once(call, 'failed');
    for (let t = 0; t < 64; t++) {
      p.clock.tick(500);
      await drain();
    }
    const [f] = await failed;
    assert.equal(f.status, 504);
  });
});
