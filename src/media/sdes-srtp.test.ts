import assert from 'node:assert/strict';
import type { Socket } from 'node:dgram';
import { after, describe, test } from 'node:test';
import { PortPool } from './port-pool.js';
import { newRtpHeader, parseRtpHeader, writeRtpHeader } from './rtp/rtp-header.js';
import { RtpLeg } from './rtp-leg.js';
import { findSuite, newCrypto, parseInlineKey, SDES_SUITES, sdesSrtp } from './sdes-srtp.js';
import { nextMessage, portOf, udpPeer, within } from './test-helpers.js';

const [cm, gcm] = SDES_SUITES;

function rtp(seq: number): Buffer {
  const b = Buffer.alloc(12 + 160, 0x55);
  writeRtpHeader(b, { marker: false, payloadType: 0, sequenceNumber: seq, timestamp: seq * 160, ssrc: 4321 });
  return b;
}

describe('RFC 4568 key parameters', () => {
  test('inline key-salt, with a lifetime; MKI and wrong lengths refused', () => {
    assert.ok(cm && gcm);
    const { crypto, keySalt } = newCrypto(1, cm);
    assert.match(crypto.keyParams, /^inline:[A-Za-z0-9+/]{40}$/);
    assert.deepEqual(parseInlineKey(crypto.keyParams, cm), keySalt);
    assert.deepEqual(parseInlineKey(`${crypto.keyParams}|2^20`, cm), keySalt);
    assert.equal(parseInlineKey(`${crypto.keyParams}|2^20|1:4`, cm), undefined);
    assert.equal(parseInlineKey(crypto.keyParams, gcm), undefined, '30 bytes is not a GCM key+salt');
    assert.equal(parseInlineKey('inline:!!', cm), undefined);
    assert.equal(findSuite('F8_128_HMAC_SHA1_80'), undefined);
  });

  for (const suite of SDES_SUITES) {
    test(`${suite.name}: what one side protects the other unprotects; a flipped bit fails authentication`, () => {
      const a = newCrypto(1, suite).keySalt;
      const b = newCrypto(1, suite).keySalt;
      const alice = sdesSrtp(suite, a, b);
      const bob = sdesSrtp(suite, b, a);
      const packet = rtp(1);
      const protectedPacket = alice.protectRtp(Buffer.from(packet));
      assert.ok(protectedPacket);
      assert.notDeepEqual(protectedPacket.subarray(12, 172), packet.subarray(12));
      assert.deepEqual(bob.unprotectRtp(protectedPacket), packet);
      const tampered = Buffer.from(alice.protectRtp(rtp(2)) ?? []);
      tampered[20] = (tampered[20] ?? 0) ^ 1;
      assert.equal(bob.unprotectRtp(tampered), 'SRTP_AUTH_FAILED');
    });
  }
});

describe('RtpLeg with SDES-SRTP', () => {
  const pool = new PortPool({ address: '127.0.0.1', min: 35200, max: 35299 });
  const sockets: Socket[] = [];
  let leg: RtpLeg | undefined;
  after(async () => {
    await leg?.close();
    for (const s of sockets) s.close();
  });

  test('protected packets are delivered in the clear, replies are protected, forgeries are counted', async () => {
    assert.ok(cm);
    const drops: string[] = [];
    let onDrop: ((reason: string) => void) | undefined;
    leg = new RtpLeg({
      id: 'srtp',
      pool,
      rtcpIntervalMs: 0,
      onDropped: (_k, reason) => {
        drops.push(reason);
        onDrop?.(reason);
      },
    });
    const port = await leg.openStream('audio');
    const device = await udpPeer();
    sockets.push(device);
    leg.setRemote('audio', { address: '127.0.0.1', port: portOf(device), rtcpPort: undefined }, false);
    const ours = newCrypto(1, cm).keySalt;
    const theirs = newCrypto(1, cm).keySalt;
    const deviceSrtp = sdesSrtp(cm, theirs, ours);
    // Offered, not yet answered: the device's SRTP cannot be read; it is dropped, never taken for RTP.
    leg.setSrtp('audio', 'pending');
    const early = within(
      new Promise<string>((resolve) => {
        onDrop = resolve;
      }),
      2000,
      'the early packet dropped',
    );
    device.send(deviceSrtp.protectRtp(rtp(4)) ?? Buffer.alloc(0), port, '127.0.0.1');
    assert.equal(await early, 'SRTP before the answer brought its key');
    drops.length = 0;
    leg.setSrtp('audio', sdesSrtp(cm, ours, theirs));

    const got = within(
      new Promise<Buffer>((resolve) => {
        if (leg) leg.onRtp = (_kind, packet) => resolve(Buffer.from(packet));
      }),
      2000,
      'a decrypted packet',
    );
    device.send(
      Buffer.from([0x80, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]),
      port,
      '127.0.0.1',
    );
    device.send(deviceSrtp.protectRtp(rtp(5)) ?? Buffer.alloc(0), port, '127.0.0.1');
    assert.deepEqual(await got, rtp(5));
    assert.deepEqual(drops, ['SRTP packet dropped: SRTP_AUTH_FAILED'], 'the forgery, and it did not latch');

    const reply = nextMessage(device);
    leg.sendRtp('audio', rtp(6));
    const plain = deviceSrtp.unprotectRtp((await reply).msg);
    assert.ok(Buffer.isBuffer(plain));
    const h = newRtpHeader();
    assert.equal(parseRtpHeader(plain, plain.length, h), undefined);
    assert.equal(h.sequenceNumber, 6);
  });
});
