// npm run bench:srtp — CPU per SRTP operation on one 172-byte PCMU packet (12-byte header, 160 bytes of
// payload): Parley's SrtpSession (src/media/srtp), the native packet path's (src/media/native, through
// Node-API, a new Buffer per call) and werift 0.24's SrtpSession in the same run, for
// both protection profiles. One thread, no I/O: what the media path pays for SRTP per relayed packet.
// Each figure is the median of 9 rounds of 20,000 packets (fresh receiving sessions each round, so
// the replay check passes and the rollover counter starts at zero, as on a new call).
//   node --import tsx bench/media/srtp.bench.ts

import { randomBytes } from 'node:crypto';
import { RtpHeader, SrtpSession as WeriftSrtpSession } from 'werift';
import { nativeAddon } from '../../src/media/native/native-addon.js';
import { NativeSrtpSession } from '../../src/media/native/native-srtp-session.js';
import { SRTP_PROFILES } from '../../src/media/srtp/srtp-profile.js';
import { SrtpSession } from '../../src/media/srtp/srtp-session.js';

const addon = nativeAddon();

const ROUNDS = 9;
const PACKETS = 20_000;

function packet(seq: number): Buffer {
  const b = Buffer.alloc(172, 0x55);
  b[0] = 0x80;
  b.writeUInt16BE(seq & 0xffff, 2);
  b.writeUInt32BE((seq * 160) >>> 0, 4);
  b.writeUInt32BE(0x1234, 8);
  return b;
}

/** Median µs of CPU per packet over the rounds; `round()` gives a fresh per-packet function. */
function measure(round: () => (i: number) => void): number {
  const results: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const fn = round();
    const t0 = process.cpuUsage();
    for (let i = 0; i < PACKETS; i++) fn(i);
    const t = process.cpuUsage(t0);
    results.push((t.user + t.system) / PACKETS);
  }
  results.sort((a, b) => a - b);
  return +(results[Math.floor(ROUNDS / 2)] ?? 0).toFixed(2);
}

const rows = [];
for (const profile of SRTP_PROFILES) {
  const a = { key: randomBytes(profile.keyLength), salt: randomBytes(profile.saltLength) };
  const b = { key: randomBytes(profile.keyLength), salt: randomBytes(profile.saltLength) };
  const config = (l: typeof a, r: typeof a) => ({
    keys: { localMasterKey: l.key, localMasterSalt: l.salt, remoteMasterKey: r.key, remoteMasterSalt: r.salt },
    profile: profile.id,
  });
  const sender = new SrtpSession(profile, a, b);
  const incoming = Array.from({ length: PACKETS }, (_, i) => sender.protectRtp(packet(i)) ?? Buffer.alloc(0));
  const plain = Array.from({ length: PACKETS }, (_, i) => packet(i));
  rows.push({
    profile: profile.name,
    'parley unprotect µs': measure(() => {
      const s = new SrtpSession(profile, b, a);
      return (i) => s.unprotectRtp(incoming[i] as Buffer);
    }),
    ...(addon === undefined
      ? {}
      : {
          'native unprotect µs': measure(() => {
            const s = new NativeSrtpSession(addon, profile, b, a);
            return (i) => s.unprotectRtp(incoming[i] as Buffer);
          }),
          'native protect µs': measure(() => {
            const s = new NativeSrtpSession(addon, profile, a, b);
            return (i) => s.protectRtp(plain[i] as Buffer);
          }),
        }),
    'werift decrypt µs': measure(() => {
      const s = new WeriftSrtpSession(config(b, a));
      return (i) => s.decrypt(incoming[i] as Buffer);
    }),
    'parley protect µs': measure(() => {
      const s = new SrtpSession(profile, a, b);
      return (i) => s.protectRtp(plain[i] as Buffer);
    }),
    // werift's sender takes a header object and the payload (what webrtc-leg.ts used to build per packet).
    'werift encrypt µs': measure(() => {
      const s = new WeriftSrtpSession(config(a, b));
      return (i) => {
        const p = plain[i] as Buffer;
        s.encrypt(
          p.subarray(12),
          new RtpHeader({ sequenceNumber: i, timestamp: i * 160, ssrc: 0x1234, payloadType: 0 }),
        );
      };
    }),
  });
}
console.table(rows);
