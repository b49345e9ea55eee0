import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Headers } from '../message/headers.js';
import { SipRequest } from '../message/message.js';
import { parseVia } from '../message/via.js';
import type { MessageSource } from './transport.js';
import { responseAddress, stampReceived, TransportLayer } from './transport-layer.js';

function withVia(via: string): SipRequest {
  const h = new Headers();
  h.append('Via', via);
  return new SipRequest('OPTIONS', 'sip:x@example.com', h);
}

const udpFrom = (host: string, port: number): MessageSource => ({
  transport: 'UDP',
  host,
  port,
  local: { host: '0.0.0.0', port: 5060 },
});

function top(value: string) {
  const v = parseVia(value);
  assert.ok(v.ok);
  const first = v.value[0];
  assert.ok(first);
  return first;
}

describe('§18.2.1 received/rport and §18.2.2 response addresses', () => {
  test('only the top Via element is stamped; the others keep their text', () => {
    const r = withVia('SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1;rport, SIP/2.0/TCP proxy.example.com;branch=z9hG4bK0');
    stampReceived(r, udpFrom('203.0.113.9', 40000));
    assert.equal(
      r.headers.get('Via'),
      'SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1;rport=40000;received=203.0.113.9, SIP/2.0/TCP proxy.example.com;branch=z9hG4bK0',
    );
  });

  test('IPv4-mapped sources compare equal to the sent-by; IPv6 received is written without brackets', () => {
    const a = withVia('SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1');
    stampReceived(a, udpFrom('::ffff:192.0.2.1', 5060));
    assert.equal(top(a.headers.get('Via') ?? '').params.has('received'), false);
    const b = withVia('SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK1;rport');
    stampReceived(b, udpFrom('2001:db8::2', 5062));
    const v = top(b.headers.get('Via') ?? '');
    assert.equal(v.params.get('received'), '2001:db8::2');
    assert.equal(v.params.get('rport'), '5062');
    assert.deepEqual(responseAddress(v, 'UDP'), { host: '2001:db8::2', port: 5062 });
  });

  test('UDP: received + rport; TCP: received + sent-by port (rport is a gone connection`s port); defaults 5060/5061', () => {
    const v = top('SIP/2.0/UDP host.example.com:5070;branch=z9hG4bK1;received=198.51.100.1;rport=30000');
    assert.deepEqual(responseAddress(v, 'UDP'), { host: '198.51.100.1', port: 30000 });
    assert.deepEqual(responseAddress(v, 'TCP'), { host: '198.51.100.1', port: 5070 });
    assert.deepEqual(responseAddress(top('SIP/2.0/TLS host.example.com;branch=z9hG4bK1'), 'TLS'), {
      host: 'host.example.com',
      port: 5061,
    });
    assert.deepEqual(responseAddress(top('SIP/2.0/UDP h.example.com;branch=z9hG4bK1;maddr=239.1.1.1'), 'UDP'), {
      host: '239.1.1.1',
      port: 5060,
    });
  });

  test('sentBy: advertised address wins; a wildcard bind never advertises 0.0.0.0', () => {
    const layer = new TransportLayer({
      listen: [
        { transport: 'UDP', host: '0.0.0.0', port: 5060 },
        { transport: 'TCP', host: '0.0.0.0', port: 5060, advertisedHost: 'sip.example.com', advertisedPort: 5080 },
      ],
    });
    assert.notEqual(layer.sentBy('UDP').host, '0.0.0.0');
    assert.deepEqual(layer.sentBy('TCP'), { host: 'sip.example.com', port: 5080 });
    assert.throws(() => layer.sentBy('TLS'), /no TLS transport/);
  });
});
