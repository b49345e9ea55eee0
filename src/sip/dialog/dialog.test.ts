import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Headers } from '../message/headers.js';
import { SipRequest, SipResponse } from '../message/message.js';
import { parseAddr, splitAddrList, tagOf } from './addr.js';
import { Dialog, dialogIdOfIncomingRequest, dialogKey } from './dialog.js';

function invite(extra: [string, string][] = []): SipRequest {
  const h = new Headers();
  h.append('Via', 'SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKa');
  h.append('From', '"Alice" <sip:alice@a.example>;tag=alice1');
  h.append('To', '<sip:bob@b.example>');
  h.append('Call-ID', 'call-1');
  h.append('CSeq', '314 INVITE');
  h.append('Contact', '<sip:alice@10.0.0.1:5060>');
  for (const [k, v] of extra) h.append(k, v);
  return new SipRequest('INVITE', 'sip:bob@b.example', h);
}

function response(status: number, toTag: string, extra: [string, string][] = []): SipResponse {
  const h = new Headers();
  h.append('From', '"Alice" <sip:alice@a.example>;tag=alice1');
  h.append('To', `<sip:bob@b.example>;tag=${toTag}`);
  h.append('Call-ID', 'call-1');
  h.append('CSeq', '314 INVITE');
  for (const [k, v] of extra) h.append(k, v);
  return new SipResponse(status, status === 200 ? 'OK' : 'Ringing', h);
}

describe('Dialog as UAC (RFC 3261 §12.1.2)', () => {
  test('a 180 with To-tag creates an early dialog; 200 confirms it', () => {
    const rr: [string, string][] = [
      ['Record-Route', '<sip:p2.example;lr>'],
      ['Record-Route', '<sip:p1.example;lr>'],
      ['Contact', '<sip:bob@192.0.2.4>'],
    ];
    const d = Dialog.fromUacResponse(invite(), response(180, 'bob1', rr), '<sip:alice@10.0.0.1:5060>');
    assert.equal(d.state, 'Early');
    assert.deepEqual(d.id, { callId: 'call-1', localTag: 'alice1', remoteTag: 'bob1' });
    assert.deepEqual(d.routeSet, ['<sip:p1.example;lr>', '<sip:p2.example;lr>']);
    assert.equal(d.remoteTarget, 'sip:bob@192.0.2.4');
    assert.equal(d.localSeq, 314);
    d.confirm(response(200, 'bob1', [...rr.slice(0, 2), ['Contact', '<sip:bob@192.0.2.5>']]));
    assert.equal(d.state, 'Confirmed');
    assert.equal(d.remoteTarget, 'sip:bob@192.0.2.5');
  });

  test('a 2xx without Contact keeps the Request-URI as remote target (lenient)', () => {
    const d = Dialog.fromUacResponse(invite(), response(200, 'x'), '<sip:a@h>');
    assert.equal(d.remoteTarget, 'sip:bob@b.example');
  });

  test('requests in the dialog: R-URI is the remote target, Route the route set, CSeq increments', () => {
    const d = Dialog.fromUacResponse(
      invite(),
      response(200, 'bob1', [
        ['Record-Route', '<sip:p2.example;lr>, <sip:p1.example;lr>'],
        ['Contact', '<sip:bob@192.0.2.4>'],
      ]),
      '<sip:alice@10.0.0.1:5060>',
    );
    const bye = d.createRequest('BYE');
    assert.equal(bye.uri, 'sip:bob@192.0.2.4');
    assert.deepEqual(bye.headers.getAll('Route'), ['<sip:p1.example;lr>', '<sip:p2.example;lr>']);
    assert.equal(bye.headers.get('CSeq'), '315 BYE');
    assert.equal(bye.headers.get('From'), '"Alice" <sip:alice@a.example>;tag=alice1');
    assert.equal(bye.headers.get('To'), '<sip:bob@b.example>;tag=bob1');
    assert.equal(bye.headers.get('Contact'), undefined);
    const reinvite = d.createRequest('INVITE', { body: Buffer.from('v=0\r\n') });
    assert.equal(reinvite.headers.get('CSeq'), '316 INVITE');
    assert.equal(reinvite.headers.get('Contact'), '<sip:alice@10.0.0.1:5060>');
    assert.equal(reinvite.headers.get('Content-Type'), 'application/sdp');
    const ack = d.createRequest('ACK', { cseq: 316 });
    assert.equal(ack.headers.get('CSeq'), '316 ACK');
  });

  test('strict router: its URI becomes the R-URI and the remote target the last Route', () => {
    const d = Dialog.fromUacResponse(
      invite(),
      response(200, 'bob1', [
        ['Record-Route', '<sip:p2.example;lr>'],
        ['Record-Route', '<sip:p1.example;transport=udp>'],
        ['Contact', '<sip:bob@192.0.2.4>'],
      ]),
      '<sip:a@h>',
    );
    const req = d.createRequest('BYE');
    assert.equal(req.uri, 'sip:p1.example;transport=udp');
    assert.deepEqual(req.headers.getAll('Route'), ['<sip:p2.example;lr>', '<sip:bob@192.0.2.4>']);
  });

  test('forking: two To-tags make two dialogs with different keys', () => {
    const c = ['Contact', '<sip:x@192.0.2.9>'] as [string, string];
    const d1 = Dialog.fromUacResponse(invite(), response(180, 'one', [c]), '<sip:a@h>');
    const d2 = Dialog.fromUacResponse(invite(), response(180, 'two', [c]), '<sip:a@h>');
    assert.notEqual(d1.key, d2.key);
  });
});

