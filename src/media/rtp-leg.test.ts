import assert from 'node:assert/strict';
import type { Socket } from 'node:dgram';
import { after, describe, test } from 'node:test';
import fc from 'fast-check';
import { PortPool } from './port-pool.js';
import { ReceiverStatistics } from './rtp/receiver-statistics.js';
import { buildReceiverReport, parseRtcp } from './rtp/rtcp-packet.js';
import { writeRtpHeader } from './rtp/rtp-header.js';
import { RtpLeg } from './rtp-leg.js';
import { nextMessage, portOf, udpPeer, within } from './test-helpers.js';

const pool = new PortPool({ address: '127.0.0.1', min: 31000, max: 31099 });

function rtp(seq: number, ssrc = 1234, pt = 0): Buffer {
  const b = Buffer.alloc(172);
  writeRtpHeader(b, { marker: false, payloadType: pt, sequenceNumber: seq, timestamp: seq * 160, ssrc });
  return b;
}

describe('PortPool', () => {
  test('gives an even RTP port with RTCP on the next one, and fails with MEDIA_NO_PORT when the range is used up', async () => {
    const small = new PortPool({ address: '127.0.0.1', min: 31101, max: 31105 });
    const a = await small.allocate(false);
    const b = await small.allocate(true);
    try {
      assert.equal(a.port % 2, 0);
      assert.equal(a.rtcp?.address().port, a.port + 1);
      assert.equal(b.rtcp, undefined);
      await assert.rejects(small.allocate(false), { code: 'MEDIA_NO_PORT' });
    } finally {
      small.release(a);
      small.release(b);
    }
    assert.equal(small.inUse, 0);
  });
});

