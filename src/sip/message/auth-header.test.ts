import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  formatAuthHeader,
  formatDigestCredentials,
  parseAuthHeader,
  parseAuthList,
  parseDigestChallenge,
} from './auth-header.js';

describe('authentication headers (RFC 3261 §22.4, RFC 7616, RFC 8760)', () => {
  test('reads the RFC 3261 §20.44 WWW-Authenticate example', () => {
    const r = parseDigestChallenge(
      'Digest realm="atlanta.com", domain="sip:boxesbybob.com", qop="auth", nonce="f84f1cec41e6cbe5aea9c8e88d359", opaque="", stale=FALSE, algorithm=MD5',
    );
    assert.ok(r.ok);
    assert.deepEqual(r.value, {
      realm: 'atlanta.com',
      nonce: 'f84f1cec41e6cbe5aea9c8e88d359',
      opaque: '',
      algorithm: 'MD5',
      qop: ['auth'],
      stale: false,
      domain: 'sip:boxesbybob.com',
    });
  });

  test('reads stale=true, qop lists, SHA-256, and a quoted comma', () => {
    const r = parseDigestChallenge(
      'Digest realm="a, b", nonce="n", qop="auth,auth-int", algorithm=SHA-256, stale=true',
    );
    assert.ok(r.ok);
    assert.equal(r.value.realm, 'a, b');
    assert.deepEqual(r.value.qop, ['auth', 'auth-int']);
    assert.equal(r.value.algorithm, 'SHA-256');
    assert.equal(r.value.stale, true);
  });

  test('reads several challenges of one field (RFC 8760 §2.4: SHA-256 first, MD5 second)', () => {
    const r = parseAuthList(
      'Digest realm="r", nonce="1", algorithm=SHA-256, Digest realm="r", nonce="2", algorithm=MD5',
    );
    assert.ok(r.ok);
    assert.deepEqual(
      r.value.map((c) => c.params.get('algorithm')),
      ['SHA-256', 'MD5'],
    );
  });

  test('writes Digest credentials with qop, nc and algorithm unquoted', () => {
    assert.equal(
      formatDigestCredentials({
        username: 'bob',
        realm: 'biloxi.com',
        nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
        uri: 'sip:bob@biloxi.com',
        response: '6629fae49393a05397450978507c4ef1',
        algorithm: 'MD5',
        cnonce: '0a4f113b',
        opaque: '5ccc069c403ebaf9f0171e9517f40e41',
        qop: 'auth',
        nc: 1,
      }),
      'Digest username="bob", realm="biloxi.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="sip:bob@biloxi.com", response="6629fae49393a05397450978507c4ef1", algorithm=MD5, cnonce="0a4f113b", opaque="5ccc069c403ebaf9f0171e9517f40e41", qop=auth, nc=00000001',
    );
  });

  test('parses what it formats, for challenges and for credentials', () => {
    const text = formatAuthHeader(
      {
        scheme: 'Digest',
        params: new Map([
          ['realm', 'say "hi"'],
          ['nonce', 'x'],
          ['algorithm', 'MD5'],
          ['stale', 'TRUE'],
        ]),
      },
      'challenge',
    );
    assert.equal(text, 'Digest realm="say \\"hi\\"", nonce="x", algorithm=MD5, stale=TRUE');
    const r = parseAuthHeader(text);
    assert.ok(r.ok && r.value.params.get('realm') === 'say "hi"');
  });

  for (const text of ['', 'Digest realm="unclosed', 'realm="r"', 'Digest realm="r", realm="s"', 'Digest ,']) {
    test(`refuses ${JSON.stringify(text)} with SIP_PARSE_BAD_AUTH`, () => {
      const r = parseAuthList(text);
      assert.ok(!r.ok && r.error.code === 'SIP_PARSE_BAD_AUTH');
    });
  }

  test('a Digest challenge without a nonce is refused', () => {
    const r = parseDigestChallenge('Digest realm="r"');
    assert.ok(!r.ok && r.error.code === 'SIP_PARSE_BAD_AUTH');
  });
});
