// IceDataPath over a real ICE connection: two werift RTCPeerConnections on loopback (no browser runs in
// unit tests). Checks that media takes the direct path both ways, that STUN/DTLS still reach werift,
// and that close() gives werift its path back.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RTCPeerConnection } from 'werift';
import { IceDataPath } from './ice-data-path.js';
import { within } from './test-helpers.js';

const config = { iceServers: [], iceAdditionalHostAddresses: ['127.0.0.1'] };

async function connectedPair(): Promise<[RTCPeerConnection, RTCPeerConnection]> {
  const a = new RTCPeerConnection(config);
  const b = new RTCPeerConnection(config);
  a.addTransceiver('audio', { direction: 'sendrecv' });
  const up = (pc: RTCPeerConnection) =>
    new Promise<void>((resolve) => {
      pc.connectionStateChange.subscribe((s) => {
        if (s === 'connected') resolve();
      });
    });
  const bothUp = Promise.all([up(a), up(b)]);
  await a.setLocalDescription(await a.createOffer());
  await b.setRemoteDescription(a.localDescription ?? { type: 'offer', sdp: '' });
  await b.setLocalDescription(await b.createAnswer());
  await a.setRemoteDescription(b.localDescription ?? { type: 'answer', sdp: '' });
  await within(bothUp, 10_000, 'ICE and DTLS up');
  return [a, b];
}

const connectionOf = (pc: RTCPeerConnection) => {
  const dtls = pc.dtlsTransports[0];
  assert.ok(dtls);
  return dtls.iceTransport.connection;
};

test('RTP/RTCP go straight between the nominated socket and the path, both ways; close() restores werift', async () => {
  const [a, b] = await connectedPair();
  try {
    const received: Buffer[] = [];
    const errors: unknown[] = [];
    let onFirst: (d: Buffer) => void = () => undefined;
    const first = new Promise<Buffer>((resolve) => {
      onFirst = resolve;
    });
    const path = new IceDataPath(
      connectionOf(a),
      (d) => {
        received.push(d);
        onFirst(d);
      },
      (e) => errors.push(e),
    );
    const viaWerift: Buffer[] = [];
    const sub = connectionOf(a).onData.subscribe((d) => viaWerift.push(d));

    const rtp = Buffer.from([0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 7, 1, 2, 3]);
    const arrived = within(
      new Promise<Buffer>((resolve) => connectionOf(b).onData.subscribe((d) => resolve(d))),
      3000,
      'the path sends to the peer',
    );
    path.send(rtp);
    assert.deepEqual(await arrived, rtp);

    await connectionOf(b).send(rtp);
    assert.deepEqual(await within(first, 3000, 'the peer reaches the path'), rtp);
    assert.equal(viaWerift.length, 0, 'werift did not see the media datagram');

    path.close();
    const back = within(
      new Promise<Buffer>((resolve) => connectionOf(a).onData.subscribe((d) => resolve(d))),
      3000,
      'werift has its path back',
    );
    await connectionOf(b).send(rtp);
    assert.deepEqual(await back, rtp);
    assert.equal(received.length, 1);
    assert.deepEqual(errors, []);
    sub.unSubscribe();
  } finally {
    await a.close();
    await b.close();
  }
});
