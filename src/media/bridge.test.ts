import assert from 'node:assert/strict';
import type { Socket } from 'node:dgram';
import { after, before, describe, test } from 'node:test';
import { buildPayloadTypeMap, type Codec } from '../sdp/index.js';
import { Bridge, type DtmfEvent } from './bridge.js';
import { PortPool } from './port-pool.js';
import { buildNack, buildPli, parseRtcp } from './rtp/rtcp-packet.js';
import { newRtpHeader, parseRtpHeader, writeRtpHeader } from './rtp/rtp-header.js';
import { parseTelephoneEvent, writeTelephoneEvent } from './rtp/telephone-event.js';
import { RtpLeg } from './rtp-leg.js';
import { collect, nextMessage, portOf, udpPeer, within } from './test-helpers.js';

// Both legs are RTP legs here: the bridge only sees the MediaLeg interface, and plain sockets let the
// test look at every header. The WebRTC leg is exercised in test/e2e/media-chromium-rtp.test.ts.

const codec = (payloadType: number, name: string, clockRate: number, channels = 1): Codec => ({
  payloadType,
  name,
  clockRate,
  channels,
  fmtp: undefined,
  rtcpFb: [],
});
// Side A talks opus 111 + telephone-event/48000 110 (browser-like); side B opus 96 + telephone-event/8000 101 (baresip-like).
const aAudio = [codec(111, 'opus', 48000, 2), codec(110, 'telephone-event', 48000)];
const bAudio = [codec(96, 'opus', 48000, 2), codec(101, 'telephone-event', 8000)];
const aVideo = [codec(100, 'VP8', 90000)];
const bVideo = [codec(97, 'VP8', 90000)];
/** B's peer negotiated Generic NACK (a=rtcp-fb:97 nack), as browsers do. */
const bVideoNack = [{ ...codec(97, 'VP8', 90000), rtcpFb: ['nack', 'nack pli'] }];

function rtp(pt: number, seq: number, ts: number, ssrc: number, payload: Buffer = Buffer.alloc(20)): Buffer {
  const b = Buffer.alloc(12 + payload.length);
  writeRtpHeader(b, { marker: false, payloadType: pt, sequenceNumber: seq, timestamp: ts, ssrc });
  payload.copy(b, 12);
  return b;
}

function header(buf: Buffer) {
  const h = newRtpHeader();
  assert.equal(parseRtpHeader(buf, buf.length, h), undefined);
  return h;
}

