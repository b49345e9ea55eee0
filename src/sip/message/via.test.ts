import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatCSeq, parseCSeq } from './cseq.js';
import { formatVia, parseVia } from './via.js';

describe('parseVia (RFC 3261 §20.42)', () => {
  test('reads several via-parms of one field value with rport and received (RFC 3581)', () => {
    const r = parseVia(
      'SIP/2.0/UDP erlang.bell-telephone.com:5060;branch=z9hG4bK87asdks7, SIP/2.0/UDP 192.0.2.1:5060 ;received=192.0.2.207;branch=z9hG4bK77asjd;rport',
    );
    assert.ok(r.ok);
    assert.equal(r.value.length, 2);
    assert.deepEqual(r.value[0], {
      protocol: 'SIP/2.0',
      transport: 'UDP',
      host: 'erlang.bell-telephone.com',
      port: 5060,
      params: new Map([['branch', 'z9hG4bK87asdks7']]),
    });
    assert.equal(r.value[1]!.params.get('received'), '192.0.2.207');
    assert.equal(r.value[1]!.params.get('rport'), null);
  });

  test('reads lower-case transports and upper-cases them', () => {
    const r = parseVia('SIP/2.0/wss df7jal23ls0d.invalid;branch=z9hG4bKasudf');
    assert.ok(r.ok && r.value[0]!.transport === 'WSS');
  });

  test('writes a via-parm', () => {
    assert.equal(
      formatVia({
        protocol: 'SIP/2.0',
        transport: 'TCP',
        host: '[2001:db8::1]',
        port: 5061,
        params: new Map([
          ['branch', 'z9hG4bKx'],
          ['rport', null],
        ]),
      }),
      'SIP/2.0/TCP [2001:db8::1]:5061;branch=z9hG4bKx;rport',
    );
  });

  for (const text of [
    'SIP/2.0 host',
    'SIP/2.0/UDP',
    'SIP/2.0/UDP host;;',
    'SIP/2.0/UDP host,,',
    'SIP/2.0/UDP host;received=not an ip',
    'SIP/2.0/UDP host:70000',
    'SIP/2.0/UDP host;rport=x',
  ]) {
    test(`refuses "${text}" with SIP_PARSE_BAD_VIA`, () => {
      const r = parseVia(text);
      assert.ok(!r.ok && r.error.code === 'SIP_PARSE_BAD_VIA' && r.error.field === 'Via');
    });
  }
});

describe('parseCSeq (RFC 3261 §20.16, §8.1.1.5)', () => {
  test('reads and writes a CSeq', () => {
    const r = parseCSeq('4711 INVITE');
    assert.ok(r.ok);
    assert.deepEqual(r.value, { seq: 4711, method: 'INVITE' });
    assert.equal(formatCSeq(r.value), '4711 INVITE');
  });
  for (const text of ['INVITE', '1', '2147483648 INVITE', '-1 INVITE', '1 INVITE x']) {
    test(`refuses "${text}"`, () => {
      const r = parseCSeq(text);
      assert.ok(!r.ok && r.error.code === 'SIP_PARSE_BAD_CSEQ');
    });
  }
});
