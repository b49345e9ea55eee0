import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { afterEach, describe, test } from 'node:test';
import { DigestServer } from '../auth/digest-server.js';
import { FakeClock } from '../clock.js';
import type { SipRequest } from '../message/message.js';
import { createResponse } from './message-factory.js';
import { LoopbackWire } from './testing.js';
import { UserAgent } from './user-agent.js';

/** A registrar on the far end of the wire: 401 with a challenge, then 200 when the credentials verify. */
function setup(password = 'secret', expires = 600) {
  const clock = new FakeClock(1_000_000);
  const wire = new LoopbackWire(clock);
  const a = wire.end('A');
  const r = wire.end('R');
  const server = new DigestServer({ secret: randomBytes(32), now: () => clock.now() });
  const registered: SipRequest[] = [];
  r.onRequest((req, tx) => {
    if (tx === undefined) return;
    const auth = req.headers.get('Authorization');
    const ok =
      auth !== undefined &&
      server.verify({
        method: req.method,
        authorization: auth,
        realm: 'example.com',
        password: (u) => (u === 'alice' ? 'secret' : undefined),
      }).ok;
    if (!ok) {
      tx.respond(
        createResponse(req, 401, {
          toTag: 'r',
          headers: server.challenge('example.com').map((v) => ['WWW-Authenticate', v]),
        }),
      );
      return;
    }
    registered.push(req);
    const contact = req.headers.get('Contact') ?? '';
    tx.respond(
      createResponse(req, 200, {
        toTag: 'r',
        headers: [['Contact', `${contact};expires=${req.headers.get('Expires') === '0' ? 0 : expires}`]],
      }),
    );
  });
  const ua = new UserAgent({ network: a, user: 'alice', domain: 'example.com', password, clock });
  return {
    clock,
    wire,
    ua,
    registered,
    close: () => {
      a.close();
      r.close();
    },
  };
}

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

describe('REGISTER (RFC 3261 §10.2)', () => {
  test('REGISTER, 401, REGISTER with Authorization, 200: emits registered', async () => {
    const s = setup();
    cleanup = s.close;
    s.ua.register();
    const [info] = await once(s.ua, 'registered');
    assert.deepEqual(info, { expires: 600 });
    assert.deepEqual(s.wire.lines, ['A>R REGISTER', 'R>A 401', 'A>R REGISTER', 'R>A 200']);
    const [first, , second] = s.wire.log.map((e) => e.message as SipRequest);
    assert.equal(first!.headers.get('Call-ID'), second!.headers.get('Call-ID'));
    const seq = (m: SipRequest) => Number(m.headers.get('CSeq')!.split(' ')[0]);
    assert.equal(seq(second!), seq(first!) + 1);
    assert.match(second!.headers.get('Authorization')!, /^Digest username="alice", realm="example.com"/);
    assert.equal(second!.headers.get('Contact'), '<sip:alice@a.invalid:5060;transport=tcp>');
  });

  test('a wrong password fails with the 401 status, without looping', async () => {
    const s = setup('wrong');
    cleanup = s.close;
    s.ua.register();
    const [f] = await once(s.ua, 'registrationFailed');
    assert.equal(f.status, 401);
    assert.equal(f.lost, false);
    assert.deepEqual(s.wire.lines, ['A>R REGISTER', 'R>A 401', 'A>R REGISTER', 'R>A 401']);
  });

  test('refreshes at half the granted expiry, and un-REGISTERs with Expires: 0 on close', async () => {
    const s = setup('secret', 120);
    cleanup = s.close;
    s.ua.register();
    await once(s.ua, 'registered');
    s.clock.tick(59_000);
    assert.equal(s.registered.length, 1);
    s.clock.tick(1_000);
    await once(s.ua, 'registered');
    assert.equal(s.registered.length, 2);
    const unregistered = once(s.ua, 'unregistered');
    const closed = s.ua.close();
    await unregistered;
    await closed;
    assert.equal(s.registered.at(-1)!.headers.get('Expires'), '0');
    s.clock.tick(0); // Timers J and K are zero on a reliable transport
    assert.equal(s.clock.pending, 0, 'no refresh timer left after close');
  });

  test('Timer F: no answer gives registrationFailed 408', async () => {
    const clock = new FakeClock();
    const wire = new LoopbackWire(clock);
    const a = wire.end('A', false);
    const r = wire.end('R', false);
    cleanup = () => {
      a.close();
      r.close();
    };
    r.onRequest(() => undefined); // a registrar that never answers
    const ua = new UserAgent({ network: a, user: 'alice', domain: 'example.com', clock });
    ua.register();
    const failed = once(ua, 'registrationFailed');
    clock.tick(32_000);
    const [f] = await failed;
    assert.equal(f.status, 408);
    assert.equal(f.code, 'SIP_TIMEOUT');
    assert.equal(wire.lines.filter((l) => l === 'A>R REGISTER').length, 11, 'Timer E retransmissions over UDP');
  });
});

describe('registration lost', () => {
  test('a refresh that times out after a successful registration reports lost: true', async () => {
    const s = setup('secret', 120);
    cleanup = s.close;
    s.ua.register();
    await once(s.ua, 'registered');
    s.wire.drop = (e) => e.to === 'R';
    const failed = once(s.ua, 'registrationFailed');
    s.clock.tick(60_000); // the refresh at half the 120 s
    s.clock.tick(32_000); // Timer F on the refresh (reliable wire: no retransmissions)
    const [f] = await failed;
    assert.deepEqual({ status: f.status, lost: f.lost }, { status: 408, lost: true });
  });
});

describe('user names', () => {
  test('a login with a space is refused up front, naming the field', () => {
    const clock = new FakeClock();
    const wire = new LoopbackWire(clock);
    assert.throws(() => new UserAgent({ network: wire.end('A'), user: 'al ice', domain: 'example.com', clock }), {
      code: 'SIP_INVALID_USER',
      field: 'login',
    });
    assert.throws(
      () => new UserAgent({ network: wire.end('B'), user: 'a', authenticationName: '', domain: 'example.com', clock }),
      { field: 'authenticationName' },
    );
    const ua = new UserAgent({ network: wire.end('C'), user: 'a#b', domain: 'example.com', clock });
    assert.equal(ua.ctx.aor, 'sip:a%23b@example.com');
    assert.throws(() => ua.targetUri('10 03'), { field: 'callee' });
    assert.equal(ua.targetUri('1003'), 'sip:1003@example.com');
    assert.equal(wire.log.length, 0, 'nothing was sent');
  });
});