describe('Bridge (real sockets, two RTP legs)', () => {
  const pool = new PortPool({ address: '127.0.0.1', min: 32000, max: 32199 });
  let legA: RtpLeg;
  let legB: RtpLeg;
  let bridge: Bridge;
  const peers: Record<string, Socket> = {};
  const dtmf: DtmfEvent[] = [];
  const fastUpdates: string[] = [];
  let onDtmf: (() => void) | undefined;

  before(async () => {
    legA = new RtpLeg({ id: 'A', pool, rtcpIntervalMs: 0 });
    legB = new RtpLeg({ id: 'B', pool, rtcpIntervalMs: 0 });
    for (const name of ['a', 'a2', 'aVideo', 'b', 'bVideo']) peers[name] = await udpPeer();
    for (const [leg, audio, video, pa, pv] of [
      [legA, aAudio, aVideo, 'a', 'aVideo'],
      [legB, bAudio, bVideo, 'b', 'bVideo'],
    ] as const) {
      await leg.openStream('audio');
      await leg.openStream('video');
      leg.setCodecs('audio', audio);
      leg.setCodecs('video', video);
      const audioPeer = portOf(peers[pa] as Socket);
      const videoPeer = portOf(peers[pv] as Socket);
      leg.setRemote('audio', { address: '127.0.0.1', port: audioPeer, rtcpPort: audioPeer }, false);
      leg.setRemote('video', { address: '127.0.0.1', port: videoPeer, rtcpPort: videoPeer }, false);
    }
    bridge = new Bridge(legA, legB, {
      onDtmf: (e) => {
        dtmf.push(e);
        onDtmf?.();
      },
      onPictureFastUpdate: (leg) => fastUpdates.push(leg),
    });
    bridge.setRoutes({
      aToB: { audio: buildPayloadTypeMap(aAudio, bAudio), video: buildPayloadTypeMap(aVideo, bVideo) },
      bToA: { audio: buildPayloadTypeMap(bAudio, aAudio), video: buildPayloadTypeMap(bVideo, aVideo) },
      audioClockRate: 48000,
      dtmfTowardA: { payloadType: 110, clockRate: 48000 },
      dtmfTowardB: { payloadType: 101, clockRate: 8000 },
    });
  });

  after(async () => {
    bridge.close();
    bridge.close();
    await legA.close();
    await legB.close();
    for (const s of Object.values(peers)) s.close();
  });

  const portA = () => legA.localPort('audio') as number;

  test('rewrites PT and SSRC; a new source after a re-offer continues the same seq/timestamp stream', async () => {
    const a = peers.a as Socket;
    const b = peers.b as Socket;
    let received = collect(b, 3, 'three packets at B');
    for (let i = 0; i < 3; i++) a.send(rtp(111, 1000 + i, 50000 + 960 * i, 0xaaaa), portA(), '127.0.0.1');
    const first = (await received).map(header);
    assert.deepEqual(
      first.map((h) => h.payloadType),
      [96, 96, 96],
    );
    assert.deepEqual(
      first.map((h) => h.sequenceNumber),
      [1000, 1001, 1002],
    );
    assert.ok(first.every((h) => h.ssrc === legB.localSsrc('audio')));

    // Re-INVITE: the far end moved (transfer) and restarted its stream with new SSRC/seq/ts.
    const a2 = peers.a2 as Socket;
    legA.setRemote('audio', { address: '127.0.0.1', port: portOf(a2), rtcpPort: portOf(a2) }, false);
    received = collect(b, 2, 'two packets after the switch');
    for (let i = 0; i < 2; i++) a2.send(rtp(111, 7 + i, 123 + 960 * i, 0xbbbb), portA(), '127.0.0.1');
    const second = (await received).map(header);
    assert.deepEqual(
      second.map((h) => h.sequenceNumber),
      [1003, 1004],
      'sequence continues',
    );
    assert.equal(second[0]?.ssrc, first[0]?.ssrc, 'same SSRC toward B');
    const gap = ((second[0]?.timestamp ?? 0) - (first[2]?.timestamp ?? 0)) >>> 0;
    assert.ok(gap > 0 && gap < 48000 * 5, `timestamp advances by the elapsed time (${gap})`);
    assert.equal(((second[1]?.timestamp ?? 0) - (second[0]?.timestamp ?? 0)) >>> 0, 960);
  });

  test('RFC 4733 events: 48 kHz durations become 8 kHz on the way to B, and a dtmf event is raised once', async () => {
    const a2 = peers.a2 as Socket;
    const b = peers.b as Socket;
    const got = collect(b, 4, 'four DTMF packets at B');
    const raised = within(
      new Promise<void>((r) => {
        onDtmf = r;
      }),
      3000,
      'a dtmf event',
    );
    const payload = Buffer.alloc(4);
    writeTelephoneEvent(payload, 0, { event: 5, end: false, volume: 10, duration: 2400 });
    a2.send(rtp(110, 9, 99999, 0xbbbb, Buffer.from(payload)), portA(), '127.0.0.1');
    writeTelephoneEvent(payload, 0, { event: 5, end: true, volume: 10, duration: 4800 });
    for (let i = 0; i < 3; i++) a2.send(rtp(110, 10 + i, 99999, 0xbbbb, Buffer.from(payload)), portA(), '127.0.0.1');
    const packets = (await got).map((p) => ({ h: header(p), e: parseTelephoneEvent(p, 12, 4) }));
    assert.ok(packets.every((p) => p.h.payloadType === 101));
    assert.deepEqual(
      packets.map((p) => (p.e.ok ? p.e.value.duration : -1)),
      [400, 800, 800, 800],
    );
    await raised;
    assert.deepEqual(dtmf, [{ legId: 'A', digit: '5', durationMs: 100 }]);
  });

  test('sendDtmf generates RFC 4733 toward a leg inside its stream: marker first, three end packets, one timestamp', async () => {
    const b = peers.b as Socket;
    const got = collect(b, 5, 'generated DTMF at B'); // 0 ms, 50 ms, end ×3 at 100 ms
    assert.equal(await bridge.sendDtmf('B', '#', 100, 0), true);
    const packets = (await got).map((p) => ({ h: header(p), e: parseTelephoneEvent(p, 12, 4) }));
    assert.ok(packets.every((p) => p.h.payloadType === 101 && p.h.ssrc === legB.localSsrc('audio')));
    assert.equal(packets[0]?.h.marker, true);
    assert.equal(new Set(packets.map((p) => p.h.timestamp)).size, 1);
    assert.deepEqual(
      packets.map((p) => (p.e.ok ? [p.e.value.event, p.e.value.end, p.e.value.duration] : [])),
      [
        [11, false, 0],
        [11, false, 400],
        [11, true, 800],
        [11, true, 800],
        [11, true, 800],
      ],
    );
    const seqs = packets.map((p) => p.h.sequenceNumber);
    assert.deepEqual(
      seqs,
      seqs.map((_, i) => ((seqs[0] ?? 0) + i) & 0xffff),
      'consecutive sequence numbers',
    );
  });

  test('two sendDtmf requests at once go out one after the other, never interleaved (keys pressed quickly)', async () => {
    const b = peers.b as Socket;
    const got = collect(b, 10, 'two generated digits at B'); // 5 packets a digit
    const [one, two] = await Promise.all([bridge.sendDtmf('B', '1', 100, 0), bridge.sendDtmf('B', '2', 100, 0)]);
    assert.deepEqual([one, two], [true, true]);
    const events = (await got).map((p) => {
      const e = parseTelephoneEvent(p, 12, 4);
      return e.ok ? e.value.event : -1;
    });
    assert.deepEqual(events, [1, 1, 1, 1, 1, 2, 2, 2, 2, 2]);
  });

  test("PLI from B reaches A re-addressed to A's stream, with a pictureFastUpdate event; unanswered NACKs are translated", async () => {
    const aVideo = peers.aVideo as Socket;
    const bVideo = peers.bVideo as Socket;
    const videoA = legA.localPort('video') as number;
    const videoB = legB.localPort('video') as number;
    const forwarded = collect(bVideo, 2, 'video at B');
    aVideo.send(rtp(100, 500, 1, 0xcccc), videoA, '127.0.0.1');
    aVideo.send(rtp(100, 501, 2, 0xcccc), videoA, '127.0.0.1');
    const outSeqs = (await forwarded).map((p) => header(p).sequenceNumber);

    let feedback = nextMessage(aVideo);
    bVideo.send(buildPli(0x1234, legB.localSsrc('video')), videoB + 1, '127.0.0.1');
    let parsed = parseRtcp((await feedback).msg);
    assert.deepEqual(parsed.ok && parsed.packets, [
      { type: 'pli', senderSsrc: legA.localSsrc('video'), mediaSsrc: 0xcccc },
    ]);
    assert.deepEqual(fastUpdates, ['A']);

    // A sequence number B was never sent: B's leg cannot answer it, A's peer is asked.
    feedback = nextMessage(aVideo);
    bVideo.send(buildNack(0x1234, legB.localSsrc('video'), [(outSeqs[1] ?? 0) + 100]), videoB + 1, '127.0.0.1');
    parsed = parseRtcp((await feedback).msg);
    assert.deepEqual(parsed.ok && parsed.packets, [
      { type: 'nack', senderSsrc: legA.localSsrc('video'), mediaSsrc: 0xcccc, lost: [601] },
    ]);
  });
});

