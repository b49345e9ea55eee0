import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Codec, h264Profile, sameCodec } from './codec.js';
import { intersectCodecs } from './codec-intersection.js';
import { answerDirection, holdDirection } from './direction.js';

const codec = (payloadType: number, name: string, clockRate: number, channels = 1, fmtp?: string): Codec => ({
  payloadType,
  name,
  clockRate,
  channels,
  fmtp,
  rtcpFb: [],
});

describe('codec matching', () => {
  test('name is case-insensitive; clock rate and channels must match', () => {
    assert.equal(sameCodec(codec(0, 'PCMU', 8000), codec(0, 'pcmu', 8000)), true);
    assert.equal(sameCodec(codec(110, 'telephone-event', 48000), codec(101, 'telephone-event', 8000)), false);
    assert.equal(sameCodec(codec(111, 'opus', 48000, 2), codec(96, 'opus', 48000, 1)), false);
  });

  test('H.264: packetization-mode must be equal, profile compared, level ignored (RFC 6184 §8.2.2)', () => {
    const h = (pm: string, plid: string) =>
      codec(102, 'H264', 90000, 1, `packetization-mode=${pm};profile-level-id=${plid}`);
    assert.equal(sameCodec(h('1', '42e01f'), h('1', '42c01f')), true, 'both Constrained Baseline');
    assert.equal(sameCodec(h('1', '42e01f'), h('1', '42e029')), true, 'levels differ');
    assert.equal(sameCodec(h('1', '42e01f'), h('0', '42e01f')), false);
    assert.equal(sameCodec(h('1', '42001f'), h('1', '42e01f')), false, 'Baseline is not Constrained Baseline');
    assert.equal(sameCodec(h('1', '4d001f'), h('1', '42e01f')), false);
    assert.equal(h264Profile('640c1f'), 'ConstrainedHigh');
    assert.equal(h264Profile('zzzzzz'), undefined);
    assert.equal(
      sameCodec(codec(96, 'H264', 90000), codec(97, 'H264', 90000, 1, 'packetization-mode=0')),
      true,
      'defaults',
    );
  });
});

describe('intersectCodecs', () => {
  const offered = [codec(111, 'opus', 48000, 2), codec(9, 'G722', 8000), codec(0, 'PCMU', 8000)];
  const local = [codec(0, 'PCMU', 8000), codec(96, 'opus', 48000, 2)];
  test("in the offerer's order by default, each side keeping its payload type", () => {
    assert.deepEqual(
      intersectCodecs(offered, local).map((p) => [p.offered.payloadType, p.local.payloadType]),
      [
        [111, 96],
        [0, 0],
      ],
    );
  });
  test("in the answerer's order when asked", () => {
    assert.deepEqual(
      intersectCodecs(offered, local, 'answerer').map((p) => p.local.name),
      ['PCMU', 'opus'],
    );
  });
});

describe('direction', () => {
  test('RFC 3264 §6.1 answers mirror the offer', () => {
    assert.equal(answerDirection('sendonly'), 'recvonly');
    assert.equal(answerDirection('recvonly'), 'sendonly');
    assert.equal(answerDirection('inactive'), 'inactive');
    assert.equal(answerDirection('sendrecv', 'recvonly'), 'recvonly');
  });
  test('hold offers sendonly, or inactive when we were only receiving (RFC 3264 §8.4)', () => {
    assert.equal(holdDirection('sendrecv'), 'sendonly');
    assert.equal(holdDirection('recvonly'), 'inactive');
  });
});
