import assert from 'node:assert/strict';
import { test } from 'node:test';
import { offeredDirection } from './media-plane-port.js';

const sdp = (...lines: string[]) => ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 't=0 0', ...lines].join('\r\n');

test('offeredDirection: media level wins, then session level, then sendrecv; port 0 is inactive', () => {
  assert.equal(offeredDirection(sdp('m=audio 4000 RTP/AVP 0', 'a=sendonly')), 'sendonly');
  assert.equal(offeredDirection(sdp('a=inactive', 'm=audio 4000 RTP/AVP 0')), 'inactive');
  assert.equal(offeredDirection(sdp('a=sendonly', 'm=audio 4000 RTP/AVP 0', 'a=sendrecv')), 'sendrecv');
  assert.equal(offeredDirection(sdp('m=audio 4000 RTP/AVP 0')), 'sendrecv');
  assert.equal(offeredDirection(sdp('m=audio 0 RTP/AVP 0')), 'inactive');
  assert.equal(offeredDirection(sdp('m=audio 4000 RTP/AVP 0', 'm=video 4002 RTP/AVP 96', 'a=sendonly')), 'sendrecv');
});
