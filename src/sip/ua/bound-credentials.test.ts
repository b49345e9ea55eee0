// The account's credentials answer challenges only at its domain or outbound proxy, and only for the realm its
// registrar challenged with (see bound-credentials.ts).
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

const SDP = Buffer.from(
  'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n',
);

let cleanup: (() => void) | undefined;
afterEach(() => {
  cleanup?.();
  cleanup = undefined;
});

/**
 * The far end challenges every request without credentials: REGISTER with realm example.com, INVITE with
 * `inviteRealm` and algorithm=MD5 (the harvesting attempt); answers 200 to credentials.
 */
function setup(inviteRealm: string, outboundProxy?: string, domain = 'example.com') {
  const clock = new FakeClock(1_000_000);
  const wire = new LoopbackWire(clock);
  const a = wire.end('A');
  const p = wire.end('P');
  cleanup = () => {
    a.close();
    p.close();
  };
  const server = new DigestServer({ secret: randomBytes(32), now: () => clock.now() });
  const answered: SipRequest[] = [];
  p.onRequest((req, tx) => {
    if (tx === undefined) return;
    const reg = req.method === 'REGISTER';
    const creds = req.headers.get(reg ? 'Authorization' : 'Proxy-Authorization');
    if (creds !== undefined) {
      answered.push(req);
      tx.respond(createResponse(req, 200, { toTag: 'p', contact: '<sip:p@p.invalid>', body: reg ? undefined : SDP }));
      return;
    }
    const values = server
      .challenge(reg ? 'example.com' : inviteRealm)
      .map((v) => v.replace(/algorithm=[^,]+/i, 'algorithm=MD5'));
    tx.respond(
      createResponse(req, reg ? 401 : 407, {
        toTag: 'p',
        headers: values.map((v) => [reg ? 'WWW-Authenticate' : 'Proxy-Authenticate', v]),
      }),
    );
  });
  const ua = new UserAgent({
    network: a,
    user: 'alice',
    domain,
    password: 'secret',
    clock,
    ...(outboundProxy === undefined ? {} : { outboundProxy }),
  });
  return { ua, answered, wire };
}

describe('digest credentials bound to the account (RFC 3261 §22)', () => {
  test('an INVITE to the account domain, challenged with the registrar realm, is answered', async () => {
    const s = setup('example.com');
    s.ua.register();
    await once(s.ua, 'registered');
    await once(s.ua.invite('sip:bob@example.com', SDP), 'accepted');
    assert.equal(s.answered.filter((r) => r.method === 'INVITE').length, 1);
  });

  test('a domain with a port: requests to that host are answered', async () => {
    const s = setup('example.com', undefined, 'example.com:5070');
    s.ua.register();
    await once(s.ua, 'registered');
    await once(s.ua.invite('1003', SDP), 'accepted');
    assert.equal(s.answered.length, 2);
  });

  test('an INVITE to another host (a REFER target) challenged with 407 is not answered: it fails with 407', async () => {
    const s = setup('example.com');
    const [f] = await once(s.ua.invite('sip:evil@attacker.invalid', SDP), 'failed');
    assert.equal(f.status, 407);
    assert.equal(s.answered.length, 0);
    assert.equal(s.wire.find((m) => m.kind === 'request' && m.method === 'INVITE').length, 1, 'no retry');
  });

  test('with an outbound proxy, a request to any target goes via the proxy and is answered there', async () => {
    const s = setup('example.com', 'sip:proxy.example.net;transport=tcp');
    await once(s.ua.invite('sip:bob@elsewhere.invalid', SDP), 'accepted');
    assert.equal(s.answered.length, 1);
  });

  test('after the registrar challenged with its realm, a challenge for another realm is refused', async () => {
    const s = setup('harvest.invalid');
    s.ua.register();
    await once(s.ua, 'registered');
    const [f] = await once(s.ua.invite('sip:bob@example.com', SDP), 'failed');
    assert.equal(f.status, 407);
    assert.equal(s.answered.filter((r) => r.method === 'INVITE').length, 0);
  });
});
