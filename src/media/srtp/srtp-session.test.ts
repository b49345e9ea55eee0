import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { RtpHeader, SrtcpSession as WeriftSrtcp, SrtpSession as WeriftSrtp } from 'werift';
import { deriveSessionKeys } from './key-derivation.js';
import { SRTP_PROFILES, srtpProfileByName } from './srtp-profile.js';
import { estimateRoc, SrtpSession } from './srtp-session.js';

const hex = (s: string) => Buffer.from(s, 'hex');

function rtp(seq: number, ssrc = 0x11223344, payload = Buffer.alloc(160, seq & 0xff), b0 = 0x80): Buffer {
  const h = Buffer.alloc(12);
  h[0] = b0;
  h[1] = 0;
  h.writeUInt16BE(seq & 0xffff, 2);
  h.writeUInt32BE((seq * 160) >>> 0, 4);
  h.writeUInt32BE(ssrc, 8);
  return Buffer.concat([h, payload]);
}

/** A receiver report from `ssrc` with no blocks, plus an SDES CNAME, as one compound packet. */
function rtcp(ssrc = 0x55667788): Buffer {
  const rr = Buffer.from([0x80, 201, 0, 1, 0, 0, 0, 0]);
  rr.writeUInt32BE(ssrc, 4);
  const sdes = Buffer.from([0x81, 202, 0, 3, 0, 0, 0, 0, 1, 3, 0x61, 0x62, 0x63, 0, 0, 0]);
  sdes.writeUInt32BE(ssrc, 4);
  return Buffer.concat([rr, sdes]);
}

function protectRtp(session: SrtpSession, packet: Buffer): Buffer {
  const out = session.protectRtp(packet);
  assert.ok(out, 'protected');
  return out;
}

function protectRtcp(session: SrtpSession, packet: Buffer): Buffer {
  const out = session.protectRtcp(packet);
  assert.ok(out, 'protected');
  return out;
}

function keysFor(profileName: string) {
  const profile = srtpProfileByName(profileName);
  assert.ok(profile);
  const a = { key: randomBytes(profile.keyLength), salt: randomBytes(profile.saltLength) };
  const b = { key: randomBytes(profile.keyLength), salt: randomBytes(profile.saltLength) };
  const weriftConfig = {
    keys: { localMasterKey: b.key, localMasterSalt: b.salt, remoteMasterKey: a.key, remoteMasterSalt: a.salt },
    profile: profile.id,
  };
  return {
    ours: new SrtpSession(profile, a, b),
    peer: new SrtpSession(profile, b, a),
    werift: new WeriftSrtp(weriftConfig),
    weriftRtcp: new WeriftSrtcp(weriftConfig),
  };
}

test('RFC 3711 B.3: session keys derived from the appendix master key', () => {
  const profile = srtpProfileByName('AES_CM_128_HMAC_SHA1_80');
  assert.ok(profile);
  const { srtp } = deriveSessionKeys(
    profile,
    hex('E1F97A0D3E018BE0D64FA32C06DE4139'),
    hex('0EC675AD498AFEEBB6960B3AABE6'),
  );
  assert.equal(srtp.key.toString('hex'), 'c61e7a93744f39ee10734afe3ff7a087');
  assert.equal(srtp.salt.toString('hex'), '30cbbc08863d8c85d49db34a9ae1');
  assert.equal(srtp.auth.toString('hex'), 'cebe321f6ff7716b6fd4ab49af256a156d38baa4');
});

test('RFC 3711 §3.3.1 index estimation around the wrap', () => {
  assert.equal(estimateRoc(0, 100, 101), 0);
  assert.equal(estimateRoc(0, 65535, 0), 1, 'wrap forward');
  assert.equal(estimateRoc(1, 2, 65534), 0, 'a late packet from before the wrap');
  assert.equal(estimateRoc(0, 2, 65534), -1, 'before the stream began');
  assert.equal(estimateRoc(3, 40000, 10), 4);
  assert.equal(estimateRoc(3, 40000, 39000), 3);
});

