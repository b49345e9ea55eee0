import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseNameAddrList } from './name-addr.js';
import { parseRAck, parseValueParams } from './value-params.js';

describe('value with parameters', () => {
  test('reads Content-Type, Event, Session-Expires, Replaces and Reason values', () => {
    const ct = parseValueParams('multipart/mixed;boundary=7a9cbec02ceef655');
    assert.ok(ct.ok && ct.value.value === 'multipart/mixed' && ct.value.params.get('boundary') === '7a9cbec02ceef655');
    const ev = parseValueParams('refer;id=93809824');
    assert.ok(ev.ok && ev.value.value === 'refer' && ev.value.params.get('id') === '93809824');
    const se = parseValueParams('1800 ; refresher=uac');
    assert.ok(se.ok && se.value.value === '1800' && se.value.params.get('refresher') === 'uac');
    const rp = parseValueParams('425928@bobster.example.org;to-tag=7743;from-tag=6472;early-only');
    assert.ok(rp.ok && rp.value.value === '425928@bobster.example.org');
    assert.deepEqual(
      [...rp.value.params],
      [
        ['to-tag', '7743'],
        ['from-tag', '6472'],
        ['early-only', null],
      ],
    );
    const reason = parseValueParams('SIP ;cause=200 ;text="Call completed elsewhere"');
    assert.ok(reason.ok && reason.value.params.get('text') === '"Call completed elsewhere"');
  });

  test('refuses an empty value, white space inside the value, or a bad parameter, naming the field', () => {
    for (const text of ['', ';a=b', 'a b', 'x;;y', 'x;y=']) {
      const r = parseValueParams(text, 'Event');
      assert.ok(!r.ok && r.error.code === 'SIP_PARSE_BAD_HEADER' && r.error.field === 'Event', text);
    }
  });

  test('reads RAck (RFC 3262 §7.2)', () => {
    const r = parseRAck('776656 1 INVITE');
    assert.ok(r.ok);
    assert.deepEqual(r.value, { rseq: 776656, cseq: 1, method: 'INVITE' });
    assert.ok(!parseRAck('776656 INVITE').ok);
    assert.ok(!parseRAck('x 1 INVITE').ok);
  });

  test('parseNameAddrList reads a Record-Route set over several field values, in order', () => {
    const r = parseNameAddrList(['<sip:p1.example.com;lr>, <sip:p2.example.com;lr>', '<sip:p3.example.com;lr>']);
    assert.ok(r.ok);
    assert.deepEqual(
      r.value.map((na) => na.uri.host),
      ['p1.example.com', 'p2.example.com', 'p3.example.com'],
    );
    assert.ok(!parseNameAddrList('<sip:a@b>, <sip:c').ok);
  });
});
