import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CLIENT_MESSAGES, type ClientMessageType } from './client-messages.js';
import { parseClientMessage, parseServerMessage } from './parse-message.js';
import { SERVER_MESSAGES, type ServerMessageType } from './server-messages.js';

const sdp = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n';
const cand = { candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host', sdpMid: '0', sdpMLineIndex: 0 };

/** For every client message type: one valid example and invalid ones with the field the error must name. */
const CLIENT_CASES: Record<ClientMessageType, { valid: object; invalid: [object, string][] }> = {
  connect: {
    valid: {
      type: 'connect',
      id: 'r1',
      sipOptions: {
        login: '1001',
        password: 'pw',
        domain: 'example.com',
        port: 5060,
        transport: 'tcp',
        registerRequired: true,
      },
      custom: { tenant: 'a' },
    },
    invalid: [
      [{ type: 'connect', sipOptions: { login: '1001' } }, 'sipOptions.domain'],
      [{ type: 'connect', sipOptions: { login: '1001', domain: 'x', port: 70000 } }, 'sipOptions.port'],
      [{ type: 'connect', sipOptions: { login: '1001', domain: 'x', transport: 'sctp' } }, 'sipOptions.transport'],
      [{ type: 'connect', sipOptions: { login: '1001', domain: 'x', pasword: 'typo' } }, 'sipOptions.pasword'],
      [{ type: 'connect', sipOptions: { login: 1001, domain: 'x' } }, 'sipOptions.login'],
    ],
  },
  disconnect: { valid: { type: 'disconnect' }, invalid: [[{ type: 'disconnect', callId: 'c' }, 'callId']] },
  'call.start': {
    valid: { type: 'call.start', callId: 'c-1', callee: '1002', hasVideo: true, sdp, sipHeaders: { 'X-Tenant': 'a' } },
    invalid: [
      [{ type: 'call.start', callId: 'c-1', callee: '1002' }, 'sdp'],
      [{ type: 'call.start', callId: 'c 1', callee: '1002', sdp }, 'callId'],
      [{ type: 'call.start', callId: 'c-1', callee: '1002', sdp, sipHeaders: { Via: 'x' } }, 'sipHeaders.Via'],
      [{ type: 'call.start', callId: 'c-1', callee: '1002', sdp, hasVideo: 'yes' }, 'hasVideo'],
    ],
  },
  'call.answer': {
    valid: { type: 'call.answer', callId: 'c-1', sdp },
    invalid: [[{ type: 'call.answer', callId: 'c-1', sdp: '' }, 'sdp']],
  },
  'call.sdp': {
    valid: { type: 'call.sdp', id: 'a1', callId: 'c-1', sdpType: 'answer', sdp },
    invalid: [
      [{ type: 'call.sdp', callId: 'c-1', sdpType: 'offer', sdp }, 'sdpType'],
      [{ type: 'call.sdp', callId: 'c-1', sdpType: 'answer', sdp: '' }, 'sdp'],
      [{ type: 'call.sdp', sdpType: 'answer', sdp }, 'callId'],
      [{ type: 'call.sdp', callId: 'c-1', sdpType: 'rejected', reason: 'x'.repeat(257) }, 'reason'],
      [{ type: 'call.sdp', callId: 'c-1', sdpType: 'answer', sdp, sdpMid: '0' }, 'sdpMid'],
    ],
  },
  'call.ice': {
    valid: { type: 'call.ice', callId: 'c-1', candidate: cand },
    invalid: [
      [{ type: 'call.ice', callId: 'c-1' }, 'candidate'],
      [{ type: 'call.ice', callId: 'c-1', candidate: { ...cand, sdpMLineIndex: -1 } }, 'candidate'],
    ],
  },
  'call.hangup': {
    valid: { type: 'call.hangup', callId: 'c-1', sipStatus: 486 },
    invalid: [
      [{ type: 'call.hangup' }, 'callId'],
      [{ type: 'call.hangup', callId: 'c-1', sipStatus: 200 }, 'sipStatus'],
    ],
  },
  'call.hold': { valid: { type: 'call.hold', callId: 'c-1' }, invalid: [[{ type: 'call.hold', callId: 7 }, 'callId']] },
  'call.unhold': { valid: { type: 'call.unhold', callId: 'c-1' }, invalid: [[{ type: 'call.unhold' }, 'callId']] },
  'call.transfer': {
    valid: { type: 'call.transfer', callId: 'c-1', target: '1003' },
    invalid: [[{ type: 'call.transfer', callId: 'c-1', target: 3 }, 'target']],
  },
  'call.dtmf': {
    valid: { type: 'call.dtmf', callId: 'c-1', digits: '123#*A', dtmfType: 'INFO' },
    invalid: [
      [{ type: 'call.dtmf', callId: 'c-1', digits: '12x' }, 'digits'],
      [{ type: 'call.dtmf', callId: 'c-1', digits: '1', dtmfType: 'SIP' }, 'dtmfType'],
      [{ type: 'call.dtmf', callId: 'c-1', digits: '1', durationMs: 5 }, 'durationMs'],
    ],
  },
  'call.mute': {
    valid: { type: 'call.mute', callId: 'c-1', kind: 'video', muted: true },
    invalid: [[{ type: 'call.mute', callId: 'c-1', kind: 'screen', muted: true }, 'kind']],
  },
  ping: { valid: { type: 'ping', id: 'p1' }, invalid: [[{ type: 'ping', id: 5 }, 'id']] },
  pong: { valid: { type: 'pong' }, invalid: [[{ type: 'pong', extra: true }, 'extra']] },
};

describe('client messages', () => {
  test('every message type has test cases', () => {
    assert.deepEqual(Object.keys(CLIENT_CASES).sort(), Object.keys(CLIENT_MESSAGES).sort());
  });
  for (const [type, { valid, invalid }] of Object.entries(CLIENT_CASES)) {
    test(`${type}: a valid message parses to itself`, () => {
      const r = parseClientMessage(JSON.stringify(valid));
      assert.ok(r.ok, JSON.stringify(r));
      assert.deepEqual(r.message, valid);
    });
    for (const [bad, field] of invalid) {
      test(`${type}: ${JSON.stringify(bad).slice(0, 70)} is refused naming ${field}`, () => {
        const r = parseClientMessage(JSON.stringify({ ...bad, id: (bad as { id?: unknown }).id ?? 'q9' }));
        assert.equal(r.ok, false);
        if (r.ok) return;
        assert.equal(r.error.code, 'WS_INVALID_FIELD');
        assert.equal(r.error.field, field);
        assert.match(r.error.message, new RegExp(`^${field.replaceAll('.', '\\.')}: `));
        if (field !== 'id') assert.equal(r.inReplyTo, 'q9');
      });
    }
  }
  test('a frame that is not JSON is WS_BAD_MESSAGE', () => {
    const r = parseClientMessage('{"type": "connect"');
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.error.code, 'WS_BAD_MESSAGE');
  });
  test('JSON that is not an object, or has no string type, is WS_BAD_MESSAGE', () => {
    for (const data of ['[1,2]', '"connect"', 'null', '{"type":5}', '{}']) {
      const r = parseClientMessage(data);
      assert.equal(r.ok, false, data);
      if (!r.ok) assert.equal(r.error.code, 'WS_BAD_MESSAGE', data);
    }
  });
  test('an unknown type is WS_UNKNOWN_TYPE naming the type field, and keeps the id for the reply', () => {
    const r = parseClientMessage('{"type":"call.explode","id":"x1"}');
    assert.deepEqual(r, {
      ok: false,
      error: { code: 'WS_UNKNOWN_TYPE', message: 'type: unknown message type "call.explode"', field: 'type' },
      inReplyTo: 'x1',
    });
  });
  test('inherited names such as toString are not message types', () => {
    const r = parseClientMessage('{"type":"toString"}');
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.error.code, 'WS_UNKNOWN_TYPE');
  });
});

