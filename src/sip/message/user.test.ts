import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseUri } from './uri.js';
import { escapeUser, validateUser } from './user.js';

describe('user names (RFC 3261 §25.1 user)', () => {
  test('escapeUser leaves unreserved and user-unreserved characters, escapes the rest', () => {
    assert.equal(escapeUser("alice.smith-1_(x)!~*'&=+$,;?/"), "alice.smith-1_(x)!~*'&=+$,;?/");
    assert.equal(escapeUser('100#'), '100%23');
    assert.equal(escapeUser('50%'), '50%25');
    assert.equal(escapeUser('zoë'), 'zo%C3%AB');
  });

  test('an escaped user reads back as the same text', () => {
    for (const u of ['100#', '50%', 'zoë', 'a:b'.replace(':', '')]) {
      const r = parseUri(`sip:${escapeUser(u)}@example.com`);
      assert.ok(r.ok && r.value.user === u);
    }
  });

  test('accepts ordinary logins, numbers and non-ASCII names', () => {
    for (const u of ['1001', 'alice', 'alice.smith', '+33123456789', 'zoë', '*98#'])
      assert.ok(validateUser(u, 'sipLogin').ok, u);
  });

  const cases: Array<[string, string]> = [
    ['', 'empty'],
    ['alice smith', 'a space'],
    [' alice', 'a space'],
    ['alice\t', 'a control character'],
    ['<alice>', 'angle brackets'],
    ['"Alice"', 'a double quote'],
    ['alice@example.com', '@host'],
    ['sip:alice', '":"'],
    ['a'.repeat(257), 'longer than'],
  ];
  for (const [user, why] of cases) {
    test(`refuses ${JSON.stringify(user.slice(0, 20))} with SIP_INVALID_USER naming the field (${why})`, () => {
      const r = validateUser(user, 'sipLogin');
      assert.ok(!r.ok);
      assert.equal(r.error.code, 'SIP_INVALID_USER');
      assert.equal(r.error.field, 'sipLogin');
      assert.ok(r.error.message.startsWith('sipLogin: '));
      assert.ok(r.error.message.includes(why), r.error.message);
    });
  }
});
