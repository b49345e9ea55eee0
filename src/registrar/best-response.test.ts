import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createResponse } from '../sip/message/builders.js';
import { SipRequest } from '../sip/message/message.js';
import { bestResponse } from './best-response.js';

const invite = new SipRequest('INVITE', 'sip:1002@127.0.0.1');
invite.headers.append('Via', 'SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1');
invite.headers.append('From', '<sip:1001@127.0.0.1>;tag=a');
invite.headers.append('To', '<sip:1002@127.0.0.1>');
invite.headers.append('Call-ID', 'c');
invite.headers.append('CSeq', '1 INVITE');

const r = (status: number, headers: [string, string][] = []) =>
  createResponse(invite, status, undefined, { toTag: `t${status}`, headers });
const best = (...statuses: number[]) => bestResponse(statuses.map((s) => r(s))).status;

describe('bestResponse (RFC 3261 §16.7 step 6)', () => {
  test('any 6xx wins', () => {
    assert.equal(best(486, 603, 404), 603);
  });
  test('otherwise the lowest class', () => {
    assert.equal(best(500, 486, 302), 302);
    assert.equal(best(486, 500), 486);
  });
  test('within 4xx, 401/407/415/420/484 are preferred', () => {
    assert.equal(best(486, 407, 404), 407);
    assert.equal(best(480, 484), 484);
  });
  test('otherwise the first stored in its class', () => {
    assert.equal(best(486, 480), 486);
    assert.equal(best(408, 486), 408);
  });
  test('a chosen 503 becomes 500', () => {
    const out = bestResponse([r(503)]);
    assert.equal(out.status, 500);
    assert.equal(out.reason, 'Server Internal Error');
  });
  test('a chosen 401/407 carries every challenge of the 401s and 407s (§16.7 step 7)', () => {
    const out = bestResponse([
      r(401, [['WWW-Authenticate', 'Digest realm="a", nonce="1"']]),
      r(407, [['Proxy-Authenticate', 'Digest realm="b", nonce="2"']]),
      r(486),
    ]);
    assert.equal(out.status, 401);
    assert.deepEqual(out.headers.getAll('WWW-Authenticate'), ['Digest realm="a", nonce="1"']);
    assert.deepEqual(out.headers.getAll('Proxy-Authenticate'), ['Digest realm="b", nonce="2"']);
  });
  test('the inputs are not changed', () => {
    const input = r(503);
    bestResponse([input]);
    assert.equal(input.status, 503);
  });
});
