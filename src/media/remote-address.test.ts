// A SIP peer's c= and a=rtcp addresses, through the media plane with real sockets on loopback: only a
// unicast IP of the RTP socket's family is a destination (488 otherwise), and c=0.0.0.0 is hold.
import assert from 'node:assert/strict';
import type { Socket } from 'node:dgram';
import { after, describe, test } from 'node:test';
import { parseSessionDescription } from '../sdp/index.js';
import { InProcessMediaPlane } from './in-process-media-plane.js';
import { writeRtpHeader } from './rtp/rtp-header.js';
import { nextMessage, portOf, udpPeer, within } from './test-helpers.js';

const offer = (address: string, port: number, extra = '') =>
  `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN ${address.includes(':') ? 'IP6' : 'IP4'} ${address}\r\nt=0 0\r\n` +
  `m=audio ${port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n${extra}`;

function rtp(seq: number): Buffer {
  const b = Buffer.alloc(172);
  writeRtpHeader(b, { marker: false, payloadType: 0, sequenceNumber: seq, timestamp: seq * 160, ssrc: 0x4242 });
  return b;
}

describe('remote media addresses of a SIP peer', () => {
  const plane = new InProcessMediaPlane({ rtpAddress: '127.0.0.1', rtpPortMin: 36600, rtpPortMax: 36699 });
  const sockets: Socket[] = [];
  after(async () => {
    for (const s of sockets) s.close();
    await plane.close();
  });

  test('broadcast, multicast, IPv6 on IPv4 sockets and host names fail the offer or answer with 488', async () => {
    const echo = await plane.createRtpLeg({ endpoint: 'echo' });
    const refused = async (p: Promise<unknown>, pattern: RegExp) =>
      assert.rejects(p, (e: { code: string; sipStatus: number; message: string }) => {
        assert.equal(e.code, 'MEDIA_BAD_ADDRESS');
        assert.equal(e.sipStatus, 488);
        assert.match(e.message, pattern);
        return true;
      });
    await refused(plane.applyOffer(echo, offer('255.255.255.255', 5004)), /255\.255\.255\.255 is a broadcast address/);
    await refused(plane.applyOffer(echo, offer('224.0.0.1', 5004)), /multicast/);
    await refused(plane.applyOffer(echo, offer('::1', 5004)), /IPv6/);
    await refused(plane.applyOffer(echo, offer('pbx.example.com', 5004)), /not an IP address/);
    await refused(
      plane.applyOffer(echo, offer('127.0.0.1', 5004, 'a=rtcp:5005 IN IP4 255.255.255.255\r\n')),
      /RTCP \(a=rtcp\) address 255\.255\.255\.255/,
    );
    await assert.rejects(plane.createAnswer(echo), { code: 'MEDIA_BAD_STATE' }, 'no offer was taken');
    const player = await plane.createRtpLeg({ endpoint: 'player' });
    await plane.createOffer(player);
    await refused(plane.applyAnswer(player, offer('::1', 5004)), /IPv6/);
    await plane.closeLeg(echo);
    await plane.closeLeg(player);
  });

  test('c=0.0.0.0 is hold: nothing is sent, not even to the latched source, until an SDP gives an address', async () => {
    const leg = await plane.createRtpLeg({ endpoint: 'echo' });
    const peer = await udpPeer();
    sockets.push(peer);
    await plane.applyOffer(leg, offer('0.0.0.0', portOf(peer)));
    const answer = parseSessionDescription(await plane.createAnswer(leg));
    assert.ok(answer.ok);
    const port = answer.value.media[0]?.port ?? 0;
    peer.send(rtp(1), port, '127.0.0.1');
    await within(
      (async () => {
        while ((await plane.getStats(leg)).streams[0]?.packetsReceived !== 1) await new Promise((r) => setImmediate(r));
      })(),
      2000,
      'the packet at the echo leg',
    );
    // The echo sends back in the same call that received: had it sent, packetsSent would say so now.
    assert.equal((await plane.getStats(leg)).streams[0]?.packetsSent, 0);
    await plane.applyOffer(leg, offer('127.0.0.1', portOf(peer)));
    await plane.createAnswer(leg);
    const back = nextMessage(peer);
    peer.send(rtp(2), port, '127.0.0.1');
    assert.equal((await back).msg.readUInt16BE(2), 2, 'resumed: the echo comes back');
    await plane.closeLeg(leg);
  });
});