describe('RtpLeg', () => {
  const sockets: Socket[] = [];
  const legs: RtpLeg[] = [];
  after(async () => {
    for (const l of legs) await l.close();
    for (const s of sockets) s.close();
  });

  async function setup(onDropped?: (reason: string, from: string) => void) {
    const leg = new RtpLeg({
      id: 'sip-1',
      pool,
      rtcpIntervalMs: 0,
      ...(onDropped ? { onDropped: (_kind: string, reason: string, from: string) => onDropped(reason, from) } : {}),
    });
    legs.push(leg);
    const port = await leg.openStream('audio');
    leg.setCodecs('audio', [{ payloadType: 0, name: 'PCMU', clockRate: 8000 }]);
    const device = await udpPeer();
    const intruder = await udpPeer();
    sockets.push(device, intruder);
    return { leg, port, device, intruder };
  }

  test('latches to the first source (symmetric RTP), then counts and drops packets from others', async () => {
    let onDrop: (v: { reason: string; from: string }) => void = () => {};
    const dropped = new Promise<{ reason: string; from: string }>((resolve) => {
      onDrop = resolve;
    });
    const { leg, port, device, intruder } = await setup((reason, from) => onDrop({ reason, from }));
    // SDP says the device is at port 9 (behind NAT, unreachable): latching must send back to the real source.
    leg.setRemote('audio', { address: '127.0.0.1', port: 9, rtcpPort: undefined }, false);
    const got = new Promise<number>((resolve) => {
      leg.onRtp = (_kind, _packet, header) => resolve(header.sequenceNumber);
    });
    device.send(rtp(1), port, '127.0.0.1');
    assert.equal(await within(got, 2000, 'RTP at the leg'), 1);
    assert.deepEqual(leg.latchedTo('audio'), { address: '127.0.0.1', port: portOf(device) });

    leg.onRtp = () => assert.fail('a packet from the intruder was delivered');
    intruder.send(rtp(2, 999), port, '127.0.0.1');
    assert.deepEqual(await within(dropped, 2000, 'the drop'), {
      reason: `RTP from an unexpected source (latched to 127.0.0.1:${portOf(device)})`,
      from: `127.0.0.1:${portOf(intruder)}`,
    });
    assert.equal(leg.stats().streams[0]?.unexpectedSourcePackets, 1);

    // Garbage is counted as invalid, never thrown.
    intruder.send(Buffer.from([1, 2, 3]), port, '127.0.0.1');
    const echo = nextMessage(device);
    leg.sendRtp('audio', rtp(10, leg.localSsrc('audio')));
    assert.equal((await echo).msg.readUInt16BE(2), 10, 'replies go to the latched source');
  });

  test('a stray packet that arrives first does not capture the stream: the SDP address takes the latch over', async () => {
    const { leg, port, device, intruder } = await setup();
    leg.setRemote('audio', { address: '127.0.0.1', port: portOf(device), rtcpPort: undefined }, false);
    const nextSeq = () =>
      within(
        new Promise<number>((resolve) => {
          leg.onRtp = (_kind, _packet, header) => resolve(header.sequenceNumber);
        }),
        2000,
        'a packet at the leg',
      );
    let got = nextSeq();
    intruder.send(rtp(1, 999), port, '127.0.0.1');
    assert.equal(await got, 1);
    assert.deepEqual(leg.latchedTo('audio'), { address: '127.0.0.1', port: portOf(intruder) }, 'provisional latch');
    got = nextSeq();
    device.send(rtp(2), port, '127.0.0.1');
    assert.equal(await got, 2);
    assert.deepEqual(leg.latchedTo('audio'), { address: '127.0.0.1', port: portOf(device) }, 'the SDP address wins');
  });

  test('a new remote address from SDP unlatches; RTCP reports give jitter, loss and round-trip time', async () => {
    const { leg, port, device } = await setup();
    leg.setRemote('audio', { address: '127.0.0.1', port: portOf(device), rtcpPort: portOf(device) }, false);
    let received = 0;
    const all = new Promise<void>((resolve) => {
      leg.onRtp = () => {
        if (++received === 3) resolve();
      };
    });
    for (const seq of [1, 2, 4]) device.send(rtp(seq), port, '127.0.0.1');
    await within(all, 2000, 'three RTP packets');
    leg.sendRtp('audio', rtp(1, leg.localSsrc('audio')));
    await nextMessage(device);

    const report = nextMessage(device);
    leg.sendReports();
    const { msg } = await report;
    const parsed = parseRtcp(msg);
    assert.ok(parsed.ok);
    const sr = parsed.packets[0];
    assert.equal(sr?.type, 'sr');
    assert.ok(sr?.type === 'sr');
    assert.equal(sr.packetCount, 1);
    assert.equal(sr.reports[0]?.cumulativeLost, 1, 'seq 3 never came');
    assert.equal(parsed.packets[1]?.type, 'sdes');

    // The device answers with an RR quoting our SR: the leg computes a round-trip time.
    const lsr = ((sr.ntpMsw & 0xffff) << 16) | (sr.ntpLsw >>> 16);
    const rr = buildReceiverReport({
      ssrc: 1234,
      reports: [
        {
          ssrc: leg.localSsrc('audio'),
          fractionLost: 0,
          cumulativeLost: 0,
          highestSequence: 1,
          jitter: 0,
          lastSr: lsr >>> 0,
          delaySinceLastSr: 0,
        },
      ],
    });
    device.send(rr, port + 1, '127.0.0.1');
    await within(
      (async () => {
        while (leg.stats().streams[0]?.roundTripTimeMs === undefined) await new Promise((r) => setImmediate(r));
      })(),
      2000,
      'a round-trip time',
    );
    const stats = leg.stats().streams[0];
    assert.equal(stats?.codec, 'PCMU');
    assert.equal(stats?.packetsReceived, 3);
    assert.equal(stats?.packetsLost, 1);
    assert.ok((stats?.roundTripTimeMs ?? -1) >= 0);

    leg.setRemote('audio', { address: '127.0.0.2', port: 5000, rtcpPort: undefined }, false);
    assert.equal(leg.latchedTo('audio'), undefined);
  });

  test('random datagrams on the RTP and RTCP ports are counted, never thrown, and the stream still works', async () => {
    const { leg, port, device, intruder } = await setup();
    leg.setRemote('audio', { address: '127.0.0.1', port: portOf(device), rtcpPort: undefined }, false);
    const junk = fc.sample(fc.uint8Array({ minLength: 0, maxLength: 300 }), { numRuns: 300, seed: 42 });
    for (const bytes of junk) {
      intruder.send(bytes, port, '127.0.0.1');
      intruder.send(bytes, port + 1, '127.0.0.1');
    }
    const got = within(
      new Promise<number>((resolve) => {
        leg.onRtp = (_kind, _packet, header) => {
          if (header.ssrc === 1234) resolve(header.sequenceNumber);
        };
      }),
      2000,
      'the device packet after the junk',
    );
    // The device streams at 50 packets a second, as a phone does; the junk may have filled the socket's
    // buffer for a moment (the kernel then drops), so the first of its packets to get through is awaited.
    const stream = setInterval(() => device.send(rtp(77), port, '127.0.0.1'), 20);
    try {
      assert.equal(await got, 77);
    } finally {
      clearInterval(stream);
    }
    const stats = leg.stats().streams[0];
    assert.ok((stats?.invalidPackets ?? 0) + (stats?.unexpectedSourcePackets ?? 0) > 0);
  });

  test('a send the kernel refuses (broadcast: EACCES) is counted and reported, RTP and RTCP, never an uncaughtException', async () => {
    const reasons: string[] = [];
    let onReason: () => void = () => {};
    const { leg } = await setup((reason, from) => {
      reasons.push(`${reason} to ${from}`);
      onReason();
    });
    // Without SO_BROADCAST, Linux refuses a datagram to the limited broadcast address with EACCES, reported
    // on the send's callback (else as an 'error' event on the socket).
    leg.setRemote('audio', { address: '255.255.255.255', port: 5004, rtcpPort: undefined }, false);
    const four = within(
      new Promise<void>((resolve) => {
        onReason = () => (reasons.length >= 4 ? resolve() : undefined);
      }),
      2000,
      'four send errors',
    );
    for (let i = 0; i < 3; i++) leg.sendRtp('audio', rtp(i, leg.localSsrc('audio')));
    leg.sendReports();
    await four;
    assert.ok(reasons.includes('socket error (EACCES) to 255.255.255.255:5004'), reasons.join('; '));
    assert.ok(reasons.includes('socket error (EACCES) to 255.255.255.255:5005'), 'the RTCP report too');
    assert.equal(leg.stats().streams[0]?.socketErrors, 4);
    // An IPv6 destination on the udp4 socket fails too, and is counted the same way.
    leg.setRemote('audio', { address: '::1', port: 5004, rtcpPort: undefined }, false);
    const fifth = within(
      new Promise<void>((resolve) => {
        onReason = () => (reasons.length >= 5 ? resolve() : undefined);
      }),
      2000,
      'a fifth send error',
    );
    leg.sendRtp('audio', rtp(9, leg.localSsrc('audio')));
    await fifth;
    assert.equal(leg.stats().streams[0]?.socketErrors, 5);
  });

  test('close() releases the ports and may be called twice', async () => {
    const { leg } = await setup();
    const before = pool.inUse;
    await leg.close();
    await leg.close();
    assert.equal(pool.inUse, before - 1);
  });
});

describe('ReceiverStatistics (RFC 3550 A.1, A.3, A.8)', () => {
  test('counts loss across a sequence wrap and estimates jitter from arrival spread', () => {
    const r = new ReceiverStatistics();
    let t = 0;
    for (const seq of [65533, 65534, 65535, 1, 2]) {
      r.update(7, seq, (seq < 100 ? seq + 65536 : seq) * 160, 160, t, 8000);
      t += seq % 2 === 0 ? 30 : 10;
    }
    assert.equal(r.expected, 6);
    assert.equal(r.lost, 1);
    assert.ok(r.jitter > 0);
    const block = r.reportBlock(t);
    assert.equal(block.highestSequence, 65536 + 2);
    assert.equal(block.fractionLost, Math.floor((1 << 8) / 6));
  });
});