describe('Bridge answers NACKs from the retransmission buffer (real sockets, two RTP legs, a manual clock)', () => {
  const pool = new PortPool({ address: '127.0.0.1', min: 32200, max: 32299 });
  let now = 1_000_000;
  const clock = { now: () => now };
  let legA: RtpLeg; // the RTP side: its peer is the video source
  let legB: RtpLeg; // the side that NACKs (the browser's, in a call)
  let bridge: Bridge;
  let source: Socket;
  let receiver: Socket;
  const sent = new Map<number, Buffer>(); // what the receiver got, by sequence number

  before(async () => {
    legA = new RtpLeg({ id: 'A', pool, rtcpIntervalMs: 0, clock });
    legB = new RtpLeg({ id: 'B', pool, rtcpIntervalMs: 0, clock });
    source = await udpPeer();
    receiver = await udpPeer();
    for (const [leg, video, peer] of [
      [legA, aVideo, source],
      [legB, bVideoNack, receiver],
    ] as const) {
      await leg.openStream('video');
      leg.setCodecs('video', video);
      const port = portOf(peer);
      leg.setRemote('video', { address: '127.0.0.1', port, rtcpPort: port }, false);
    }
    bridge = new Bridge(legA, legB, { clock });
    bridge.setRoutes({
      aToB: { audio: [], video: buildPayloadTypeMap(aVideo, bVideo) },
      bToA: { audio: [], video: buildPayloadTypeMap(bVideo, aVideo) },
      audioClockRate: 48000,
      dtmfTowardA: undefined,
      dtmfTowardB: undefined,
    });
  });

  after(async () => {
    bridge.close();
    await legA.close();
    await legB.close();
    source.close();
    receiver.close();
  });

  const videoA = () => legA.localPort('video') as number;
  const rtcpB = () => (legB.localPort('video') as number) + 1;
  const nackToB = (lost: number[]) =>
    receiver.send(buildNack(0x5678, legB.localSsrc('video'), lost), rtcpB(), '127.0.0.1');
  const payload = (seq: number) => Buffer.alloc(1000, seq & 0xff);

  /** Video from A's peer (two sources, as after a transfer) reaches B's peer. */
  async function sendVideo(ssrc: number, firstSeq: number, count: number): Promise<number[]> {
    const got = collect(receiver, count, 'video at B');
    for (let i = 0; i < count; i++) {
      source.send(rtp(100, (firstSeq + i) & 0xffff, 3000 * i, ssrc, payload(firstSeq + i)), videoA(), '127.0.0.1');
    }
    const packets = await got;
    for (const p of packets) sent.set(header(p).sequenceNumber, p);
    return packets.map((p) => header(p).sequenceNumber);
  }

  test("B's NACK for a packet it was sent is answered by B's leg with the same packet; A's peer sees no NACK", async () => {
    const first = await sendVideo(0xaaaa, 65530, 10); // wraps around 0
    assert.deepEqual(first, [65530, 65531, 65532, 65533, 65534, 65535, 0, 1, 2, 3]);
    const second = await sendVideo(0xbbbb, 7, 10); // a new source: continues at 4, offset 65533
    assert.equal(second[0], 4);
    const seenByA: Buffer[] = [];
    const onA = (msg: Buffer) => seenByA.push(msg);
    source.on('message', onA);
    try {
      const again = collect(receiver, 3, 'retransmissions at B');
      nackToB([65535, 1, 9]);
      const resent = await again;
      assert.deepEqual(
        resent.map((p) => header(p).sequenceNumber).sort((x, y) => x - y),
        [1, 9, 65535],
      );
      for (const p of resent) assert.deepEqual(p, sent.get(header(p).sequenceNumber), 'byte for byte what was sent');
      assert.ok(resent.every((p) => header(p).ssrc === legB.localSsrc('video')));

      // The same packet at once again is rate-limited (neither resent nor relayed); a packet B was never
      // sent is relayed to A's peer in A's numbering (source 0xbbbb: 44 - 65533 = 47).
      const relayed = nextMessage(source);
      nackToB([9]);
      nackToB([44]);
      const nack = parseRtcp((await relayed).msg);
      assert.deepEqual(nack.ok && nack.packets, [
        { type: 'nack', senderSsrc: legA.localSsrc('video'), mediaSsrc: 0xbbbb, lost: [47] },
      ]);
      assert.equal(seenByA.length, 1, 'the answered NACKs never reached A');
      const stats = legB.stats().streams.find((s) => s.kind === 'video');
      assert.equal(stats?.nackCount, 3);
      assert.equal(stats?.retransmittedPackets, 3);
      assert.equal(stats?.packetsSent, 23);
    } finally {
      source.off('message', onA);
    }
  });

  test('a NACK for a packet older than the buffer keeps (1 s) is relayed to A as before', async () => {
    now += 1500;
    const relayed = nextMessage(source);
    nackToB([5]);
    const nack = parseRtcp((await relayed).msg);
    assert.deepEqual(nack.ok && nack.packets, [
      { type: 'nack', senderSsrc: legA.localSsrc('video'), mediaSsrc: 0xbbbb, lost: [8] },
    ]);
    assert.equal(legB.stats().streams.find((s) => s.kind === 'video')?.retransmittedPackets, 3);
  });

  test('toward a peer that negotiated no NACK nothing is kept: its NACK is relayed to A', async () => {
    legB.setCodecs('video', bVideo);
    const seqs = await sendVideo(0xcccc, 20, 3);
    const relayed = nextMessage(source);
    nackToB([seqs[1] as number]);
    const nack = parseRtcp((await relayed).msg);
    assert.ok(nack.ok && nack.packets[0]?.type === 'nack');
    assert.equal(legB.stats().streams.find((s) => s.kind === 'video')?.retransmittedPackets, 3, 'none more');
  });
});
