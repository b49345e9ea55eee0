import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkConnectionAddress, checkMediaAddresses } from './connection-address.js';
import { parseSessionDescription } from './session-description.js';

const reason = (address: string, family: 4 | 6 = 4) => {
  const r = checkConnectionAddress(address, family);
  assert.ok(!r.ok, `${address} was accepted`);
  assert.equal(r.error.code, 'SDP_BAD_CONNECTION_ADDRESS');
  assert.equal(r.error.sipStatus, 488);
  return r.error.reason;
};

test('unicast IP literals of the socket family are destinations; 0.0.0.0 and :: are hold', () => {
  assert.deepEqual(checkConnectionAddress('192.0.2.7', 4), {
    ok: true,
    value: { type: 'unicast', address: '192.0.2.7' },
  });
  assert.deepEqual(checkConnectionAddress('127.0.0.1', 4), {
    ok: true,
    value: { type: 'unicast', address: '127.0.0.1' },
  });
  assert.deepEqual(checkConnectionAddress('2001:db8::1', 6), {
    ok: true,
    value: { type: 'unicast', address: '2001:db8::1' },
  });
  assert.deepEqual(checkConnectionAddress('0.0.0.0', 4), { ok: true, value: { type: 'hold' } });
  assert.deepEqual(checkConnectionAddress('::', 6), { ok: true, value: { type: 'hold' } });
});

test('broadcast, multicast, reserved, the other family and host names are refused with a reason', () => {
  assert.match(reason('255.255.255.255'), /255\.255\.255\.255 is a broadcast address/);
  assert.match(reason('239.1.2.3'), /multicast/);
  assert.match(reason('240.0.0.1'), /reserved/);
  assert.match(reason('0.1.2.3'), /reserved/);
  assert.match(reason('::1'), /is IPv6, and this server sends RTP over IPv4/);
  assert.match(reason('192.0.2.1', 6), /is IPv4, and this server sends RTP over IPv6/);
  assert.match(reason('ff02::1', 6), /multicast/);
  assert.match(reason('pbx.example.com'), /not an IP address/);
});

test('every live stream of an SDP is checked, c= and a=rtcp; rejected streams (port 0) are not', () => {
  const sdp = (...lines: string[]) => {
    const r = parseSessionDescription(['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 't=0 0', ...lines, ''].join('\r\n'));
    assert.ok(r.ok);
    return r.value;
  };
  assert.ok(checkMediaAddresses(sdp('c=IN IP4 192.0.2.1', 'm=audio 4000 RTP/AVP 0'), 4).ok);
  assert.ok(checkMediaAddresses(sdp('m=audio 0 RTP/AVP 0', 'c=IN IP4 255.255.255.255'), 4).ok);
  const rtcp = checkMediaAddresses(
    sdp('c=IN IP4 192.0.2.1', 'm=audio 4000 RTP/AVP 0', 'a=rtcp:4001 IN IP4 host.example'),
    4,
  );
  assert.ok(!rtcp.ok);
  assert.match(rtcp.error.reason, /RTCP \(a=rtcp\) address host\.example/);
  const video = checkMediaAddresses(
    sdp('c=IN IP4 192.0.2.1', 'm=audio 4000 RTP/AVP 0', 'm=video 4002 RTP/AVP 96', 'c=IN IP6 2001:db8::2'),
    4,
  );
  assert.ok(!video.ok);
});
