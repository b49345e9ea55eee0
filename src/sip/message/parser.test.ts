import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseMessage } from './parser.js';
import { serializeMessage } from './serializer.js';
import { DEFAULT_PARSE_LIMITS } from './types.js';

const crlf = (s: string): Buffer => Buffer.from(s.replace(/\n/g, '\r\n'));

const INVITE = `INVITE sip:bob@biloxi.example.com SIP/2.0
Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8
Max-Forwards: 70
To: Bob <sip:bob@biloxi.example.com>
From: Alice <sip:alice@atlanta.example.com>;tag=1928301774
Call-ID: a84b4c76e66710
CSeq: 314159 INVITE
Contact: <sip:alice@pc33.atlanta.example.com>
Content-Type: application/sdp
Content-Length: 4

v=0
`;

describe('parseMessage', () => {
  test('parses a request: method, Request-URI, headers by any case and compact name, body by Content-Length', () => {
    const r = parseMessage(crlf(INVITE));
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    const m = r.value;
    assert.equal(m.kind, 'request');
    assert.ok(m.kind === 'request');
    assert.equal(m.method, 'INVITE');
    assert.equal(m.uri, 'sip:bob@biloxi.example.com');
    assert.equal(m.headers.get('call-id'), 'a84b4c76e66710');
    assert.equal(m.headers.get('i'), 'a84b4c76e66710');
    assert.equal(m.headers.get('v'), 'SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8');
    assert.equal(m.body.toString(), 'v=0\r');
  });

  test('parses a response with an empty reason phrase', () => {
    const text = `SIP/2.0 100 \nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nTo: <sip:b@h>\nFrom: <sip:a@h>;tag=1\nCall-ID: x\nCSeq: 1 INVITE\nContent-Length: 0\n\n`;
    const r = parseMessage(crlf(text));
    assert.ok(r.ok && r.value.kind === 'response');
    assert.equal(r.value.status, 100);
    assert.equal(r.value.reason, '');
  });

  test('unfolds continuation lines into one value', () => {
    const text = INVITE.replace('Max-Forwards: 70', 'Subject: first\n second\n\tthird');
    const r = parseMessage(crlf(text));
    assert.ok(r.ok);
    assert.equal(r.value.headers.get('Subject'), 'first second third');
  });

  test('discards bytes past Content-Length in a datagram (RFC 3261 §18.3)', () => {
    const r = parseMessage(Buffer.concat([crlf(INVITE), Buffer.from('garbage')]));
    assert.ok(r.ok);
    assert.equal(r.value.body.length, 4);
  });

  test('refuses a body shorter than Content-Length, with 400 for a request', () => {
    const r = parseMessage(crlf(INVITE.replace('Content-Length: 4', 'Content-Length: 40')));
    assert.ok(!r.ok);
    assert.equal(r.error.code, 'SIP_PARSE_INCOMPLETE');
    assert.equal(r.error.status, 400);
  });

  test('takes the rest of a datagram as the body when there is no Content-Length', () => {
    const r = parseMessage(crlf(INVITE.replace('Content-Length: 4\n', '')));
    assert.ok(r.ok);
    assert.equal(r.value.body.toString(), 'v=0\r\n');
  });

  for (const name of ['Via', 'From', 'To', 'Call-ID', 'CSeq']) {
    test(`names the missing mandatory header ${name}`, () => {
      const text = INVITE.split('\n')
        .filter((l) => !l.startsWith(`${name}:`))
        .join('\n');
      const r = parseMessage(crlf(text));
      assert.ok(!r.ok);
      assert.equal(r.error.code, 'SIP_PARSE_MISSING_HEADER');
      assert.equal(r.error.field, name);
      assert.equal(r.error.status, 400);
    });
  }

  test('names a malformed To', () => {
    const r = parseMessage(
      crlf(INVITE.replace('To: Bob <sip:bob@biloxi.example.com>', 'To: Bob <sip:bob@biloxi.example.com')),
    );
    assert.ok(!r.ok);
    assert.equal(r.error.field, 'To');
    assert.equal(r.error.status, 400);
  });

  test('refuses a CSeq method that is not the request method', () => {
    const r = parseMessage(crlf(INVITE.replace('CSeq: 314159 INVITE', 'CSeq: 314159 ACK')));
    assert.ok(!r.ok);
    assert.equal(r.error.code, 'SIP_PARSE_BAD_CSEQ');
  });

  test('answers 505 to another SIP version', () => {
    const r = parseMessage(crlf(INVITE.replace('SIP/2.0\n', 'SIP/7.0\n')));
    assert.ok(!r.ok);
    assert.equal(r.error.code, 'SIP_PARSE_BAD_VERSION');
    assert.equal(r.error.status, 505);
  });

  test('enforces the size, header count and line length limits', () => {
    const big = parseMessage(crlf(INVITE), { ...DEFAULT_PARSE_LIMITS, maxMessageBytes: 100 });
    assert.ok(!big.ok && big.error.code === 'SIP_PARSE_TOO_LARGE');
    const many = parseMessage(crlf(INVITE), { ...DEFAULT_PARSE_LIMITS, maxHeaderCount: 3 });
    assert.ok(!many.ok && many.error.code === 'SIP_PARSE_TOO_MANY_HEADERS');
    const long = parseMessage(crlf(INVITE), { ...DEFAULT_PARSE_LIMITS, maxHeaderLineBytes: 40 });
    assert.ok(!long.ok && long.error.code === 'SIP_PARSE_TOO_LARGE');
  });

  test('accepts bare LF line ends and leading CRLFs', () => {
    const r = parseMessage(Buffer.from(`\r\n\r\n${INVITE}`));
    assert.ok(r.ok);
  });

  test('serializes back with a Content-Length computed from the body', () => {
    const r = parseMessage(crlf(INVITE));
    assert.ok(r.ok);
    r.value.body = Buffer.from('v=0\r\no=x\r\n');
    const again = parseMessage(serializeMessage(r.value));
    assert.ok(again.ok);
    assert.equal(again.value.headers.get('Content-Length'), '10');
    assert.equal(again.value.body.toString(), 'v=0\r\no=x\r\n');
  });
});

describe('serializeMessage', () => {
  test('writes line breaks inside values as a space, so no value can inject a header', () => {
    const r = parseMessage(crlf(INVITE));
    assert.ok(r.ok);
    r.value.headers.set('Subject', 'hello\r\nX-Injected: yes');
    const again = parseMessage(serializeMessage(r.value));
    assert.ok(again.ok);
    assert.equal(again.value.headers.get('Subject'), 'hello X-Injected: yes');
    assert.ok(!again.value.headers.has('X-Injected'));
  });
});
