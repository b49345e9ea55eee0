import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RetransmissionBuffer } from './retransmission-buffer.js';
import { writeRtpHeader } from './rtp/rtp-header.js';

/** A video-sized RTP packet whose payload says which sequence number it is. */
function packet(seq: number, size = 1200): Buffer {
  const b = Buffer.alloc(size);
  writeRtpHeader(b, { marker: false, payloadType: 96, sequenceNumber: seq, timestamp: seq * 3000, ssrc: 0x1234 });
  b.fill(seq & 0xff, 12);
  b.writeUInt16BE(seq, 12);
  return b;
}

describe('RetransmissionBuffer', () => {
  test('returns the bytes stored for a sequence number, and nothing for one never sent', () => {
    const buf = new RetransmissionBuffer();
    for (let s = 100; s < 110; s++) buf.store(packet(s), s, 0);
    assert.deepEqual(buf.get(105, 10), packet(105));
    assert.equal(buf.get(99, 10), undefined);
    assert.equal(buf.get(110, 10), undefined);
    assert.equal(buf.get(105 + 512, 10), undefined, 'same slot, other sequence number');
    assert.equal(buf.resend(110, 10, 0), 'missing');
  });

  test('stores a copy: the caller may reuse or encrypt its buffer afterwards', () => {
    const buf = new RetransmissionBuffer();
    const p = packet(7);
    buf.store(p, 7, 0);
    p.fill(0);
    assert.deepEqual(buf.get(7, 0), packet(7));
  });

  test('sequence numbers wrap around 65535 → 0', () => {
    const buf = new RetransmissionBuffer();
    for (let i = 0; i < 20; i++) {
      const s = (65530 + i) & 0xffff;
      buf.store(packet(s), s, i);
    }
    for (const s of [65530, 65535, 0, 1, 13]) assert.deepEqual(buf.get(s, 20), packet(s), `seq ${s}`);
    assert.equal(buf.get(14, 20), undefined);
  });

  test('count bound: only the last maxPackets are kept', () => {
    const buf = new RetransmissionBuffer({ maxPackets: 64 });
    for (let s = 0; s < 200; s++) buf.store(packet(s, 100), s, 0);
    assert.equal(buf.get(135, 0), undefined, 'pushed out');
    assert.deepEqual(buf.get(136, 0), packet(136, 100));
    assert.deepEqual(buf.get(199, 0), packet(199, 100));
  });

  test('age bound: a packet older than maxAgeMs is not sent again', () => {
    const buf = new RetransmissionBuffer({ maxAgeMs: 1000 });
    buf.store(packet(1), 1, 5000);
    buf.store(packet(2), 2, 5600);
    assert.ok(buf.get(1, 6000));
    assert.equal(buf.get(1, 6001), undefined);
    assert.equal(buf.resend(1, 6001, 0), 'missing');
    assert.ok(buf.get(2, 6001));
  });

  test('the ring grows while young packets would be overwritten, up to maxBytes; then the oldest go', () => {
    const buf = new RetransmissionBuffer({ initialBytes: 4096, maxBytes: 64 * 1024 });
    // 200 packets of 1200 bytes within 1 s: 240 kB, more than the cap.
    for (let s = 0; s < 200; s++) buf.store(packet(s), s, s * 5);
    assert.ok(buf.byteSize <= 64 * 1024 + 512 * 43, `bounded (${buf.byteSize})`);
    const newest = 199;
    const kept = Math.floor((64 * 1024) / 1200);
    for (let s = newest - kept + 1; s <= newest; s++) assert.deepEqual(buf.get(s, 1000), packet(s), `seq ${s}`);
    assert.equal(buf.get(newest - kept - 1, 1000), undefined, 'overwritten');
  });

  test('a slow stream keeps its small ring: old packets are overwritten instead of growing it', () => {
    const buf = new RetransmissionBuffer({ initialBytes: 16 * 1024, maxAgeMs: 1000 });
    // 10 packets a second for 60 s: 12 kB a second fits in 16 KiB.
    for (let s = 0; s < 600; s++) buf.store(packet(s), s, s * 100);
    assert.equal(buf.byteSize - 512 * 43, 16 * 1024);
    assert.deepEqual(buf.get(599, 59_900), packet(599));
    assert.deepEqual(buf.get(592, 59_900), packet(592));
  });

  test('a packet is sent again at most maxResends times, never twice within minIntervalMs', () => {
    const buf = new RetransmissionBuffer({ maxResends: 2 });
    for (let s = 0; s < 10; s++) buf.store(packet(s), s, 0);
    const first = buf.resend(3, 10, 50);
    assert.deepEqual(first, packet(3));
    assert.equal(buf.resend(3, 40, 50), 'limited', 'within the interval');
    assert.deepEqual(buf.resend(3, 61, 50), packet(3));
    assert.equal(buf.resend(3, 200, 50), 'limited', 'maxResends reached');
    assert.deepEqual(buf.resend(4, 200, 50), packet(4), 'other packets still go');
  });

  test('retransmissions spend a budget of budgetRatio × the bytes stored (no amplification)', () => {
    const buf = new RetransmissionBuffer({ budgetRatio: 0.5 });
    for (let s = 0; s < 10; s++) buf.store(packet(s), s, 0);
    const sent = [...Array(10).keys()].map((s) => buf.resend(s, 1, 0)).filter((r) => r instanceof Buffer);
    assert.equal(sent.length, 5);
    buf.store(packet(10), 10, 2);
    assert.equal(buf.resend(9, 3, 0), 'limited', 'half a packet of budget is not enough');
    buf.store(packet(11), 11, 4);
    assert.ok(buf.resend(9, 5, 0) instanceof Buffer);
  });

  test('the copy handed out for sending is not the stored bytes', () => {
    const buf = new RetransmissionBuffer();
    buf.store(packet(1), 1, 0);
    buf.store(packet(2), 2, 0);
    const r = buf.resend(1, 0, 0);
    assert.ok(r instanceof Buffer);
    r.fill(0);
    assert.deepEqual(buf.get(1, 0), packet(1));
  });
});
