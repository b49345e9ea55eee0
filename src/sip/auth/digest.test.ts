import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { parseAuthHeader } from '../message/auth-header.js';
import { Headers } from '../message/headers.js';
import { SipRequest, SipResponse } from '../message/message.js';
import { DigestClient, readDigestChallenges } from './digest.js';
import { digestResponse } from './digest-algorithm.js';

function parseAuthParams(v: string) {
  const r = parseAuthHeader(v);
  return r.ok ? r.value : undefined;
}

describe('digest computation', () => {
  // RFC 7616 §3.9.1
  const mufasa = {
    username: 'Mufasa',
    password: 'Circle of Life',
    realm: 'http-auth@example.org',
    nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
    method: 'GET',
    uri: '/dir/index.html',
    qop: 'auth' as const,
    nc: '00000001',
    cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
  };

  test('RFC 7616 §3.9.1 MD5 example', () => {
    assert.equal(digestResponse({ ...mufasa, algorithm: 'MD5' }), '8ca523f5e9506fed4657c9700eebdbec');
  });

  test('RFC 7616 §3.9.1 SHA-256 example', () => {
    assert.equal(
      digestResponse({ ...mufasa, algorithm: 'SHA-256' }),
      '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1',
    );
  });

  test('RFC 2617 §3.5 example', () => {
    assert.equal(
      digestResponse({
        algorithm: 'MD5',
        username: 'Mufasa',
        password: 'Circle Of Life',
        realm: 'testrealm@host.com',
        nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
        method: 'GET',
        uri: '/dir/index.html',
        qop: 'auth',
        nc: '00000001',
        cnonce: '0a4f113b',
      }),
      '6629fae49393a05397450978507c4ef1',
    );
  });

  test('RFC 2069 compatibility: no qop', () => {
    // RFC 2069 §2.4 example, response computed as H(H(A1):nonce:H(A2)).
    assert.equal(
      digestResponse({
        algorithm: 'MD5',
        username: 'Mufasa',
        password: 'CircleOfLife',
        realm: 'testrealm@host.com',
        nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
        method: 'GET',
        uri: '/dir/index.html',
      }),
      '1949323746fe6a43ef61f9606e7febea',
    );
  });

  test('qop=auth-int hashes the body into A2 (RFC 7616 §3.4.3)', () => {
    const h = (x: string) => createHash('md5').update(x).digest('hex');
    const body = Buffer.from('v=0\r\n');
    const ha1 = h('Mufasa:http-auth@example.org:Circle of Life');
    const ha2 = h(`GET:/dir/index.html:${h('v=0\r\n')}`);
    const expected = h(`${ha1}:${mufasa.nonce}:00000001:${mufasa.cnonce}:auth-int:${ha2}`);
    assert.equal(digestResponse({ ...mufasa, algorithm: 'MD5', qop: 'auth-int', body }), expected);
  });

  test('-sess variants hash the nonce and cnonce into A1', () => {
    const base = { ...mufasa, algorithm: 'MD5' as const };
    assert.notEqual(digestResponse({ ...base, algorithm: 'MD5-sess' }), digestResponse(base));
    assert.notEqual(
      digestResponse({ ...base, algorithm: 'SHA-512-256' }),
      digestResponse({ ...base, algorithm: 'SHA-256' }),
    );
    assert.equal(digestResponse({ ...base, algorithm: 'SHA-512-256' }).length, 64);
  });
});

const fixedRandom = (n: number) => Buffer.alloc(n, 0xab);

function register(headers: [string, string][] = []): SipRequest {
  const h = new Headers();
  h.append('CSeq', '1 REGISTER');
  for (const [k, v] of headers) h.append(k, v);
  return new SipRequest('REGISTER', 'sip:example.com', h);
}

function challenge(status: number, ...values: string[]): SipResponse {
  const h = new Headers();
  for (const v of values) h.append(status === 407 ? 'Proxy-Authenticate' : 'WWW-Authenticate', v);
  return new SipResponse(status, status === 407 ? 'Proxy Authentication Required' : 'Unauthorized', h);
}

