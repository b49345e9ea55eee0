// The native SRTP contexts against the TypeScript ones (srtp/srtp-session.ts, itself checked against
// RFC 3711 vectors and werift): every protected packet byte for byte the same, each side reading the
// other's, ROC across a sequence wrap, replays and forgeries dropped with the same reason, and random
// bytes never crashing the addon.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { SRTP_PROFILES } from '../srtp/srtp-profile.js';
import { SrtpSession } from '../srtp/srtp-session.js';
import { nativeAddon } from './native-addon.js';
import { NativeSrtpSession } from './native-srtp-session.js';

const addon = nativeAddon();

function rtp(seq: number, ssrc: number, payloadLength: number, b0 = 0x80, pt = 0): Buffer {
  const p = Buffer.alloc(12 + payloadLength);
  p[0] = b0;
  p[1] = pt;
  p.writeUInt16BE(seq & 0xffff, 2);
  p.writeUInt32BE((seq * 160) >>> 0, 4);
  p.writeUInt32BE(ssrc, 8);
  for (let i = 12; i < p.length; i++) p[i] = (i * 7 + seq) & 0xff;
  return p;
}

function rtcp(ssrc: number, extra: number): Buffer {
  const p = Buffer.alloc(8 + 4 * extra);
  p[0] = 0x80;
  p[1] = 201;
  p.writeUInt16BE(1 + extra, 2);
  p.writeUInt32BE(ssrc, 4);
  return p;
}

describe('NativeSrtpSession', { skip: addon === undefined ? 'native packet path not in use' : false }, () => {
  for (const profile of SRTP_PROFILES) {
    const pair = () => {
      const a = { key: randomBytes(profile.keyLength), salt: randomBytes(profile.saltLength) };
      const b = { key: randomBytes(profile.keyLength), salt: randomBytes(profile.saltLength) };
      if (addon === undefined) throw new Error('unreachable');
      return {
        js: new SrtpSession(profile, a, b),
        native: new NativeSrtpSession(addon, profile, a, b),
        jsPeer: new SrtpSession(profile, b, a),
        nativePeer: new NativeSrtpSession(addon, profile, b, a),
      };
    };

    test(`${profile.name}: protects RTP and RTCP byte for byte as the TypeScript session, across a SEQ wrap`, () => {
      const { js, native, jsPeer, nativePeer } = pair();
      // Payload lengths that are not multiples of the AES block, a CSRC and an extension header.
      for (let i = 0; i < 300; i++) {
        const seq = 65400 + i;
        const b0 = i % 3 === 0 ? 0x81 : i % 3 === 1 ? 0x90 : 0x80;
        let p = rtp(seq, 0x1234abcd, 4 + ((i * 13) % 200), b0);
        if (b0 === 0x90)
          p = Buffer.concat([p.subarray(0, 12), Buffer.from([0xbe, 0xde, 0, 1, 1, 2, 3, 4]), p.subarray(12)]);
        const a = js.protectRtp(p);
        const b = native.protectRtp(p);
        assert.ok(a && b);
        assert.deepEqual(b, a, `packet ${i}`);
        const fromNative = jsPeer.unprotectRtp(b);
        const fromJs = nativePeer.unprotectRtp(a);
        assert.deepEqual(fromNative, p);
        assert.deepEqual(fromJs, p);
        const c = rtcp(0x55667788, i % 5);
        const ca = js.protectRtcp(c);
        const cb = native.protectRtcp(c);
        assert.ok(ca && cb);
        assert.deepEqual(cb, ca, `RTCP ${i}`);
        assert.deepEqual(nativePeer.unprotectRtcp(ca), c);
        assert.deepEqual(jsPeer.unprotectRtcp(cb), c);
      }
    });

    test(`${profile.name}: replays, forgeries and short packets are dropped with the TypeScript reasons`, () => {
      const { native, nativePeer, js, jsPeer } = pair();
      const p = rtp(1, 7, 160);
      const sent = native.protectRtp(p);
      assert.ok(sent);
      js.protectRtp(p);
      assert.deepEqual(nativePeer.unprotectRtp(sent), p);
      assert.equal(nativePeer.unprotectRtp(sent), 'SRTP_REPLAYED');
      const forged = Buffer.from(native.protectRtp(rtp(2, 7, 160)) ?? Buffer.alloc(0));
      forged[20] = (forged[20] ?? 0) ^ 1;
      assert.equal(nativePeer.unprotectRtp(forged), 'SRTP_AUTH_FAILED');
      assert.equal(jsPeer.unprotectRtp(forged), 'SRTP_AUTH_FAILED');
      assert.equal(nativePeer.unprotectRtp(Buffer.alloc(11, 0x80)), 'SRTP_MALFORMED');
      assert.equal(nativePeer.unprotectRtcp(Buffer.alloc(9, 0x80)), 'SRTP_MALFORMED');
      assert.equal(native.protectRtp(Buffer.alloc(11, 0x80)), undefined);
      const c = native.protectRtcp(rtcp(9, 0));
      assert.ok(c);
      assert.ok(Buffer.isBuffer(nativePeer.unprotectRtcp(c)));
      assert.equal(nativePeer.unprotectRtcp(c), 'SRTP_REPLAYED');
    });

    test(`${profile.name}: random bytes are dropped, never thrown`, () => {
      const { nativePeer, native } = pair();
      fc.assert(
        fc.property(fc.uint8Array({ minLength: 0, maxLength: 1600 }), (bytes) => {
          const b = Buffer.from(bytes);
          for (const r of [nativePeer.unprotectRtp(b), nativePeer.unprotectRtcp(b)]) {
            assert.ok(typeof r === 'string' || Buffer.isBuffer(r));
          }
          const out = native.protectRtp(b);
          assert.ok(out === undefined || out.length === b.length + profile.tagLength);
        }),
        { numRuns: 2000 },
      );
    });
  }
});
