// The native packet path's fast route (media-socket.ts, native/c/addon.c) against what the bridge does in
// JavaScript: the same packets reach the far end, with the same rewriting and continuity, and the legs
// count the same. Run on both packet paths; on the native one the route must actually carry the stream
// (fastRoutePackets), and die whenever what it was programmed from changes: a generated DTMF digit (the
// offsets), a hold (the destination), a new source SSRC. Real sockets, two RTP legs, plain RTP.
import assert from 'node:assert/strict';
import type { Socket } from 'node:dgram';
import { after, before, describe, test } from 'node:test';
import { buildPayloadTypeMap, type Codec } from '../sdp/index.js';
import { Bridge } from './bridge.js';
import { configurePacketPath, nativeAddon, type PacketPathMode } from './native/native-addon.js';
import { PortPool } from './port-pool.js';
import { newRtpHeader, parseRtpHeader, type RtpHeader, writeRtpHeader } from './rtp/rtp-header.js';
import { RtpLeg } from './rtp-leg.js';
import { collect, portOf, udpPeer, within } from './test-helpers.js';

const codec = (payloadType: number, name: string, clockRate: number): Codec => ({
  payloadType,
  name,
  clockRate,
  channels: 1,
  fmtp: undefined,
  rtcpFb: [],
});
// A sends PCMU as 0 and events as 101; B's peer wants PCMU as 0 too but events as 96: a PT rewrite on the way.
const aAudio = [codec(0, 'PCMU', 8000), codec(101, 'telephone-event', 8000)];
const bAudio = [codec(0, 'PCMU', 8000), codec(96, 'telephone-event', 8000)];

function rtp(seq: number, ts: number, ssrc: number, fill: number): Buffer {
  const b = Buffer.alloc(12 + 160, fill);
  writeRtpHeader(b, { marker: false, payloadType: 0, sequenceNumber: seq, timestamp: ts, ssrc });
  return b;
}

function header(buf: Buffer): RtpHeader {
  const h = newRtpHeader();
  assert.equal(parseRtpHeader(buf, buf.length, h), undefined);
  return h;
}

const paths: PacketPathMode[] = nativeAddon() === undefined ? ['js'] : ['native', 'js'];

