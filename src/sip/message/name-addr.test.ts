import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { splitHeaderList } from './header-list.js';
import { formatNameAddr, parseNameAddr } from './name-addr.js';

describe('parseNameAddr (RFC 3261 §20.10, §20.20, §20.39)', () => {
  test('reads a quoted display name with quoted-pairs, the URI and header parameters', () => {
    const r = parseNameAddr(
      '"Mr. \\"Watson\\"" <sip:watson@worcester.bell-telephone.com;transport=tcp>;tag=a6c85cf;expires=3600',
    );
    assert.ok(r.ok);
    assert.equal(r.value.displayName, 'Mr. "Watson"');
    assert.equal(r.value.uri.params.get('transport'), 'tcp');
    assert.equal(r.value.params.get('tag'), 'a6c85cf');
    assert.equal(r.value.params.get('expires'), '3600');
  });

  test('reads a token display name and an addr-spec whose parameters belong to the header', () => {
    const a = parseNameAddr('Anonymous <sip:c8oqz84zk7z@privacy.org>;tag=hyh8');
    assert.ok(a.ok && a.value.displayName === 'Anonymous');
    const b = parseNameAddr('sip:+12125551212@server.phone2net.com;tag=887s');
    assert.ok(b.ok && b.value.displayName === undefined);
    assert.equal(b.value.params.get('tag'), '887s');
    assert.equal(b.value.uri.params.size, 0);
  });

  test('writes the display name quoted with escapes', () => {
    const r = parseNameAddr('"A \\\\ B \\"C\\"" <sip:a@b>');
    assert.ok(r.ok);
    assert.equal(r.value.displayName, 'A \\ B "C"');
    assert.equal(formatNameAddr(r.value), '"A \\\\ B \\"C\\"" <sip:a@b>');
  });

  for (const [text, code] of [
    ['"unclosed <sip:a@b>', 'SIP_PARSE_BAD_NAME_ADDR'],
    ['<sip:a@b', 'SIP_PARSE_BAD_NAME_ADDR'],
    ['Bell, Alexander <sip:a@b>', 'SIP_PARSE_BAD_NAME_ADDR'],
    ['sip:a@b?Route=x', 'SIP_PARSE_BAD_NAME_ADDR'],
    ['<sip:a@b>;;tag=1', 'SIP_PARSE_BAD_NAME_ADDR'],
    ['< sip:a@b >', 'SIP_PARSE_BAD_URI'],
  ]) {
    test(`refuses ${text} with ${code}`, () => {
      const r = parseNameAddr(text!);
      assert.ok(!r.ok);
      assert.equal(r.error.code, code);
    });
  }
});

describe('splitHeaderList (RFC 3261 §7.3.1)', () => {
  test('splits at top-level commas only', () => {
    assert.deepEqual(splitHeaderList('"Doe, John" <sip:j@d>;q=0.7, <sip:a,b@c>, sip:x@y'), [
      '"Doe, John" <sip:j@d>;q=0.7',
      '<sip:a,b@c>',
      'sip:x@y',
    ]);
    assert.deepEqual(splitHeaderList('INVITE, ACK,BYE'), ['INVITE', 'ACK', 'BYE']);
  });
});
