// The shared listener on real loopback sockets: UDP and TCP on one port, two user agents on it, and a second
// stack (a real peer, not a double) calling each of them over its own transport.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import type { InviteServer } from './invite-server.js';
import { SipEndpoint } from './sip-endpoint.js';
import { startSipStack } from './sip-stack.js';
import type { UserAgent } from './user-agent.js';

const SDP = Buffer.from(
  'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n',
);
const contactOf = (ua: UserAgent) => /<([^>]+)>/.exec(ua.ctx.contact)?.[1] ?? '';

describe('SipEndpoint on real sockets', () => {
  test('UDP and TCP share one port; a peer reaches each of two UAs on it by its Contact', async () => {
    const endpoint = await SipEndpoint.listen({
      listen: [
        { transport: 'UDP', host: '127.0.0.1', port: 0 },
        { transport: 'TCP', host: '127.0.0.1', port: 0 },
      ],
    });
    const peer = await startSipStack({
      listen: [
        { transport: 'UDP', host: '127.0.0.1', port: 0 },
        { transport: 'TCP', host: '127.0.0.1', port: 0 },
      ],
      user: 'carol',
      domain: '127.0.0.1',
    });
    try {
      const [udp, tcp] = endpoint.addresses;
      assert.ok(udp !== undefined && tcp !== undefined && udp.port !== 0);
      assert.equal(tcp.port, udp.port);
      const one = endpoint.createUserAgent({ user: '1001', domain: '127.0.0.1', transport: 'UDP' });
      const two = endpoint.createUserAgent({ user: '1001', domain: '127.0.0.1', transport: 'TCP' });
      assert.equal(endpoint.size, 2);
      assert.match(contactOf(one), new RegExp(`^sip:1001-[0-9a-f]{16}@127\\.0\\.0\\.1:${udp.port}$`));
      assert.match(contactOf(two), new RegExp(`^sip:1001-[0-9a-f]{16}@127\\.0\\.0\\.1:${udp.port};transport=tcp$`));
      const got: string[] = [];
      for (const [name, ua] of [
        ['one', one],
        ['two', two],
      ] as const) {
        ua.on('invite', (inv: InviteServer) => {
          got.push(`${name}:${inv.request.headers.get('Via')?.split(' ')[0]}`);
          inv.accept(SDP);
        });
      }
      for (const ua of [two, one]) {
        const call = peer.ua.invite(contactOf(ua), SDP);
        const [session] = await once(call, 'accepted');
        await session.bye();
      }
      assert.deepEqual(got, ['two:SIP/2.0/TCP', 'one:SIP/2.0/UDP']);
    } finally {
      await peer.close();
      await Promise.all([endpoint.close(), endpoint.close()]);
    }
    assert.equal(endpoint.size, 0);
  });
});
