import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  buildBye,
  buildFir,
  buildNack,
  buildPli,
  buildReceiverReport,
  buildSdes,
  buildSenderReport,
  parseRtcp,
} from './rtcp-packet.js';

const block = {
  ssrc: 42,
  fractionLost: 12,
  cumulativeLost: -3,
  highestSequence: 70000,
  jitter: 80,
  lastSr: 0x12345678,
  delaySinceLastSr: 65536,
};

describe('RTCP', () => {
  test('a compound SR + SDES + BYE round-trips', () => {
    const sr = {
      type: 'sr' as const,
      ssrc: 1,
      ntpMsw: 3900000000,
      ntpLsw: 5,
      rtpTimestamp: 160,
      packetCount: 10,
      octetCount: 1600,
      reports: [block],
    };
    const bytes = Buffer.concat([buildSenderReport(sr), buildSdes(1, 'parley@example'), buildBye([1])]);
    const r = parseRtcp(bytes);
    assert.ok(r.ok);
    assert.deepEqual(r.packets, [
      sr,
      { type: 'sdes', chunks: [{ ssrc: 1, cname: 'parley@example' }] },
      { type: 'bye', ssrcs: [1] },
    ]);
  });

  test('RR, PLI, FIR and NACK round-trip', () => {
    const bytes = Buffer.concat([
      buildReceiverReport({ ssrc: 9, reports: [block] }),
      buildPli(9, 77),
      buildFir(9, 77, 3),
      buildNack(9, 77, [100, 101, 116, 117, 65535]),
    ]);
    const r = parseRtcp(bytes);
    assert.ok(r.ok);
    assert.deepEqual(r.packets, [
      { type: 'rr', ssrc: 9, reports: [block] },
      { type: 'pli', senderSsrc: 9, mediaSsrc: 77 },
      { type: 'fir', senderSsrc: 9, entries: [{ ssrc: 77, seq: 3 }] },
      { type: 'nack', senderSsrc: 9, mediaSsrc: 77, lost: [100, 101, 116, 117, 65535] },
    ]);
  });

  test('a length field past the end is an error with a code', () => {
    const b = buildPli(1, 2);
    b.writeUInt16BE(50, 2);
    const r = parseRtcp(b);
    assert.deepEqual(r, { ok: false, code: 'MEDIA_RTCP_BAD_LENGTH' });
  });

  test('never throws on any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (bytes, fix) => {
        if (fix && bytes.length >= 4) {
          bytes[0] = 0x80 | ((bytes[0] ?? 0) & 0x1f);
          bytes[1] = 200 + ((bytes[1] ?? 0) % 7);
        }
        const r = parseRtcp(bytes);
        assert.equal(typeof r.ok, 'boolean');
      }),
      { numRuns: 5000 },
    );
  });
});
