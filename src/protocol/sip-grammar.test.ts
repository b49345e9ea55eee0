import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { calleeProblem, isSipHostPort, sipUserProblem } from './sip-grammar.js';

describe('sipUserProblem (RFC 3261 §25.1 user)', () => {
  test('accepts the reference document allowed examples and escaped characters', () => {
    for (const u of ['Ralf_C12441', 'Ralf_C', '1001', 'alice.smith', '+15550100', 'a%20b', "o'brien", 'x-y;z=1']) {
      assert.equal(sipUserProblem(u), undefined, u);
    }
  });
  test('refuses a space, angle brackets, @domain and empty, saying why', () => {
    assert.match(sipUserProblem('Ralf C12441') ?? '', /spaces/);
    assert.match(sipUserProblem('<ralf>') ?? '', /angle brackets/);
    assert.match(sipUserProblem('Ralf_C12441@host.com') ?? '', /sipDomain/);
    assert.match(sipUserProblem('') ?? '', /empty/);
    assert.match(sipUserProblem('a"b') ?? '', /not allowed/);
    assert.match(sipUserProblem('a%2') ?? '', /not allowed/);
  });
});

describe('calleeProblem', () => {
  test('accepts numbers, users, user@host and SIP URIs', () => {
    for (const c of [
      '1002',
      '+1 (555) 010-0100',
      '*97',
      'bob',
      'bob@example.com',
      'sip:bob@10.0.0.1:5080;transport=tcp',
      'sips:bob@[::1]',
    ]) {
      assert.equal(calleeProblem(c), undefined, c);
    }
  });
  test('refuses empty, spaces in a user, a URI without host, a bad host', () => {
    for (const c of ['', '   ', 'bob smith', 'sip:bob', 'bob@exa mple.com', 'bob@-bad-.com', 'sip:bob@host:99999']) {
      assert.notEqual(calleeProblem(c), undefined, c);
    }
  });
});

test('isSipHostPort takes a host with an optional port', () => {
  assert.ok(isSipHostPort('sip.example.com'));
  assert.ok(isSipHostPort('127.0.0.1:5060'));
  assert.ok(!isSipHostPort('127.0.0.1:'));
  assert.ok(!isSipHostPort('a b'));
});
