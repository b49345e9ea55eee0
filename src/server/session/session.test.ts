// Session lifecycle against the SIP and media TEST DOUBLES (src/server/testing): connect, registration, end.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { login, outgoingCall, setup } from '../testing/session-fixture.js';

describe('Session: connect and registration', () => {
  test('a login with a space fails at once naming sipLogin, and nothing is sent to SIP', async () => {
    const t = setup();
    await t.send({ type: 'connect', id: 'r1', sipOptions: { ...login, login: 'Ralf C12441' } });
    const err = await t.error('r1');
    assert.equal(err.code, 'WS_INVALID_FIELD');
    assert.equal(err.field, 'sipLogin');
    assert.match(err.message, /^sipLogin: must not contain spaces/);
    assert.equal((await t.sessionStatus('FAILED')).status, 'FAILED');
    assert.equal(t.sip.accounts.items.length, 0);
  });

  test('an authentication name in angle brackets names sipAuthenticationName; a bad domain names sipDomain', async () => {
    const t = setup();
    await t.send({ type: 'connect', id: 'a', sipOptions: { ...login, authenticationName: '<ralf>' } });
    assert.equal((await t.error('a')).field, 'sipAuthenticationName');
    await t.send({ type: 'connect', id: 'b', sipOptions: { ...login, domain: 'exa mple.com' } });
    assert.equal((await t.error('b')).field, 'sipDomain');
  });

  test('connect gives ESTABLISHED then REGISTERED, and the account has the given options', async () => {
    const t = setup();
    await t.send({
      type: 'connect',
      id: 'c',
      sipOptions: { ...login, transport: 'tcp', outboundProxy: 'proxy.example.com:5080' },
    });
    const statuses = t.out.items
      .filter((m) => m.type === 'session.status')
      .map((m) => (m as { status: string }).status);
    assert.deepEqual(statuses, ['ESTABLISHED', 'REGISTERED']);
    const account = t.sip.accounts.items[0]!;
    assert.deepEqual(account.log.items, ['REGISTER']);
    assert.equal(account.options.authenticationName, '1001');
    assert.equal(account.options.transport, 'tcp');
    assert.equal(account.options.outboundProxy, 'proxy.example.com:5080');
    assert.deepEqual(t.out.items.at(-1), { type: 'ack', inReplyTo: 'c' });
  });

  test('a refused registration gives FAILED with the SIP status and reason', async () => {
    const t = setup();
    t.sip.registerOutcome = { ok: false, status: 403, reason: 'Forbidden' };
    await t.send({ type: 'connect', sipOptions: login });
    const failed = await t.sessionStatus('FAILED');
    assert.equal(failed.sipStatus, 403);
    assert.equal(failed.sipReason, 'Forbidden');
    assert.deepEqual(t.sip.accounts.items[0]!.log.items, ['REGISTER', 'CLOSE']);
  });

  test('a registrar that never answers gives FAILED 408 Request Timeout', async () => {
    const t = setup();
    t.sip.registerOutcome = { ok: false, status: 408, reason: '' };
    await t.send({ type: 'connect', sipOptions: login });
    const failed = await t.sessionStatus('FAILED');
    assert.deepEqual([failed.sipStatus, failed.sipReason], [408, 'Request Timeout']);
  });

  test('registerRequired false: ESTABLISHED, no REGISTER, calls allowed', async () => {
    const t = setup();
    await t.send({ type: 'connect', sipOptions: { ...login, registerRequired: false } });
    await t.sessionStatus('ESTABLISHED');
    assert.deepEqual(t.sip.accounts.items[0]!.log.items, []);
    await t.send({ type: 'call.start', callId: 'c1', callee: '1002', sdp: 'o' });
    await t.sip.accounts.items[0]!.invites.waitFor(() => true, 'INVITE');
  });

  test('connect twice is out of order; a call before connect is out of order', async () => {
    const t = setup();
    await t.send({ type: 'call.start', id: 'early', callId: 'c1', callee: '1002', sdp: 'o' });
    assert.equal((await t.error('early')).code, 'WS_OUT_OF_ORDER');
    await t.connected();
    await t.send({ type: 'connect', id: 'again', sipOptions: login });
    assert.equal((await t.error('again')).code, 'WS_OUT_OF_ORDER');
  });

  test('a lost registration gives UNREGISTERED', async () => {
    const t = setup();
    const account = await t.connected();
    account.handlers.onRegistrationLost({ ok: false, status: 503, reason: 'Service Unavailable' });
    assert.equal((await t.sessionStatus('UNREGISTERED')).sipStatus, 503);
  });

  test('ping gets pong with the same id', async () => {
    const t = setup();
    await t.send({ type: 'ping', id: 'p' });
    assert.deepEqual(t.out.items, [{ type: 'pong', id: 'p' }]);
  });
});

describe('Session: end', () => {
  test('a vanished browser: every call is hung up and the account closed (unregistered)', async () => {
    const t = setup();
    const { account, invite } = await outgoingCall(t);
    invite.accept();
    await t.status('ESTABLISHED');
    const inc = account.incoming({ offer: 'o' });
    await t.status('RING');
    await t.session.close('socket closed');
    assert.ok(invite.actions.items.some((a) => a.kind === 'hangup'));
    assert.ok(inc.actions.items.some((a) => a.kind === 'reject'));
    assert.deepEqual(account.log.items, ['REGISTER', 'CLOSE']);
    assert.equal(t.session.status, 'DISCONNECTED');
    await t.session.close('again'); // idempotent
    assert.deepEqual(account.log.items, ['REGISTER', 'CLOSE']);
  });

  test('disconnect: DISCONNECTED and the socket closed with 1000', async () => {
    const t = setup();
    await t.connected();
    await t.send({ type: 'disconnect' });
    await t.sessionStatus('DISCONNECTED');
    assert.deepEqual(t.closed, [1000]);
  });
});