describe('Dialog as UAS (RFC 3261 §12.1.1)', () => {
  test('takes the route set in order and the From tag as remote tag', () => {
    const req = invite([['Record-Route', '<sip:p1.example;lr>, <sip:p2.example;lr>']]);
    const d = Dialog.fromUasRequest(req, 'bobtag', '<sip:bob@192.0.2.4>', 'Early');
    assert.deepEqual(d.id, { callId: 'call-1', localTag: 'bobtag', remoteTag: 'alice1' });
    assert.deepEqual(d.routeSet, ['<sip:p1.example;lr>', '<sip:p2.example;lr>']);
    assert.equal(d.remoteTarget, 'sip:alice@10.0.0.1:5060');
    assert.equal(d.remoteSeq, 314);
    assert.equal(tagOf(d.localUri), 'bobtag');
    const bye = d.createRequest('BYE');
    assert.equal(bye.headers.get('From'), '<sip:bob@b.example>;tag=bobtag');
    assert.equal(bye.headers.get('To'), '"Alice" <sip:alice@a.example>;tag=alice1');
    assert.equal(bye.uri, 'sip:alice@10.0.0.1:5060');
  });

  test('§12.2.2: an out-of-order CSeq is refused with 500; ACK reuses the INVITE number', () => {
    const d = Dialog.fromUasRequest(invite(), 'b', '<sip:b@h>', 'Confirmed');
    const inDialog = (method: string, seq: number) => {
      const r = invite();
      r.method = method;
      r.headers.set('To', '<sip:bob@b.example>;tag=b');
      r.headers.set('CSeq', `${seq} ${method}`);
      return r;
    };
    assert.deepEqual(d.receiveRequest(inDialog('ACK', 314)), { ok: true });
    assert.deepEqual(d.receiveRequest(inDialog('INFO', 315)), { ok: true });
    assert.deepEqual(d.receiveRequest(inDialog('INFO', 315)), { ok: false, status: 500 });
    const id = dialogIdOfIncomingRequest(inDialog('BYE', 316));
    assert.equal(id && dialogKey(id), d.key);
  });
});

describe('addr', () => {
  test('reads name-addr and addr-spec forms', () => {
    assert.deepEqual(
      parseAddr('"A, \\"B\\"" <sip:a@h;lr>;tag=1;x')?.params,
      new Map([
        ['tag', '1'],
        ['x', null],
      ]),
    );
    assert.equal(parseAddr('sip:a@h;tag=9')?.uri, 'sip:a@h');
    assert.equal(parseAddr('sip:a@h;tag=9')?.params.get('tag'), '9');
    assert.equal(parseAddr('<sip:a@h'), undefined);
    assert.deepEqual(splitAddrList('"x,y" <sip:a@h>, <sip:b@h;p=1,2>'), ['"x,y" <sip:a@h>', '<sip:b@h;p=1,2>']);
  });
});
