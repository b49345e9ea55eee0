import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { normalizeOrigin, OriginPolicy } from './origin-policy.js';

describe('OriginPolicy', () => {
  test('by default lets in the pages the server serves itself, and no others', () => {
    const p = new OriginPolicy();
    assert.deepEqual(p.check('http://127.0.0.1:8080', '127.0.0.1:8080'), { allowed: true });
    assert.deepEqual(p.check('https://parley.example', 'parley.example:443'), { allowed: true });
    assert.deepEqual(p.check('http://PARLEY.example', 'parley.example'), { allowed: true });
    const evil = p.check('https://evil.example', '127.0.0.1:8080');
    assert.equal(evil.allowed, false);
    assert.match(evil.allowed ? '' : evil.reason, /origin https:\/\/evil\.example not allowed/);
    assert.equal(p.check('http://127.0.0.1:9999', '127.0.0.1:8080').allowed, false, 'another port is another origin');
  });

  test('a client without Origin is no browser page, and is let in', () => {
    assert.deepEqual(new OriginPolicy().check(undefined, '127.0.0.1:8080'), { allowed: true });
  });

  test('the opaque origin "null" (file://, sandboxed frames) and garbage are refused', () => {
    const p = new OriginPolicy();
    assert.equal(p.check('null', '127.0.0.1:8080').allowed, false);
    assert.equal(p.check('not a url', '127.0.0.1:8080').allowed, false);
    assert.equal(p.check('http://127.0.0.1:8080', undefined).allowed, false);
  });

  test('configured origins are allowed as well as the own one; * allows any', () => {
    const p = new OriginPolicy({ allowedOrigins: ['https://app.example.com', 'http://localhost:3000/'] });
    assert.equal(p.check('https://app.example.com', '127.0.0.1:8080').allowed, true);
    assert.equal(p.check('http://localhost:3000', '127.0.0.1:8080').allowed, true);
    assert.equal(p.check('http://127.0.0.1:8080', '127.0.0.1:8080').allowed, true);
    assert.equal(p.check('https://app.example.com.evil.example', '127.0.0.1:8080').allowed, false);
    assert.equal(new OriginPolicy({ allowedOrigins: ['*'] }).check('https://x.example', 'h').allowed, true);
  });

  test('a long or non-ASCII Origin is not repeated in the reason, which must fit a close frame (123 bytes)', () => {
    for (const origin of [
      `https://${'a'.repeat(300)}.example`,
      `https://${'é'.repeat(60)}`,
      'https://\u00ff'.repeat(20),
    ]) {
      const d = new OriginPolicy().check(origin, 'h');
      assert.equal(d.allowed, false);
      assert.ok(!d.allowed && Buffer.byteLength(d.reason) <= 123, d.allowed ? '' : d.reason);
      assert.equal(d.allowed ? '' : d.reason, 'origin not allowed (PARLEY_WS_ALLOWED_ORIGINS)');
    }
  });

  test('normalizeOrigin gives the serialization browsers send', () => {
    assert.equal(normalizeOrigin('HTTPS://App.Example.com:443/'), 'https://app.example.com');
    assert.equal(normalizeOrigin('null'), undefined);
  });
});
