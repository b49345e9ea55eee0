import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiKey } from './api-key.js';

test('ApiKey accepts only "Bearer <key>" with the exact key', () => {
  const key = new ApiKey('s3cret-key-123');
  assert.equal(key.accepts('Bearer s3cret-key-123'), true);
  assert.equal(key.accepts('bearer s3cret-key-123'), true, 'the scheme is case-insensitive (RFC 7235 §2.1)');
  assert.equal(key.accepts('Bearer s3cret-key-124'), false);
  assert.equal(key.accepts('Bearer s3cret-key-123x'), false);
  assert.equal(key.accepts('Basic s3cret-key-123'), false);
  assert.equal(key.accepts('s3cret-key-123'), false);
  assert.equal(key.accepts(''), false);
  assert.equal(key.accepts(undefined), false);
});