describe('DigestClient', () => {
  const alice = { username: 'alice', password: 'secret' };

  test('answers a 401 with Authorization computed per RFC 7616', () => {
    const c = new DigestClient(alice, { randomBytes: fixedRandom });
    const r = c.answer(register(), challenge(401, 'Digest realm="example.com", nonce="n1", qop="auth", opaque="op"'));
    assert.ok(r.ok);
    assert.equal(r.value.header, 'Authorization');
    assert.equal(r.value.values.length, 1);
    const p = parseAuthParams(r.value.values[0]!)!;
    const cnonce = fixedRandom(16).toString('hex');
    assert.equal(p.params.get('username'), 'alice');
    assert.equal(p.params.get('uri'), 'sip:example.com');
    assert.equal(p.params.get('nc'), '00000001');
    assert.equal(p.params.get('cnonce'), cnonce);
    assert.equal(p.params.get('opaque'), 'op');
    assert.match(r.value.values[0]!, /qop=auth, nc=00000001/);
    const expected = digestResponse({
      algorithm: 'MD5',
      username: 'alice',
      password: 'secret',
      realm: 'example.com',
      nonce: 'n1',
      method: 'REGISTER',
      uri: 'sip:example.com',
      qop: 'auth',
      nc: '00000001',
      cnonce,
    });
    assert.equal(p.params.get('response'), expected);
  });

  test('answers a 407 with Proxy-Authorization', () => {
    const c = new DigestClient(alice);
    const r = c.answer(register(), challenge(407, 'Digest realm="proxy", nonce="n"'));
    assert.ok(r.ok);
    assert.equal(r.value.header, 'Proxy-Authorization');
    assert.doesNotMatch(r.value.values[0]!, /qop|nc=/);
  });

  test('prefers SHA-256 over MD5 when both are offered (RFC 8760)', () => {
    const c = new DigestClient(alice);
    const r = c.answer(
      register(),
      challenge(401, 'Digest realm="r", nonce="n", algorithm=MD5', 'Digest realm="r", nonce="n", algorithm=SHA-256'),
    );
    assert.ok(r.ok);
    assert.equal(r.value.values.length, 1);
    assert.match(r.value.values[0]!, /algorithm=SHA-256/);
  });

  test('increments nc for the same nonce', () => {
    const c = new DigestClient(alice);
    const ch = challenge(401, 'Digest realm="r", nonce="same", qop="auth"');
    c.answer(register(), ch);
    const r = c.answer(register(), ch);
    assert.ok(r.ok);
    assert.match(r.value.values[0]!, /nc=00000002/);
  });

  test('a second challenge after our credentials is a rejection, unless stale=true', () => {
    const c = new DigestClient(alice);
    const first = c.answer(register(), challenge(401, 'Digest realm="r", nonce="n1", qop="auth"'));
    assert.ok(first.ok);
    const retried = register([['Authorization', first.value.values[0]!]]);
    const rejected = c.answer(retried, challenge(401, 'Digest realm="r", nonce="n2", qop="auth"'));
    assert.ok(!rejected.ok);
    assert.equal(rejected.error.code, 'SIP_AUTH_REJECTED');
    assert.equal(rejected.error.status, 401);
    const stale = c.answer(retried, challenge(401, 'Digest realm="r", nonce="n3", qop="auth", stale=TRUE'));
    assert.ok(stale.ok);
    assert.equal(stale.value.stale, true);
    assert.match(stale.value.values[0]!, /nonce="n3"/);
  });

  test('picks credentials by realm and keeps credentials for other realms', () => {
    const c = new DigestClient([
      { username: 'a', password: 'pa', realm: 'one' },
      { username: 'b', password: 'pb', realm: 'two' },
    ]);
    const r1 = c.answer(register(), challenge(407, 'Digest realm="one", nonce="n"'));
    assert.ok(r1.ok);
    const req = register([['Proxy-Authorization', r1.value.values[0]!]]);
    const r2 = c.answer(req, challenge(407, 'Digest realm="two", nonce="m"'));
    assert.ok(r2.ok);
    assert.equal(r2.value.values.length, 2);
    assert.match(r2.value.values[0]!, /username="b"/);
    assert.match(r2.value.values[1]!, /username="a"/);
  });

  test('no credentials for the realm, no supported challenge', () => {
    const c = new DigestClient({ username: 'a', password: 'p', realm: 'one' });
    const r = c.answer(register(), challenge(401, 'Digest realm="other", nonce="n"'));
    assert.ok(!r.ok);
    assert.equal(r.error.code, 'SIP_AUTH_NO_CREDENTIALS');
    const u = c.answer(
      register(),
      challenge(401, 'Basic realm="one"', 'Digest realm="one", nonce="n", algorithm=SHA-1'),
    );
    assert.ok(!u.ok);
    assert.equal(u.error.code, 'SIP_AUTH_UNSUPPORTED');
  });

  test('readDigestChallenges needs realm and nonce, defaults to MD5, reads several in one value', () => {
    assert.deepEqual(readDigestChallenges('Digest realm="r"'), []);
    assert.equal(readDigestChallenges('Digest realm="r", nonce="n"')[0]?.algorithm, 'MD5');
    assert.equal(readDigestChallenges('Digest realm="r", nonce="n", qop="auth-int"')[0]?.qop, 'auth-int');
    const two = readDigestChallenges('Digest realm="r", nonce="n", algorithm=SHA-256, Digest realm="r", nonce="n"');
    assert.deepEqual(
      two.map((c) => c.algorithm),
      ['SHA-256', 'MD5'],
    );
    assert.deepEqual(readDigestChallenges('Digest realm="open'), []);
  });
});