for (const path of paths) {
  describe(`fast route, ${path} packet path (two RTP legs, real sockets)`, () => {
    const pool = new PortPool({ address: '127.0.0.1', min: 32400, max: 32499 });
    let legA: RtpLeg;
    let legB: RtpLeg;
    let bridge: Bridge;
    let a: Socket;
    let b: Socket;
    let seq = 5000;
    let ts = 80000;
    /** The next packet of A's peer's stream. */
    const next = (ssrc: number, fill: number): Buffer => {
      ts += 160;
      return rtp(seq++, ts, ssrc, fill);
    };
    const portA = () => legA.localPort('audio') as number;
    const remoteB = () => ({ address: '127.0.0.1', port: portOf(b), rtcpPort: portOf(b) });

    /** Sends `n` packets from A's peer, one at a time once the first has crossed (so the route is programmed). */
    async function stream(n: number, ssrc = 0xa1a1a1a1, fill = 0x11): Promise<RtpHeader[]> {
      const first = collect(b, 1, 'the first packet at B');
      a.send(next(ssrc, fill), portA(), '127.0.0.1');
      const out = [header((await first)[0] as Buffer)];
      const rest = collect(b, n - 1, `${n - 1} packets at B`);
      for (let i = 1; i < n; i++) a.send(next(ssrc, fill), portA(), '127.0.0.1');
      return out.concat((await rest).map(header));
    }

    before(async () => {
      configurePacketPath(path);
      legA = new RtpLeg({ id: 'A', pool, rtcpIntervalMs: 0 });
      legB = new RtpLeg({ id: 'B', pool, rtcpIntervalMs: 0 });
      a = await udpPeer();
      b = await udpPeer();
      await legA.openStream('audio');
      await legB.openStream('audio');
      legA.setCodecs('audio', aAudio);
      legB.setCodecs('audio', bAudio);
      legA.setRemote('audio', { address: '127.0.0.1', port: portOf(a), rtcpPort: portOf(a) }, false);
      legB.setRemote('audio', remoteB(), false);
      bridge = new Bridge(legA, legB);
      bridge.setRoutes({
        aToB: { audio: buildPayloadTypeMap(aAudio, bAudio), video: [] },
        bToA: { audio: buildPayloadTypeMap(bAudio, aAudio), video: [] },
        audioClockRate: 8000,
        dtmfTowardA: { payloadType: 101, clockRate: 8000 },
        dtmfTowardB: { payloadType: 96, clockRate: 8000 },
      });
    });

    after(async () => {
      bridge.close();
      await legA.close();
      await legB.close();
      a.close();
      b.close();
      configurePacketPath('auto');
    });

    test('a steady stream reaches B rewritten as the bridge would, counted on both legs', async () => {
      const got = await stream(100);
      assert.ok(got.every((h) => h.ssrc === legB.localSsrc('audio') && h.payloadType === 0));
      assert.deepEqual(
        got.map((h) => h.sequenceNumber),
        got.map((_, i) => (5000 + i) & 0xffff),
        'sequence numbers as sent, no gap, no duplicate',
      );
      assert.deepEqual(
        got.map((h) => (h.timestamp - (got[0]?.timestamp ?? 0)) >>> 0),
        got.map((_, i) => 160 * i),
      );
      const received = legA.stats().streams[0];
      const sent = legB.stats().streams[0];
      assert.equal(received?.packetsReceived, 100);
      assert.equal(received?.packetsLost, 0);
      assert.equal(sent?.packetsSent, 100);
      assert.equal(sent?.bytesSent, 100 * 160);
      if (path === 'native') assert.equal(received?.fastRoutePackets, 99, 'all but the first took the fast route');
      else assert.equal(received?.fastRoutePackets, 0);
    });

    test('a generated DTMF digit moves the offsets: the stream after it goes on without reusing its numbers', async () => {
      const events = collect(b, 5, 'the digit at B');
      assert.equal(await bridge.sendDtmf('B', '5', 100, 0), true);
      const digit = (await events).map(header);
      assert.ok(digit.every((h) => h.payloadType === 96));
      const after = await stream(20);
      const seqs = [...digit, ...after].map((h) => h.sequenceNumber);
      assert.deepEqual(
        seqs,
        seqs.map((_, i) => ((seqs[0] ?? 0) + i) & 0xffff),
        'one sequence: the digit, then the voice',
      );
      assert.equal(digit[0]?.sequenceNumber, (5100 & 0xffff) as number);
    });

    test('on hold nothing is sent (nor by the route); after it the stream resumes toward the new address', async () => {
      legB.setRemote('audio', 'hold', false);
      // The held packets reach the bridge in JavaScript (the route died with B's destination): wait for them.
      const relay = legA.onRtp;
      let relayed = 0;
      const heldSeen = within(
        new Promise<void>((resolve) => {
          legA.onRtp = (kind, packet, h) => {
            relay?.(kind, packet, h);
            if (++relayed === 5) resolve();
          };
        }),
        5000,
        'the five packets sent on hold reach the bridge',
      );
      for (let i = 0; i < 5; i++) a.send(next(0xa1a1a1a1, 0x22), portA(), '127.0.0.1');
      await heldSeen;
      legA.onRtp = relay;
      legB.setRemote('audio', remoteB(), false);
      const first = collect(b, 1, 'the first packet after the hold');
      a.send(next(0xa1a1a1a1, 0x33), portA(), '127.0.0.1');
      const resumed = (await first)[0] as Buffer;
      assert.equal(resumed[12], 0x33, 'B gets the stream after the hold, none of the held packets');
      assert.equal(legA.stats().streams[0]?.packetsReceived, 100 + 20 + 5 + 1);
      assert.equal(legB.stats().streams[0]?.packetsSent, 100 + 5 + 20 + 1, 'the five held packets were not sent');
    });

    // The js path reads datagrams up to 64 KiB: this limit is the native path's own.
    const nativeOnly = path === 'native' ? test : () => undefined;
    nativeOnly(
      'a datagram too large for the native receive buffer is counted and dropped; the stream goes on',
      async () => {
        const invalid = legA.stats().streams[0]?.invalidPackets ?? 0;
        const huge = Buffer.concat([rtp(seq++, ts, 0xa1a1a1a1, 0x55), Buffer.alloc(9000, 0x55)]);
        a.send(huge, portA(), '127.0.0.1');
        const next = await stream(2, 0xa1a1a1a1, 0x66);
        assert.equal(next[0]?.payloadLength, 160);
        assert.equal(legA.stats().streams[0]?.invalidPackets, invalid + 1);
      },
    );

    test('a new source SSRC (a transfer) continues the same outgoing stream', async () => {
      const before = legB.stats().streams[0]?.packetsSent ?? 0;
      seq = 40000;
      ts = 1234;
      const got = await stream(10, 0xb2b2b2b2, 0x44);
      assert.ok(got.every((h) => h.ssrc === legB.localSsrc('audio')));
      const seqs = got.map((h) => h.sequenceNumber);
      assert.deepEqual(
        seqs,
        seqs.map((_, i) => ((seqs[0] ?? 0) + i) & 0xffff),
      );
      assert.equal((legB.stats().streams[0]?.packetsSent ?? 0) - before, 10);
    });
  });
}
