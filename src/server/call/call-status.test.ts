import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { reasonPhrase, statusForFailure, statusForProvisional } from './call-status.js';

describe('statusForProvisional', () => {
  test('100 gives TRYING', () => assert.equal(statusForProvisional(100, false, 'PENDING'), 'TRYING'));
  test('100 after ringing does not go back to TRYING', () =>
    assert.equal(statusForProvisional(100, false, 'RING'), 'RING'));
  test('180 without SDP gives RING', () => assert.equal(statusForProvisional(180, false, 'TRYING'), 'RING'));
  test('180 with SDP gives RING_MEDIA', () => assert.equal(statusForProvisional(180, true, 'TRYING'), 'RING_MEDIA'));
  test('183 with SDP gives RING_MEDIA', () => assert.equal(statusForProvisional(183, true, 'RING'), 'RING_MEDIA'));
  test('183 without SDP gives SESSION_PROGRESS', () =>
    assert.equal(statusForProvisional(183, false, 'TRYING'), 'SESSION_PROGRESS'));
  test('a 180 without SDP after early media keeps RING_MEDIA', () =>
    assert.equal(statusForProvisional(180, false, 'RING_MEDIA'), 'RING_MEDIA'));
});

describe('statusForFailure', () => {
  test('486 and 600 give BUSY', () => {
    assert.equal(statusForFailure(486, false), 'BUSY');
    assert.equal(statusForFailure(600, false), 'BUSY');
  });
  test('487 after our CANCEL gives FINISH, otherwise FAILED', () => {
    assert.equal(statusForFailure(487, true), 'FINISH');
    assert.equal(statusForFailure(487, false), 'FAILED');
  });
  test('other failures give FAILED', () => {
    for (const s of [403, 404, 408, 480, 488, 503, 603]) assert.equal(statusForFailure(s, false), 'FAILED', String(s));
  });
});

test('reasonPhrase keeps a given phrase and fills RFC 3261 §21 ones, 408 Request Timeout included', () => {
  assert.equal(reasonPhrase(408), 'Request Timeout');
  assert.equal(reasonPhrase(408, ''), 'Request Timeout');
  assert.equal(reasonPhrase(486, 'Busy right now'), 'Busy right now');
  assert.equal(reasonPhrase(499), '');
});
