import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { afterEach, describe, test } from 'node:test';
import { DigestServer } from '../auth/digest-server.js';
import { FakeClock } from '../clock.js';
import type { SipRequest } from '../message/message.js';
import { createResponse } from './message-factory.js';
import type { Session } from './session.js';
import { type LoopbackEnd, LoopbackWire } from './testing.js';
import { UserAgent } from './user-agent.js';

const OFFER = Buffer.from(
  'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n',
);

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

/** Alice's UA against a scripted far end `P` (a forking proxy, an authenticating proxy). */
function setup(password?: string) {
  const clock = new FakeClock(1_000_000);
  const wire = new LoopbackWire(clock);
  const a = wire.end('A');
  const p: LoopbackEnd = wire.end('P');
  const alice = new UserAgent({ network: a, user: 'alice', domain: 'example.com', clock, password });
  cleanup = () => {
    a.close();
    p.close();
  };
  return { clock, wire, p, alice };
}

const drain = () => new Promise<void>((r) => setImmediate(r));

describe('forking (RFC 3261 §12.1.2, §13.2.2.4)', () => {
  test('two early dialogs, two 200s: the first makes the session, the second is ACKed and hung up', async () => {
    const s = setup();
    const byes: SipRequest[] = [];
    s.p.onRequest((req, tx) => {
      if (req.method === 'INVITE' && tx !== undefined) {
        const fork = (tag: string, status: number) =>
          tx.respond(createResponse(req, status, { toTag: tag, contact: `<sip:bob@${tag}.invalid>` }));
        fork('one', 180);
        fork('two', 180);
        fork('one', 200);
        // A forking proxy forwards every 2xx (RFC 3261 §16.7 step 5); the second has another To tag.
        fork('two', 200);
      } else if (req.method === 'BYE' && tx !== undefined) {
        byes.push(req);
        tx.respond(createResponse(req, 200));
      }
    });
    const call = s.alice.invite('bob', OFFER);
    const progress: string[] = [];
    call.on('progress', (pr) => progress.push(String(pr.status)));
    const [session] = (await once(call, 'accepted')) as [Session];
    await drain();
    await drain();
    assert.deepEqual(progress, ['180', '180']);
    assert.equal(session.dialog.id.remoteTag, 'one');
    assert.equal(session.dialog.remoteTarget, 'sip:bob@one.invalid');
    assert.deepEqual(s.wire.lines, [
      'A>P INVITE',
      'P>A 180',
      'P>A 180',
      'P>A 200',
      'P>A 200',
      'A>P ACK',
      'A>P ACK',
      'A>P BYE',
      'P>A 200',
    ]);
    assert.equal(byes.length, 1);
    assert.equal(byes[0]!.uri, 'sip:bob@two.invalid');
    assert.match(byes[0]!.headers.get('To')!, /tag=two/);
    assert.equal(session.state, 'Confirmed');
  });
});

describe('INVITE challenged by a proxy (RFC 3261 §22.3)', () => {
  test('407: ACK, INVITE again with Proxy-Authorization and CSeq+1; the 2xx ACK carries the credentials', async () => {
    const s = setup('secret');
    const server = new DigestServer({ secret: randomBytes(32), now: () => s.clock.now() });
    s.p.onRequest((req, tx) => {
      if (req.method !== 'INVITE' || tx === undefined) return;
      const auth = req.headers.get('Proxy-Authorization');
      const ok =
        auth !== undefined &&
        server.verify({ method: 'INVITE', authorization: auth, realm: 'example.com', password: () => 'secret' }).ok;
      if (!ok) {
        const challenge = server.challenge('example.com').map((v) => ['Proxy-Authenticate', v] as [string, string]);
        tx.respond(createResponse(req, 407, { toTag: 'p', headers: challenge }));
        return;
      }
      tx.respond(createResponse(req, 200, { toTag: 'b', contact: '<sip:bob@b.invalid>', body: OFFER }));
    });
    const call = s.alice.invite('bob', OFFER);
    await once(call, 'accepted');
    await drain();
    assert.deepEqual(s.wire.lines, ['A>P INVITE', 'P>A 407', 'A>P ACK', 'A>P INVITE', 'P>A 200', 'A>P ACK']);
    const [first, , , second, , ack] = s.wire.log.map((e) => e.message as SipRequest);
    const seq = (m: SipRequest) => Number(m.headers.get('CSeq')!.split(' ')[0]);
    assert.equal(seq(second!), seq(first!) + 1);
    assert.equal(second!.headers.get('Call-ID'), first!.headers.get('Call-ID'));
    assert.equal(second!.headers.get('From'), first!.headers.get('From'));
    assert.equal(ack!.headers.get('Proxy-Authorization'), second!.headers.get('Proxy-Authorization'));
    assert.equal(ack!.headers.get('CSeq'), `${seq(second!)} ACK`);
  });

  test('cancel() before the 407 arrives: no retry, the call fails with 487', async () => {
    const s = setup('secret');
    const server = new DigestServer({ secret: randomBytes(32), now: () => s.clock.now() });
    s.p.onRequest((req, tx) => {
      if (req.method !== 'INVITE' || tx === undefined) return;
      const challenge = server.challenge('example.com').map((v) => ['Proxy-Authenticate', v] as [string, string]);
      tx.respond(createResponse(req, 407, { toTag: 'p', headers: challenge }));
    });
    const call = s.alice.invite('bob', OFFER);
    call.cancel(); // no provisional yet: nothing is sent (§9.1)
    const [f] = await once(call, 'failed');
    assert.deepEqual(f, { status: 487, reason: 'Request Terminated' });
    await drain();
    assert.deepEqual(s.wire.lines, ['A>P INVITE', 'P>A 407', 'A>P ACK']);
  });
});
