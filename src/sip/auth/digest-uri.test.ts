import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sameRequestUri } from './digest-uri.js';

describe('sameRequestUri (RFC 3261 §19.1.4 for the digest uri)', () => {
  test('the same resource written differently matches', () => {
    for (const [a, b] of [
      ['sip:1002@127.0.0.1:5060', 'sip:1002@127.0.0.1:5060'],
      ['sip:1002@Example.COM', 'sip:1002@example.com'],
      ['sip:1002@example.com;transport=TCP', 'sip:1002@example.com;transport=tcp'],
      ['sip:1002@example.com;lr', 'sip:1002@example.com'],
      ['sip:127.0.0.1:5060;transport=udp', 'sip:127.0.0.1:5060'],
      ['sip:+4930123@example.com;user=phone', 'sip:+4930123@example.com'],
      ['tel:+12025550100', 'tel:+12025550100'],
    ]) {
      assert.ok(sameRequestUri(a!, b!), `${a} = ${b}`);
    }
  });

  test('another user, host, port, scheme, parameter value or header does not', () => {
    for (const [a, b] of [
      ['sip:1002@127.0.0.1', 'sip:1003@127.0.0.1'],
      ['sip:1002@127.0.0.1', 'sip:1002@192.0.2.1'],
      ['sip:1002@127.0.0.1', 'sip:1002@127.0.0.1:5060'],
      ['sip:1002@127.0.0.1', 'sips:1002@127.0.0.1'],
      ['sip:1002@127.0.0.1;transport=udp', 'sip:1002@127.0.0.1;transport=tcp'],
      ['sip:1002@127.0.0.1;maddr=239.1.1.1', 'sip:1002@127.0.0.1;maddr=192.0.2.1'],
      ['sip:1001@127.0.0.1:5060', 'sip:127.0.0.1:5060'],
      ['sip:1002@127.0.0.1?Subject=a', 'sip:1002@127.0.0.1'],
      ['not a uri', 'sip:1002@127.0.0.1'],
      ['*', 'sip:1002@127.0.0.1'],
    ]) {
      assert.ok(!sameRequestUri(a!, b!), `${a} != ${b}`);
    }
  });
});
