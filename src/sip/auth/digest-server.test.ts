import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { Headers } from '../message/headers.js';
import { SipRequest, SipResponse } from '../message/message.js';
import { DigestClient } from './digest.js';
import { DigestServer } from './digest-server.js';

function setup(lifetime = 1000, maxTrackedNonces?: number) {
  let now = 1_700_000_000_000;
  const server = new DigestServer({
    secret: randomBytes(32),
    now: () => now,
    nonceLifetimeMs: lifetime,
    ...(maxTrackedNonces === undefined ? {} : { maxTrackedNonces }),
  });
  const advance = (ms: number) => {
    now += ms;
  };
  return { server, advance };
}

function answer(client: DigestClient, values: string[], status = 401): string {
  const h = new Headers();
  for (const v of values) h.append('WWW-Authenticate', v);
  const r = client.answer(new SipRequest('REGISTER', 'sip:example.com'), new SipResponse(status, 'Unauthorized', h));
  assert.ok(r.ok);
  return r.value.values[0]!;
}

const users = (name: string) => (name === 'alice' ? 'secret' : undefined);

describe('DigestServer', () => {
  test('accepts credentials computed by DigestClient (SHA-256 preferred)', () => {
    const { server } = setup();
    const challenge = server.challenge('example.com');
    assert.equal(challenge.length, 2);
    const auth = answer(new DigestClient({ username: 'alice', password: 'secret' }), challenge);
    assert.match(auth, /algorithm=SHA-256/);
    const r = server.verify({ method: 'REGISTER', authorization: auth, realm: 'example.com', password: users });
    assert.deepEqual(r, { ok: true, value: { username: 'alice', realm: 'example.com' } });
  });

  test('refuses a wrong password, an unknown user and a foreign nonce', () => {
    const { server } = setup();
    const ch = server.challenge('example.com');
    const wrong = answer(new DigestClient({ username: 'alice', password: 'nope' }), ch);
    const r1 = server.verify({ method: 'REGISTER', authorization: wrong, realm: 'example.com', password: users });
    assert.equal(!r1.ok && r1.error.code, 'SIP_AUTH_INVALID');
    const bob = answer(new DigestClient({ username: 'bob', password: 'x' }), ch);
    const r2 = server.verify({ method: 'REGISTER', authorization: bob, realm: 'example.com', password: users });
    assert.equal(!r2.ok && r2.error.code, 'SIP_AUTH_INVALID');
    const other = setup().server.challenge('example.com');
    const forged = answer(new DigestClient({ username: 'alice', password: 'secret' }), other);
    const r3 = server.verify({ method: 'REGISTER', authorization: forged, realm: 'example.com', password: users });
    assert.equal(!r3.ok && r3.error.code, 'SIP_AUTH_INVALID');
  });

  test('an expired nonce is stale; the client retries with the new one', () => {
    const { server, advance } = setup(1000);
    const client = new DigestClient({ username: 'alice', password: 'secret' });
    const auth = answer(client, server.challenge('example.com'));
    advance(1001);
    const r = server.verify({ method: 'REGISTER', authorization: auth, realm: 'example.com', password: users });
    assert.equal(!r.ok && r.error.code, 'SIP_AUTH_STALE_NONCE');
    const h = new Headers();
    for (const v of server.challenge('example.com', { stale: true })) h.append('WWW-Authenticate', v);
    const sent = new SipRequest('REGISTER', 'sip:example.com', new Headers().append('Authorization', auth));
    const retry = client.answer(sent, new SipResponse(401, 'Unauthorized', h));
    assert.ok(retry.ok);
    const ok2 = server.verify({
      method: 'REGISTER',
      authorization: retry.value.values[0]!,
      realm: 'example.com',
      password: users,
    });
    assert.ok(ok2.ok);
  });

  test('a replayed nonce count is refused', () => {
    const { server } = setup();
    const auth = answer(new DigestClient({ username: 'alice', password: 'secret' }), server.challenge('example.com'));
    const v = { method: 'REGISTER', authorization: auth, realm: 'example.com', password: users };
    assert.ok(server.verify(v).ok);
    const again = server.verify(v);
    assert.equal(!again.ok && again.error.code, 'SIP_AUTH_INVALID');
  });

  test('RFC 7616 §3.4.6: a digest uri that is not the Request-URI is a bad request (400)', () => {
    const { server } = setup();
    const auth = answer(new DigestClient({ username: 'alice', password: 'secret' }), server.challenge('example.com'));
    const verify = (requestUri: string) =>
      server.verify({ method: 'REGISTER', requestUri, authorization: auth, realm: 'example.com', password: users });
    const other = verify('sip:premium@pstn.example.net');
    assert.equal(!other.ok && other.error.code, 'SIP_AUTH_URI_MISMATCH');
    assert.equal(!other.ok && other.error.status, 400);
    // The same resource written differently (§19.1.4: host case-insensitive) is accepted.
    assert.ok(verify('sip:EXAMPLE.com').ok);
  });

  test('a full nonce-count table forgets only expired nonces; a new nonce waits (busy) instead of a replay', () => {
    const { server, advance } = setup(1000, 2);
    const alice = () => new DigestClient({ username: 'alice', password: 'secret' });
    const v = (authorization: string) => ({ method: 'REGISTER', authorization, realm: 'example.com', password: users });
    const a = answer(alice(), server.challenge('example.com')); // issued at 0, alive until 1000
    assert.ok(server.verify(v(a)).ok);
    advance(500);
    const b = answer(alice(), server.challenge('example.com'));
    const c = answer(alice(), server.challenge('example.com'));
    assert.ok(server.verify(v(b)).ok);
    const busy = server.verify(v(c));
    assert.equal(!busy.ok && busy.error.code, 'SIP_AUTH_BUSY', 'two live nonces tracked: the third must wait');
    assert.equal(!busy.ok && busy.error.retryAfter, 1);
    for (const replay of [a, b]) {
      const r = server.verify(v(replay));
      assert.equal(!r.ok && r.error.code, 'SIP_AUTH_INVALID', 'a tracked nonce is never forgotten while alive');
    }
    advance(501); // a has expired: its slot is free, and its replay is stale
    assert.ok(server.verify(v(c)).ok);
    const late = server.verify(v(a));
    assert.equal(!late.ok && late.error.code, 'SIP_AUTH_STALE_NONCE');
    const again = server.verify(v(b));
    assert.equal(!again.ok && again.error.code, 'SIP_AUTH_INVALID');
  });

  test('a nonce bound to one address is not issued here for another (challenged again, no password asked)', () => {
    const { server } = setup();
    const auth = answer(
      new DigestClient({ username: 'alice', password: 'secret' }),
      server.challenge('example.com', { bind: '192.0.2.1' }),
    );
    let asked = 0;
    const verify = (bind?: string) =>
      server.verify({
        method: 'REGISTER',
        authorization: auth,
        realm: 'example.com',
        ...(bind === undefined ? {} : { bind }),
        password: (u) => {
          asked++;
          return users(u);
        },
      });
    for (const elsewhere of ['198.51.100.66', undefined]) {
      const r = verify(elsewhere);
      assert.equal(!r.ok && r.error.message, 'nonce not issued here');
    }
    assert.equal(asked, 0);
    assert.ok(verify('192.0.2.1').ok);
  });

  test('malformed credentials give SIP_AUTH_BAD_HEADER', () => {
    const { server } = setup();
    for (const bad of ['Basic abc', 'Digest username="a"', 'Digest "', '']) {
      const r = server.verify({ method: 'REGISTER', authorization: bad, realm: 'example.com', password: users });
      assert.equal(!r.ok && r.error.code, 'SIP_AUTH_BAD_HEADER', bad);
    }
  });

  test('never throws on any Authorization or challenge text (property)', () => {
    const { server } = setup();
    const client = new DigestClient({ username: 'alice', password: 'secret' });
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        const v = server.verify({ method: 'REGISTER', authorization: text, realm: 'example.com', password: users });
        assert.equal(v.ok, false);
        const h = new Headers().append('WWW-Authenticate', text);
        client.answer(new SipRequest('REGISTER', 'sip:example.com'), new SipResponse(401, 'Unauthorized', h));
        client.answer(
          new SipRequest('REGISTER', 'sip:example.com', h.clone().append('Authorization', text)),
          new SipResponse(401, 'Unauthorized', h),
        );
      }),
      { numRuns: 500 },
    );
  });
});
