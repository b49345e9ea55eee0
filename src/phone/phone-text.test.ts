// The page's words without a browser: field checks shown next to the form, and the connection status text.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fieldProblem } from './account-form.js';
import { connectionText, transferText } from './call-text.js';

describe('account field checks', () => {
  test('a login with a space says so, naming the field', () => {
    assert.match(fieldProblem('sipLogin', 'Ralf C12441') ?? '', /^The SIP login must not contain spaces/);
  });
  test('valid values pass; optional fields may stay empty', () => {
    assert.equal(fieldProblem('sipLogin', '1001'), undefined);
    assert.equal(fieldProblem('sipDomain', '127.0.0.1:5060'), undefined);
    assert.equal(fieldProblem('sipAuthenticationName', ''), undefined);
    assert.equal(fieldProblem('sipOutboundProxy', ''), undefined);
    assert.equal(fieldProblem('sipPort', ''), undefined);
  });
  test('an empty login or domain, a bad port or proxy are refused', () => {
    assert.match(fieldProblem('sipLogin', '') ?? '', /must not be empty/);
    assert.match(fieldProblem('sipDomain', 'a b') ?? '', /^The domain must be a host name/);
    assert.match(fieldProblem('sipPort', '70000') ?? '', /1-65535/);
    assert.match(fieldProblem('sipOutboundProxy', 'proxy:99999') ?? '', /outbound proxy/);
  });
});

describe('connection text', () => {
  test('a refused registration names the SIP reason and what to check', () => {
    const text = connectionText('FAILED', '403 Forbidden', '1001@example.com');
    assert.equal(text, 'Registration refused: 403 Forbidden. Check the login, authentication name and password.');
  });
  test('other failures and the registered state', () => {
    assert.equal(connectionText('FAILED', '', 'a@b'), 'Failed: no reason given.');
    assert.equal(connectionText('REGISTERED', '200 OK', 'a@b'), 'Registered as a@b: ready to call and be called.');
  });
});

describe('transfer text', () => {
  test('progress and a failure with its SIP reason', () => {
    assert.equal(
      transferText('TRANSFER_SUCCEEDED', '1002', { status: 'FINISH' }),
      'Transfer of 1002: done: the target answered.',
    );
    assert.equal(
      transferText('TRANSFER_FAILED', '1002', { status: 'ESTABLISHED', sipStatus: 486, sipReason: 'Busy Here' }),
      'Transfer of 1002: failed (486 Busy Here)',
    );
  });
});
