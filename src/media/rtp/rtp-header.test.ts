import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  isRtcp,
  newRtpHeader,
  parseRtpHeader,
  setPayloadType,
  setSequenceNumber,
  setSsrc,
  setTimestamp,
  writeRtpHeader,
} from './rtp-header.js';

function packet(extra: number[] = [], payload = [1, 2, 3]): Buffer {
  const b = Buffer.alloc(12 + extra.length + payload.length);
  writeRtpHeader(b, { marker: true, payloadType: 111, sequenceNumber: 65535, timestamp: 0xfffffff0, ssrc: 0xdeadbeef });
  Buffer.from(extra).copy(b, 12);
  Buffer.from(payload).copy(b, 12 + extra.length);
  return b;
}

describe('RTP header', () => {
  test('reads the fixed header and finds the payload', () => {
    const h = newRtpHeader();
    const b = packet();
    assert.equal(parseRtpHeader(b, b.length, h), undefined);
    assert.deepEqual(h, {
      marker: true,
      payloadType: 111,
      sequenceNumber: 65535,
      timestamp: 0xfffffff0,
      ssrc: 0xdeadbeef,
      payloadOffset: 12,
      payloadLength: 3,
    });
  });

  test('skips CSRCs and a one-byte header extension, strips padding', () => {
    const b = packet([0xbe, 0xde, 0, 1, 0x10, 0xff, 0, 0], [9, 9, 0, 0, 3]);
    b[0] = 0x80 | 0x10 | 0x20; // X and P
    const h = newRtpHeader();
    assert.equal(parseRtpHeader(b, b.length, h), undefined);
    assert.equal(h.payloadOffset, 20);
    assert.equal(h.payloadLength, 2);
    const c = packet([0, 0, 0, 1], [7]);
    c[0] = 0x81; // one CSRC
    assert.equal(parseRtpHeader(c, c.length, h), undefined);
    assert.equal(h.payloadOffset, 16);
  });

  test('rewrites PT (keeping the marker), seq, timestamp and SSRC in place', () => {
    const b = packet();
    setPayloadType(b, 0);
    setSequenceNumber(b, 7);
    setTimestamp(b, 2 ** 32 + 5);
    setSsrc(b, 1);
    const h = newRtpHeader();
    parseRtpHeader(b, b.length, h);
    assert.deepEqual([h.marker, h.payloadType, h.sequenceNumber, h.timestamp, h.ssrc], [true, 0, 7, 5, 1]);
  });

  test('rejects short, wrong-version and overlong-extension packets with codes', () => {
    const h = newRtpHeader();
    assert.equal(parseRtpHeader(Buffer.alloc(4), 4, h), 'MEDIA_RTP_TOO_SHORT');
    const v1 = packet();
    v1[0] = 0x40;
    assert.equal(parseRtpHeader(v1, v1.length, h), 'MEDIA_RTP_BAD_VERSION');
    const x = packet([0xbe, 0xde, 0xff, 0xff]);
    x[0] = 0x90;
    assert.equal(parseRtpHeader(x, x.length, h), 'MEDIA_RTP_BAD_LENGTH');
  });

  test('RFC 5761 demultiplexing: 200..206 are RTCP, PT 0..127 with or without marker are RTP', () => {
    assert.equal(isRtcp(Buffer.from([0x80, 200])), true);
    assert.equal(isRtcp(Buffer.from([0x80, 206])), true);
    assert.equal(isRtcp(Buffer.from([0x80, 0x80 | 111])), false);
    assert.equal(isRtcp(Buffer.from([0x80, 0])), false);
  });

  test('never throws on any bytes, and what it accepts lies inside the buffer', () => {
    const h = newRtpHeader();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        const code = parseRtpHeader(bytes, bytes.length, h);
        if (code === undefined) assert.ok(h.payloadOffset + h.payloadLength <= bytes.length && h.payloadLength >= 0);
      }),
      { numRuns: 5000 },
    );
  });
});