for (const profile of SRTP_PROFILES) {
  describe(profile.name, () => {
    test('interoperates with werift both ways, RTP and RTCP, across a sequence-number wrap', () => {
      const { ours, werift, weriftRtcp } = keysFor(profile.name);
      for (const seq of [65533, 65534, 65535, 65536, 65537]) {
        const plain = rtp(seq);
        const [decrypted] = [werift.decrypt(protectRtp(ours, plain))];
        assert.deepEqual(decrypted, plain, `ours → werift, seq ${seq}`);
        const fromWerift = werift.encrypt(
          plain.subarray(12),
          new RtpHeader({ sequenceNumber: seq & 0xffff, timestamp: (seq * 160) >>> 0, ssrc: 0x99, payloadType: 0 }),
        );
        const back = ours.unprotectRtp(fromWerift);
        assert.ok(Buffer.isBuffer(back), `werift → ours, seq ${seq}: ${String(back)}`);
        assert.deepEqual(back.subarray(12), plain.subarray(12));
      }
      const report = rtcp();
      assert.deepEqual(weriftRtcp.decrypt(protectRtcp(ours, report)), report, 'SRTCP ours → werift');
      const back = ours.unprotectRtcp(weriftRtcp.encrypt(report));
      assert.deepEqual(back, report, 'SRTCP werift → ours');
    });

    test('CSRCs, a header extension and padding round-trip; only the payload is encrypted', () => {
      const { ours, peer } = keysFor(profile.name);
      const ext = Buffer.from([0xbe, 0xde, 0, 1, 0x10, 0xff, 0, 0]);
      const csrc = Buffer.from([0, 0, 0, 7]);
      const payload = Buffer.concat([Buffer.from('hello'), Buffer.from([0, 0, 3])]);
      const packet = rtp(5, 0xabc, Buffer.concat([csrc, ext, payload]), 0x80 | 0x20 | 0x10 | 1);
      const protectedPacket = protectRtp(ours, packet);
      assert.deepEqual(protectedPacket.subarray(0, 24), packet.subarray(0, 24), 'header, CSRC and extension in clear');
      assert.notDeepEqual(protectedPacket.subarray(24, 32), packet.subarray(24));
      assert.deepEqual(peer.unprotectRtp(protectedPacket), packet);
    });

    test('a replayed, a too-old or a tampered packet is dropped with its reason and moves no state', () => {
      const { ours, peer } = keysFor(profile.name);
      const sent = Array.from({ length: 100 }, (_, i) => protectRtp(ours, rtp(1000 + i)));
      assert.ok(Buffer.isBuffer(peer.unprotectRtp(sent[99] as Buffer)));
      assert.ok(Buffer.isBuffer(peer.unprotectRtp(sent[50] as Buffer)), 'reordered within 64: accepted');
      assert.equal(peer.unprotectRtp(sent[50] as Buffer), 'SRTP_REPLAYED');
      assert.equal(peer.unprotectRtp(sent[99] as Buffer), 'SRTP_REPLAYED');
      assert.equal(peer.unprotectRtp(sent[10] as Buffer), 'SRTP_REPLAYED', 'older than the window');
      const forged = Buffer.from(protectRtp(ours, rtp(20000)));
      forged[forged.length - 1] = (forged[forged.length - 1] ?? 0) ^ 1;
      assert.equal(peer.unprotectRtp(forged), 'SRTP_AUTH_FAILED');
      // The forged high sequence number did not move s_l: the next real packet is still accepted.
      assert.ok(Buffer.isBuffer(peer.unprotectRtp(protectRtp(ours, rtp(1100)))));
      const report = protectRtcp(ours, rtcp());
      assert.ok(Buffer.isBuffer(peer.unprotectRtcp(report)));
      assert.equal(peer.unprotectRtcp(report), 'SRTP_REPLAYED');
      const badRtcp = Buffer.from(protectRtcp(ours, rtcp()));
      badRtcp[9] = (badRtcp[9] ?? 0) ^ 0x40;
      assert.equal(peer.unprotectRtcp(badRtcp), 'SRTP_AUTH_FAILED');
    });

    test('any bytes at all: unprotect returns a packet or a drop reason, never throws, and keeps working', () => {
      const { ours, peer } = keysFor(profile.name);
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, asRtcp) => {
          const b = Buffer.from(bytes);
          const r = asRtcp ? peer.unprotectRtcp(b) : peer.unprotectRtp(b);
          assert.ok(typeof r === 'string' || Buffer.isBuffer(r));
        }),
        { numRuns: 2000 },
      );
      assert.ok(Buffer.isBuffer(peer.unprotectRtp(protectRtp(ours, rtp(7)))), 'garbage did not disturb the session');
    });

    test('truncated packets are malformed, never thrown', () => {
      const { ours, peer } = keysFor(profile.name);
      assert.equal(ours.protectRtp(Buffer.alloc(11, 0x80)), undefined);
      assert.equal(ours.protectRtp(rtp(3, 1, Buffer.from([0xbe, 0xde, 0, 9]), 0x90)), undefined);
      assert.equal(ours.protectRtcp(Buffer.alloc(7, 0x80)), undefined);
      const good = protectRtp(ours, rtp(1));
      for (const n of [0, 5, 11, 12, 12 + profile.tagLength - 1]) {
        assert.ok(
          ['SRTP_MALFORMED', 'SRTP_AUTH_FAILED'].includes(String(peer.unprotectRtp(good.subarray(0, n)))),
          `RTP ${n} bytes`,
        );
      }
      const extOverrun = rtp(2, 1, Buffer.from([0xbe, 0xde, 0xff, 0xff]), 0x90);
      assert.equal(peer.unprotectRtp(Buffer.concat([extOverrun, Buffer.alloc(16)])), 'SRTP_MALFORMED');
      for (const n of [0, 8, 11, 8 + 4 + profile.tagLength - 1]) {
        assert.equal(peer.unprotectRtcp(Buffer.alloc(n, 0x80)), 'SRTP_MALFORMED', `RTCP ${n} bytes`);
      }
    });
  });
}
