// IceDataPath over a real ICE connection: two werift RTCPeerConnections on loopback (no browser runs in
// unit tests). Checks that media takes the direct path both ways, that STUN/DTLS still reach werift,
// and that close() gives werift its path back.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { RTCPeerConnection } from 'werift';
import { IceDataPath } from './ice-data-path.js';
import { configurePacketPath, nativeAddon } from './native/native-addon.js';
import { newSrtpSession } from './native/native-srtp-session.js';
import { SRTP_PROFILES } from './srtp/srtp-profile.js';
import { SrtpSession } from './srtp/srtp-session.js';
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

const profile = SRTP_PROFILES[0];
const keyA = { key: randomBytes(16), salt: randomBytes(14) };
const keyB = { key: randomBytes(16), salt: randomBytes(14) };

for (const path of ['native', 'js'] as const) {
  const skip = path === 'native' && nativeAddon() === undefined ? 'native addon not built' : false;
  test(`${path} path: SRTP both ways between the nominated socket and the leg; close() restores werift`, {
    skip,
  }, async () => {
    configurePacketPath(path);
    const [a, b] = await connectedPair();
    try {
      assert.ok(profile);
      const peer = new SrtpSession(profile, keyB, keyA);
      const received: Buffer[] = [];
      const drops: string[] = [];
      let onDropped: () => void = () => undefined;
      const dropped = new Promise<void>((resolve) => {
        onDropped = resolve;
      });
      const errors: unknown[] = [];
      let onFirst: (d: Buffer) => void = () => undefined;
      const first = new Promise<Buffer>((resolve) => {
        onFirst = resolve;
      });
      const dataPath = new IceDataPath(connectionOf(a), newSrtpSession(profile, keyA, keyB), {
        onRtp: (d) => {
          received.push(Buffer.from(d));
          onFirst(d);
        },
        onRtcp: () => undefined,
        onDrop: (reason) => {
          drops.push(reason);
          onDropped();
        },
        onSendError: (e) => errors.push(e),
      });
      const viaWerift: Buffer[] = [];
      const sub = connectionOf(a).onData.subscribe((d) => viaWerift.push(d));

      const rtp = Buffer.from([0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 7, 1, 2, 3]);
      const arrived = within(
        new Promise<Buffer>((resolve) => connectionOf(b).onData.subscribe((d) => resolve(d))),
        3000,
        'the path sends to the peer',
      );
      assert.equal(dataPath.sendRtp(rtp), true);
      assert.deepEqual(peer.unprotectRtp(await arrived), rtp);

      const sent = peer.protectRtp(rtp);
      assert.ok(sent);
      await connectionOf(b).send(sent);
      assert.deepEqual(await within(first, 3000, 'the peer reaches the path'), rtp);
      assert.equal(viaWerift.length, 0, 'werift did not see the media datagram');
      // The same packet again is a replay: dropped with its reason, not delivered.
      await connectionOf(b).send(sent);
      await within(dropped, 3000, 'the replay is dropped');
      assert.match(drops[0] ?? '', /SRTP_REPLAYED/);

      dataPath.close();
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
      configurePacketPath('auto');
      await a.close();
      await b.close();
    }
  });
}