const SERVER_CASES: Record<ServerMessageType, { valid: object; invalid: object }> = {
  'session.status': {
    valid: { type: 'session.status', sessionId: 's', status: 'FAILED', sipStatus: 403, sipReason: 'Forbidden' },
    invalid: { type: 'session.status', sessionId: 's', status: 'ONLINE' },
  },
  'call.incoming': {
    valid: {
      type: 'call.incoming',
      callId: 'c',
      caller: '1002',
      callee: '1001',
      visibleName: 'Bob',
      hasAudio: true,
      hasVideo: false,
      sdp,
    },
    invalid: { type: 'call.incoming', callId: 'c', caller: '1002' },
  },
  'call.status': {
    valid: { type: 'call.status', callId: 'c', status: 'RING_MEDIA', sipStatus: 183, sipReason: 'Session Progress' },
    invalid: { type: 'call.status', callId: 'c', status: 'RING', sipStatus: 99 },
  },
  'call.sdp': {
    valid: { type: 'call.sdp', callId: 'c', sdpType: 'answer', sdp },
    invalid: { type: 'call.sdp', callId: 'c', sdpType: 'pranswer', sdp },
  },
  'call.ice': {
    valid: { type: 'call.ice', callId: 'c', candidate: null },
    invalid: { type: 'call.ice', callId: 'c', candidate: 'x' },
  },
  'call.transfer': {
    valid: { type: 'call.transfer', callId: 'c', status: 'SUCCEEDED', sipStatus: 200, sipReason: 'OK' },
    invalid: { type: 'call.transfer', callId: 'c', status: 'DONE' },
  },
  'call.dtmf': {
    valid: { type: 'call.dtmf', callId: 'c', digit: '5', dtmfType: 'RFC2833' },
    invalid: { type: 'call.dtmf', callId: 'c', digit: '55', dtmfType: 'RFC2833' },
  },
  ack: { valid: { type: 'ack', inReplyTo: 'r1' }, invalid: { type: 'ack' } },
  error: {
    valid: {
      type: 'error',
      code: 'WS_UNKNOWN_CALL',
      message: 'callId: no such call',
      field: 'callId',
      inReplyTo: 'r2',
    },
    invalid: { type: 'error', code: 'WS_X' },
  },
  ping: { valid: { type: 'ping', id: 'k' }, invalid: { type: 'ping', id: 3 } },
  pong: { valid: { type: 'pong' }, invalid: { type: 'pong', id: '' } },
};

describe('server messages', () => {
  test('every message type has test cases', () => {
    assert.deepEqual(Object.keys(SERVER_CASES).sort(), Object.keys(SERVER_MESSAGES).sort());
  });
  for (const [type, { valid, invalid }] of Object.entries(SERVER_CASES)) {
    test(`${type}: valid parses, invalid is refused`, () => {
      const good = parseServerMessage(JSON.stringify(valid));
      assert.ok(good.ok, JSON.stringify(good));
      assert.equal(parseServerMessage(JSON.stringify(invalid)).ok, false);
    });
  }
  test('extra fields from a newer server are tolerated', () => {
    assert.ok(parseServerMessage(JSON.stringify({ type: 'ack', inReplyTo: 'a', future: 1 })).ok);
  });
});
