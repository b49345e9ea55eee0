import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseRtcp, type RtcpPacket } from './rtp/rtcp-packet.js';
import { writeRtpHeader } from './rtp/rtp-header.js';
import { StreamState } from './stream-state.js';

function rtp(seq: number, timestamp: number, ssrc: number): Buffer {
  const b = Buffer.alloc(300, seq & 0xff);
  writeRtpHeader(b, { marker: false, payloadType: 96, sequenceNumber: seq, timestamp, ssrc });
  return b;
}

const nack = (mediaSsrc: number, lost: number[]): RtcpPacket => ({ type: 'nack', senderSsrc: 1, mediaSsrc, lost });

describe('StreamState: NACKs answered from the packets sent', () => {
  test('a video NACK for our SSRC carries copies of the held packets; only the rest stays in lost', () => {
    const s = new StreamState('video');
    for (let i = 0; i < 10; i++) s.onSent(rtp(100 + i, 9000 * i, s.localSsrc), 1000 + i);
    const [out] = s.onRtcp([nack(s.localSsrc, [103, 104, 200])], 1020);
    assert.ok(out?.type === 'nack');
    assert.deepEqual(out.lost, [200]);
    assert.deepEqual(out.retransmit, [rtp(103, 27000, s.localSsrc), rtp(104, 36000, s.localSsrc)]);
    assert.equal(s.nackCount, 1);
    assert.equal(s.retransmittedPackets, 0, 'counted when actually sent');
  });

  test('a resend is counted as retransmitted and in packetsSent, and does not move the SR timestamp back', () => {
    const s = new StreamState('video');
    for (let i = 0; i < 10; i++) s.onSent(rtp(100 + i, 9000 * i, s.localSsrc), 1000);
    const [out] = s.onRtcp([nack(s.localSsrc, [101])], 1000);
    assert.ok(out?.type === 'nack' && out.retransmit !== undefined);
    for (const p of out.retransmit) s.onSent(p, 1000);
    assert.equal(s.retransmittedPackets, 1);
    assert.equal(s.stats().packetsSent, 11);
    assert.equal(s.stats().retransmittedPackets, 1);
    const report = parseRtcp(s.buildReport(1000, 'x'));
    assert.ok(report.ok && report.packets[0]?.type === 'sr');
    assert.equal(report.packets[0].rtpTimestamp, 81000, 'the last new packet, not the resent one');
  });

  test('a NACK answered entirely is still handed on (to send the packets), with nothing left to relay', () => {
    const s = new StreamState('video');
    s.onSent(rtp(5, 0, s.localSsrc), 0);
    s.onSent(rtp(6, 0, s.localSsrc), 0);
    const [out] = s.onRtcp([nack(s.localSsrc, [5])], 0);
    assert.ok(out?.type === 'nack');
    assert.deepEqual(out.lost, []);
    assert.equal(out.retransmit?.length, 1);
  });

  test('audio keeps nothing; a NACK about another SSRC passes unchanged', () => {
    const audio = new StreamState('audio');
    audio.onSent(rtp(5, 0, audio.localSsrc), 0);
    assert.deepEqual(audio.onRtcp([nack(audio.localSsrc, [5])], 0), [nack(audio.localSsrc, [5])]);
    const video = new StreamState('video');
    video.onSent(rtp(5, 0, video.localSsrc), 0);
    assert.deepEqual(video.onRtcp([nack(0x999, [5])], 0), [nack(0x999, [5])]);
    assert.equal(video.nackCount, 0);
  });
});
