import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatUri, parseUri } from './uri.js';

describe('parseUri (RFC 3261 §19.1)', () => {
  test('reads the §19.1.3 examples', () => {
    const a = parseUri('sip:alice:secretword@atlanta.com;transport=tcp');
    assert.ok(a.ok);
    assert.equal(a.value.user, 'alice');
    assert.equal(a.value.password, 'secretword');
    assert.equal(a.value.host, 'atlanta.com');
    assert.equal(a.value.params.get('transport'), 'tcp');

    const b = parseUri('sips:alice@atlanta.com?subject=project%20x&priority=urgent');
    assert.ok(b.ok && b.value.scheme === 'sips');
    assert.equal(b.value.headers.get('subject'), 'project x');
    assert.equal(b.value.headers.get('priority'), 'urgent');

    const c = parseUri('sip:+1-212-555-1212:1234@gateway.com;user=phone');
    assert.ok(c.ok && c.value.user === '+1-212-555-1212' && c.value.password === '1234');
    assert.equal(c.value.params.get('user'), 'phone');

    const d = parseUri('sip:atlanta.com;method=REGISTER?to=alice%40atlanta.com');
    assert.ok(d.ok && d.value.user === undefined && d.value.headers.get('to') === 'alice@atlanta.com');

    const e = parseUri('sip:alice;day=tuesday@atlanta.com');
    assert.ok(e.ok && e.value.user === 'alice;day=tuesday' && e.value.params.size === 0);
  });

  test('reads IPv6 references and ports, and keeps a lr flag as null', () => {
    const r = parseUri('sip:[2001:db8::10]:5070;lr');
    assert.ok(r.ok);
    assert.equal(r.value.host, '[2001:db8::10]');
    assert.equal(r.value.port, 5070);
    assert.equal(r.value.params.get('lr'), null);
  });

  test('reads a Replaces header (RFC 3891) and writes it escaped again', () => {
    const text = 'sip:bob@biloxi.example.com?Replaces=12345%40192.168.118.3%3Bto-tag%3D12345%3Bfrom-tag%3D5FFE-3994';
    const r = parseUri(text);
    assert.ok(r.ok);
    assert.equal(r.value.headers.get('Replaces'), '12345@192.168.118.3;to-tag=12345;from-tag=5FFE-3994');
    assert.equal(formatUri(r.value), text);
  });

  test('reads a tel URI (RFC 3966)', () => {
    const r = parseUri('tel:+1-201-555-0123;phone-context=example.com');
    assert.ok(r.ok && r.value.scheme === 'tel' && r.value.user === '+1-201-555-0123');
    assert.equal(r.value.params.get('phone-context'), 'example.com');
  });

  test('escapes a user with spaces and non-ASCII letters when written', () => {
    assert.equal(
      formatUri({ scheme: 'sip', user: 'José Ñ', host: 'h', params: new Map(), headers: new Map() }),
      'sip:Jos%C3%A9%20%C3%91@h',
    );
  });

  test('unescapes UTF-8 (U+FFFD included) and keeps invalid UTF-8 octets as Latin-1', () => {
    const r = parseUri('sip:a%EF%BF%BDb@h?X=%FF');
    assert.ok(r.ok && r.value.user === 'a\ufffdb' && r.value.headers.get('X') === '\u00ff');
  });

  for (const [text, why] of [
    ['sip:user@', 'no host'],
    ['sip:user@host:99999', 'port out of range'],
    ['sip:user@host:5o60', 'port not digits'],
    ['sip:2001:db8::10', 'IPv6 without brackets (RFC 5118 §4.2)'],
    ['sip:user@[2001:db8:::1]', 'three colons (RFC 5954)'],
    ['sip:us er@host', 'unescaped space'],
    ['sip:user@host;;lr', 'empty parameter'],
    ['sip:user%4@host', 'truncated escape'],
    ['sip:user@host?x', 'header without "="'],
    ['user@host', 'no scheme'],
  ]) {
    test(`refuses ${text} (${why}) with SIP_PARSE_BAD_URI`, () => {
      const r = parseUri(text!);
      assert.ok(!r.ok);
      assert.equal(r.error.code, 'SIP_PARSE_BAD_URI');
    });
  }

  test('answers an unknown scheme with 416 (RFC 3261 §8.2.2.1)', () => {
    const r = parseUri('mailto:alice@example.com');
    assert.ok(!r.ok && r.error.code === 'SIP_PARSE_UNSUPPORTED_URI_SCHEME' && r.error.status === 416);
  });
});
