import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseAuthHeader } from '../sip/message/auth-header.js';
import type { SipResponse } from '../sip/message/message.js';
import type { Destination } from '../sip/transport/transport.js';
import type { Binding, BindingRemovalReason } from './location-service.js';
import {
  credentials,
  DOMAIN,
  type FakeSetup,
  fakeServer,
  flush,
  isResponse,
  register,
  requestText,
  send,
} from './testing.js';

const PHONE: Destination = { transport: 'UDP', host: '192.0.2.10', port: 5070 };
const RURI = `sip:${DOMAIN}:5060`;

function contactsOf(r: SipResponse): string[] {
  return r.headers.getAll('Contact');
}

function removals(s: FakeSetup): [Binding, BindingRemovalReason][] {
  const out: [Binding, BindingRemovalReason][] = [];
  s.server.on('unregistered', (b, reason) => out.push([b, reason]));
  return out;
}

describe('Registrar (RFC 3261 §10.3) on a fake network', () => {
  test('the 401 offers SHA-256 then MD5 with one nonce; a known and an unknown user get the same challenge', async () => {
    const s = await fakeServer();
    const known = await send(s, { user: '1001' });
    const unknown = await send(s, { user: '9999' });
    for (const r of [known, unknown]) {
      assert.equal(r.status, 401);
      const challenges = r.headers.getAll('WWW-Authenticate').map((v) => {
        const p = parseAuthHeader(v);
        assert.ok(p.ok);
        return p.value.params;
      });
      assert.deepEqual(
        challenges.map((c) => c.get('algorithm')),
        ['SHA-256', 'MD5'],
      );
      assert.equal(challenges[0]?.get('nonce'), challenges[1]?.get('nonce'));
      assert.deepEqual(
        challenges.map((c) => [c.get('realm'), c.get('qop')]),
        [
          [DOMAIN, 'auth'],
          [DOMAIN, 'auth'],
        ],
      );
    }
    const shape = (r: SipResponse) => [...r.headers].map((f) => f.name);
    assert.deepEqual(shape(known), shape(unknown));
    await s.server.close();
  });

  test('SHA-256 and MD5 credentials both register; the 200 lists the contact with its expires and a Date', async () => {
    const s = await fakeServer();
    const sha = await register(s, { user: '1001', algorithm: 'SHA-256' });
    assert.equal(sha.status, 200);
    assert.deepEqual(contactsOf(sha), ['<sip:1001@192.0.2.10:5070>;expires=3600']);
    assert.ok(sha.headers.has('Date'));
    const md5 = await register(s, { user: '1002', algorithm: 'MD5', expires: 120 });
    assert.deepEqual(contactsOf(md5), ['<sip:1002@192.0.2.10:5070>;expires=120']);
    assert.deepEqual(
      s.server
        .bindings()
        .map((b) => [b.user, b.contact, b.expiresIn, b.transport, b.source])
        .sort(),
      [
        ['1001', 'sip:1001@192.0.2.10:5070', 3600, 'UDP', '192.0.2.10:5070'],
        ['1002', 'sip:1002@192.0.2.10:5070', 120, 'UDP', '192.0.2.10:5070'],
      ],
    );
    await s.server.close();
  });

  test('a wrong password is 403 and an unknown user 404, both only after the challenge', async () => {
    const s = await fakeServer();
    const refused: number[] = [];
    s.server.on('registerRefused', (r) => refused.push(r.status));
    assert.equal((await register(s, { user: '1001', password: 'wrong' })).status, 403);
    assert.equal((await register(s, { user: '9999', password: 'anything' })).status, 404);
    assert.deepEqual(refused, [403, 404]);
    assert.deepEqual(s.server.bindings(), []);
    await s.server.close();
  });

  test('unknownUserStatus 403 makes an unknown user look like a wrong password', async () => {
    const s = await fakeServer({ policy: { unknownUserStatus: 403 } });
    assert.equal((await register(s, { user: '9999', password: 'anything' })).status, 403);
    await s.server.close();
  });

  test('a user may register only its own AOR (§10.3 step 4)', async () => {
    const s = await fakeServer();
    assert.equal((await register(s, { user: '1002', authUser: '1001' })).status, 403);
    await s.server.close();
  });

  test('a nonce this server did not issue is challenged again, an expired one with stale=true', async () => {
    const s = await fakeServer({ nonceLifetimeMs: 30_000 });
    const foreign = `Digest username="1001", realm="${DOMAIN}", nonce="bm90LW91cnM", uri="${RURI}", response="00", algorithm=MD5, qop=auth, nc=00000001, cnonce="x"`;
    assert.equal((await send(s, {}, foreign)).status, 401);
    const challenge = await send(s, {});
    const value = challenge.headers.getAll('WWW-Authenticate')[0]!;
    s.clock.tick(31_000);
    const auth = credentials(value, { user: '1001', password: 'pw1001', method: 'REGISTER', uri: RURI });
    const stale = await send(s, {}, auth, 2);
    assert.equal(stale.status, 401);
    assert.match(stale.headers.get('WWW-Authenticate') ?? '', /stale=true/);
    await s.server.close();
  });

  test('a binding expires on the clock and is gone; a refresh moves its expiry', async () => {
    const s = await fakeServer();
    const gone = removals(s);
    assert.equal((await register(s, { expires: 60, cseq: 1 })).status, 200);
    s.clock.tick(30_000);
    assert.equal((await register(s, { expires: 60, cseq: 3 })).status, 200); // refresh at t=30 s
    s.clock.tick(59_999);
    assert.equal(s.server.bindings().length, 1, 'still there just before the refreshed expiry');
    s.clock.tick(1);
    assert.deepEqual(s.server.bindings(), []);
    assert.deepEqual(
      gone.map(([b, reason]) => [b.contact, reason]),
      [['sip:1001@192.0.2.10:5070', 'expired']],
    );
    await s.server.close();
  });

  test('several contacts per user; the 200 lists all; Expires 0 on one removes only that one', async () => {
    const s = await fakeServer();
    const both = await register(s, {
      contacts: ['<sip:1001@192.0.2.10:5070>;expires=300', '<sip:1001@192.0.2.11:5070>'],
      expires: 600,
    });
    assert.deepEqual(contactsOf(both).sort(), [
      '<sip:1001@192.0.2.10:5070>;expires=300',
      '<sip:1001@192.0.2.11:5070>;expires=600',
    ]);
    const one = await register(s, { contacts: ['<sip:1001@192.0.2.11:5070>'], expires: 0, cseq: 3 });
    assert.equal(one.status, 200);
    assert.deepEqual(contactsOf(one), ['<sip:1001@192.0.2.10:5070>;expires=300']);
    await s.server.close();
  });

  test('Contact * with Expires 0 removes every binding; * with a non-zero expiry or other contacts is 400', async () => {
    const s = await fakeServer();
    const gone = removals(s);
    await register(s, { contacts: ['<sip:1001@192.0.2.10:5070>', '<sip:1001@192.0.2.11:5070>'], cseq: 1 });
    assert.equal((await register(s, { contacts: ['*'], expires: 60, cseq: 3 })).status, 400);
    assert.equal((await register(s, { contacts: ['*', '<sip:1001@192.0.2.12>'], expires: 0, cseq: 5 })).status, 400);
    assert.equal(s.server.bindings().length, 2);
    const all = await register(s, { contacts: ['*'], expires: 0, cseq: 7 });
    assert.equal(all.status, 200);
    assert.deepEqual(contactsOf(all), []);
    assert.deepEqual(s.server.bindings(), []);
    assert.deepEqual(
      gone.map(([, r]) => r),
      ['unregistered', 'unregistered'],
    );
    await s.server.close();
  });

  test('§10.3 step 7: same Call-ID with a CSeq not higher fails and changes nothing; another Call-ID updates', async () => {
    const s = await fakeServer();
    await register(s, { expires: 600, cseq: 10, callId: 'a' });
    assert.equal((await register(s, { expires: 0, cseq: 5, callId: 'a' })).status, 400);
    assert.equal(s.server.bindings()[0]?.cseq, 11);
    const other = await register(s, { expires: 900, cseq: 1, callId: 'b' });
    assert.equal(other.status, 200);
    assert.deepEqual(
      s.server.bindings().map((b) => [b.callId, b.expiresIn]),
      [['b', 900]],
    );
    await s.server.close();
  });

  test('an expiry below Min-Expires is 423 with Min-Expires; one above the cap is shortened', async () => {
    const s = await fakeServer({ policy: { minExpires: 60, maxExpires: 7200 } });
    const brief = await register(s, { expires: 30 });
    assert.equal(brief.status, 423);
    assert.equal(brief.headers.get('Min-Expires'), '60');
    const long = await register(s, { expires: 86_400, cseq: 3 });
    assert.deepEqual(contactsOf(long), ['<sip:1001@192.0.2.10:5070>;expires=7200']);
    await s.server.close();
  });

  test('updates are atomic: one unreachable contact refuses the request and binds none of them', async () => {
    const s = await fakeServer();
    for (const bad of [
      '<sip:1001@nowhere.invalid>',
      '<sip:1001@192.0.2.10:0>',
      '<sip:1001@224.0.0.1>',
      '<tel:+15551234>',
    ]) {
      const r = await register(s, { contacts: ['<sip:1001@192.0.2.10:5070>', bad] });
      assert.equal(r.status, 400, bad);
    }
    assert.deepEqual(s.server.bindings(), []);
    await s.server.close();
  });

  test('more contacts than maxContacts is 403', async () => {
    const s = await fakeServer({ policy: { maxContacts: 2 } });
    const r = await register(s, {
      contacts: ['<sip:1001@192.0.2.10>', '<sip:1001@192.0.2.11>', '<sip:1001@192.0.2.12>'],
    });
    assert.equal(r.status, 403);
    await s.server.close();
  });

  test('a REGISTER for another domain is 403; Require is 420', async () => {
    const s = await fakeServer();
    const before = s.net.sent.length;
    s.net.inject(
      requestText({
        method: 'REGISTER',
        uri: 'sip:example.com',
        via: 'SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bKother',
        from: '<sip:1001@example.com>;tag=1',
        to: '<sip:1001@example.com>',
        callId: 'x',
        cseq: 1,
        headers: ['Contact: <sip:1001@192.0.2.10:5070>'],
      }),
      PHONE,
    );
    s.net.inject(
      requestText({
        method: 'REGISTER',
        uri: RURI,
        via: 'SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bKreq',
        from: `<sip:1001@${DOMAIN}>;tag=1`,
        to: `<sip:1001@${DOMAIN}>`,
        callId: 'y',
        cseq: 1,
        headers: ['Require: gruu'],
      }),
      PHONE,
    );
    await flush();
    const statuses = s.net.since(before).map((x) => (isResponse(x.message) ? x.message.status : 0));
    assert.deepEqual(statuses, [403, 420]);
    await s.server.close();
  });
});
