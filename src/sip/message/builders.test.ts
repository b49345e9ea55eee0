import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createRequest, createResponse } from './builders.js';
import { parseMessage } from './parser.js';
import { serializeMessage } from './serializer.js';

const request = createRequest({
  method: 'INVITE',
  uri: 'sip:bob@biloxi.com',
  headers: [
    ['Via', 'SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds'],
    ['v', 'SIP/2.0/UDP proxy.atlanta.com;branch=z9hG4bK1'],
    ['Max-Forwards', '70'],
    ['To', 'Bob <sip:bob@biloxi.com>'],
    ['From', 'Alice <sip:alice@atlanta.com>;tag=1928301774'],
    ['Call-ID', 'a84b4c76e66710@pc33.atlanta.com'],
    ['CSeq', '314159 INVITE'],
    ['Timestamp', '54'],
  ],
});

describe('createResponse (RFC 3261 §8.2.6)', () => {
  test('copies every Via in order, From, To, Call-ID and CSeq, and adds a To tag', () => {
    const r = createResponse(request, 180, undefined, { toTag: 'a6c85cf' });
    assert.equal(r.reason, 'Ringing');
    assert.deepEqual(r.headers.getAll('Via'), [
      'SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds',
      'SIP/2.0/UDP proxy.atlanta.com;branch=z9hG4bK1',
    ]);
    assert.equal(r.headers.get('To'), 'Bob <sip:bob@biloxi.com>;tag=a6c85cf');
    assert.equal(r.headers.get('From'), 'Alice <sip:alice@atlanta.com>;tag=1928301774');
    assert.equal(r.headers.get('CSeq'), '314159 INVITE');
    assert.ok(!r.headers.has('Timestamp'));
    assert.ok(!r.headers.has('Max-Forwards'));
    const again = parseMessage(serializeMessage(r));
    assert.ok(again.ok && again.value.kind === 'response' && again.value.status === 180);
  });

  test('a 100 Trying carries no To tag and copies Timestamp (§8.2.6.1)', () => {
    const r = createResponse(request, 100, undefined, { toTag: 'x' });
    assert.equal(r.headers.get('To'), 'Bob <sip:bob@biloxi.com>');
    assert.equal(r.headers.get('Timestamp'), '54');
  });

  test('keeps an existing To tag', () => {
    const inDialog = createRequest({ method: 'BYE', uri: 'sip:a@b', headers: [['To', '<sip:b@h>;tag=old']] });
    assert.equal(createResponse(inDialog, 200, 'OK', { toTag: 'new' }).headers.get('To'), '<sip:b@h>;tag=old');
  });
});
