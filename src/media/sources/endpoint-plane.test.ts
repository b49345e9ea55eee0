// The media plane's server-side endpoints against plain UDP peers on loopback: a player leg offers G.711 and
// sends paced RTP, an echo leg answers with the offer's codecs and returns what it gets, and a sound is
// injected into a bridged call toward one side.
import assert from 'node:assert/strict';
import type { Socket } from 'node:dgram';
import { after, describe, test } from 'node:test';
import { parseSessionDescription } from '../../sdp/index.js';
import { InProcessMediaPlane } from '../in-process-media-plane.js';
import type { MediaPlaneEvents } from '../media-plane.js';
import { buildPli } from '../rtp/rtcp-packet.js';
import { newRtpHeader, parseRtpHeader, type RtpHeader, writeRtpHeader } from '../rtp/rtp-header.js';
import { parseTelephoneEvent, writeTelephoneEvent } from '../rtp/telephone-event.js';
import { portOf, udpPeer, within } from '../test-helpers.js';
import { decodeG711 } from './g711.js';
import { toneRatio } from './goertzel.js';
import { writeWav } from './wav.js';

function parse(text: string) {
  const r = parseSessionDescription(text);
  if (!r.ok) throw r.error;
  return r.value;
}

const sdp = (port: number, media: string) =>
  `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n${media.replaceAll('PORT', String(port))}`;

/** Collects RTP packets arriving on a socket until `count`. */
function collect(s: Socket, count: number, ms = 3000): Promise<{ h: RtpHeader; payload: Buffer }[]> {
  const out: { h: RtpHeader; payload: Buffer }[] = [];
  return within(
    new Promise((resolve) => {
      const on = (msg: Buffer) => {
        const h = newRtpHeader();
        if (parseRtpHeader(msg, msg.length, h) !== undefined) return;
        out.push({ h, payload: msg.subarray(h.payloadOffset, h.payloadOffset + h.payloadLength) });
        if (out.length === count) {
          s.off('message', on);
          resolve(out);
        }
      };
      s.on('message', on);
    }),
    ms,
    `${count} RTP packets`,
  );
}

function parseTelephoneEventOk(payload: Buffer) {
  const e = parseTelephoneEvent(payload, 0, payload.length);
  assert.ok(e.ok);
  return e.value;
}

function rtp(pt: number, seq: number, ts: number, payload: Buffer, ssrc = 0x1234): Buffer {
  const b = Buffer.alloc(12 + payload.length);
  writeRtpHeader(b, { marker: false, payloadType: pt, sequenceNumber: seq, timestamp: ts, ssrc });
  payload.copy(b, 12);
  return b;
}

function once<K extends keyof MediaPlaneEvents>(plane: InProcessMediaPlane, event: K): Promise<MediaPlaneEvents[K]> {
  return within(
    new Promise((resolve) => {
      const l = (e: MediaPlaneEvents[K]) => {
        plane.off(event, l);
        resolve(e);
      };
      plane.on(event, l);
    }),
    3000,
    event,
  );
}

describe('endpoint legs (server-side media)', () => {
  const plane = new InProcessMediaPlane({ rtpAddress: '127.0.0.1', rtpPortMin: 36400, rtpPortMax: 36499 });
  const sockets: Socket[] = [];
  after(async () => {
    for (const s of sockets) s.close();
    await plane.close();
  });
  const peer = async () => {
    const s = await udpPeer();
    sockets.push(s);
    return s;
  };

  test('a player leg offers PCMU, PCMA and telephone-event, and plays a 440 Hz tone in PCMA paced at 20 ms', async () => {
    const leg = await plane.createRtpLeg({ endpoint: 'player' });
    const offer = parse(await plane.createOffer(leg));
    assert.deepEqual(
      offer.media[0]?.codecs.map((c) => `${c.payloadType} ${c.name}/${c.clockRate}`),
      ['0 PCMU/8000', '8 PCMA/8000', '101 telephone-event/8000'],
    );
    assert.equal(offer.media.length, 1);
    const s = await peer();
    await plane.applyAnswer(
      leg,
      sdp(portOf(s), 'm=audio PORT RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\n'),
    );
    const started = performance.now();
    await plane.play(leg, { type: 'tone', frequencyHz: 440 }, { loop: true });
    const packets = await collect(s, 25);
    const elapsed = performance.now() - started;
    assert.ok(elapsed > 400, `25 packets took ${elapsed} ms, so they are paced`);
    assert.ok(packets.every((p) => p.h.payloadType === 8 && p.payload.length === 160));
    assert.ok(packets[0]?.h.marker);
    packets.slice(1).forEach((p, i) => {
      const prev = packets[i];
      assert.equal(p.h.sequenceNumber, ((prev?.h.sequenceNumber ?? 0) + 1) & 0xffff);
      // A frame every 160 samples; after a stall of 5 frames or more (a loaded machine), the player skips
      // ahead: a gap of whole frames, marked as a new talkspurt (rtp-player.ts).
      const advance = (p.h.timestamp - (prev?.h.timestamp ?? 0)) >>> 0;
      if (advance !== 160) assert.ok(p.h.marker && advance % 160 === 0 && advance >= 960, `advance ${advance}`);
      assert.equal(p.h.ssrc, prev?.h.ssrc);
    });
    const pcm = Int16Array.from(packets.flatMap((p) => [...decodeG711('PCMA', p.payload)]));
    assert.ok(toneRatio(pcm, 8000, 440) > 0.9);
    // The next sound continues the same stream: a receiver's jitter buffer must not see it restart.
    const last = packets[packets.length - 1]?.h;
    const next = collect(s, 3);
    await plane.play(leg, { type: 'silence' });
    const [first, ...rest] = (await next).filter((p) => p.payload.every((b) => b === 0xd5));
    assert.ok(first && last);
    assert.equal(first.h.ssrc, last.ssrc);
    assert.ok(first.h.marker, 'a new talkspurt');
    assert.ok(((first.h.sequenceNumber - last.sequenceNumber) & 0xffff) < 5);
    const advance = (first.h.timestamp - last.timestamp) >>> 0;
    assert.ok(advance >= 160 && advance < 8000, `timestamp advance ${advance}`);
    assert.ok(rest.every((p) => !p.h.marker));
    await plane.stopPlaying(leg);
    await plane.stopPlaying(leg);
    await plane.closeLeg(leg);
  });

  test('a WAV played once ends with playEnded; RFC 4733 digits received are reported', async () => {
    const leg = await plane.createRtpLeg({ endpoint: 'player' });
    const s = await peer();
    await plane.applyOffer(
      leg,
      sdp(
        portOf(s),
        'm=audio PORT RTP/AVP 9 0 101\r\na=rtpmap:9 G722/8000\r\na=rtpmap:101 telephone-event/8000\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\n',
      ),
    );
    const answer = parse(await plane.createAnswer(leg));
    assert.deepEqual(
      answer.media[0]?.codecs.map((c) => c.name),
      ['PCMU', 'telephone-event'],
    );
    assert.equal(answer.media[1]?.port, 0);
    const wav = writeWav(
      Int16Array.from({ length: 4410 }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 1000 * i) / 44100))),
      44100,
    );
    const ended = once(plane, 'playEnded');
    await plane.play(leg, { type: 'wav', data: wav });
    const packets = await collect(s, 5);
    assert.ok(packets.every((p) => p.h.payloadType === 0));
    assert.equal((await ended).legId, leg);
    const dtmf = once(plane, 'dtmf');
    const port = answer.media[0]?.port ?? 0;
    const ev = Buffer.alloc(4);
    writeTelephoneEvent(ev, 0, { event: 5, end: true, volume: 10, duration: 1600 });
    for (let i = 0; i < 3; i++) s.send(rtp(101, 10 + i, 4000, ev), port, '127.0.0.1');
    assert.deepEqual(await dtmf, { legId: leg, digit: '5', durationMs: 200 });
    await plane.closeLeg(leg);
  });

  test('a player refuses an offer without G.711 (488), and bad WAV bytes with a code', async () => {
    const leg = await plane.createRtpLeg({ endpoint: 'player' });
    await plane.applyOffer(leg, sdp(5000, 'm=audio PORT RTP/AVP 111\r\na=rtpmap:111 opus/48000/2\r\n'));
    await assert.rejects(plane.createAnswer(leg), { code: 'MEDIA_NO_COMMON_CODEC', sipStatus: 488 });
    await assert.rejects(plane.play(leg, { type: 'silence' }), { code: 'MEDIA_BAD_STATE' });
    const ok = await plane.createRtpLeg({ endpoint: 'player' });
    await plane.applyOffer(ok, sdp(5000, 'm=audio PORT RTP/AVP 8\r\n'));
    await plane.createAnswer(ok);
    await assert.rejects(plane.play(ok, { type: 'wav', data: new Uint8Array(10) }), { code: 'MEDIA_WAV_NOT_RIFF' });
    await assert.rejects(plane.play(ok, { type: 'tone', frequencyHz: 5000 }), { code: 'MEDIA_BAD_SOURCE' });
    await plane.closeLeg(leg);
    await plane.closeLeg(ok);
  });

  test('a player leg sends RFC 4733 digits in its own stream, the sound giving way; echo and no telephone-event say false', async () => {
    const leg = await plane.createRtpLeg({ endpoint: 'player' });
    await plane.createOffer(leg);
    const s = await peer();
    // The device receives telephone-event as 96 (RFC 3264 §6.1 lets the answer's PT for a sendrecv stream be
    // its own); events go out with that PT.
    await plane.applyAnswer(
      leg,
      sdp(portOf(s), 'm=audio PORT RTP/AVP 0 96\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:96 telephone-event/8000\r\n'),
    );
    await plane.play(leg, { type: 'silence' }, { loop: true });
    const before = await collect(s, 2);
    const packets: { h: RtpHeader; payload: Buffer }[] = [];
    const onMessage = (msg: Buffer) => {
      const h = newRtpHeader();
      if (parseRtpHeader(msg, msg.length, h) === undefined)
        packets.push({ h, payload: msg.subarray(h.payloadOffset, h.payloadOffset + h.payloadLength) });
    };
    s.on('message', onMessage);
    assert.equal(await plane.sendDtmf(leg, '1#', 100), true);
    const afterwards = await collect(s, 2);
    s.off('message', onMessage);
    const events = packets.filter((p) => p.h.payloadType === 96);
    const decoded = events.map((p) => ({ ...parseTelephoneEventOk(p.payload), ts: p.h.timestamp, marker: p.h.marker }));
    const digits = [...new Set(decoded.map((e) => e.event))];
    assert.deepEqual(digits, [1, 11], 'events 1 and # (RFC 4733 §3.2)');
    for (const event of digits) {
      const one = decoded.filter((e) => e.event === event);
      assert.equal(new Set(one.map((e) => e.ts)).size, 1, 'one start timestamp per event');
      assert.equal(one[0]?.marker, true, 'the first packet of an event has the marker bit');
      const ends = one.filter((e) => e.end);
      assert.equal(ends.length, 3, 'the end packet three times');
      assert.ok(
        ends.every((e) => e.duration === 800),
        '100 ms at 8000 Hz',
      );
      const durations = one.filter((e) => !e.end).map((e) => e.duration);
      assert.deepEqual(
        durations,
        [...durations].sort((a, b) => a - b),
      );
    }
    // One stream: the same SSRC, consecutive sequence numbers through sound and events.
    const all = [...before, ...packets, ...afterwards];
    assert.ok(all.every((p) => p.h.ssrc === before[0]?.h.ssrc));
    const seqs = [...new Set(all.map((p) => p.h.sequenceNumber))];
    assert.ok(
      seqs.slice(1).every((q, i) => q === (((seqs[i] ?? 0) + 1) & 0xffff)),
      'no sequence gap',
    );
    // The sound gave way while an event was on: no PCMU frame between an event's first and end packets.
    const firstOf1 = packets.findIndex((p) => p.h.payloadType === 96);
    const endOf1 = packets.findIndex((p) => p.h.payloadType === 96 && (p.payload[1] ?? 0) & 0x80);
    assert.ok(packets.slice(firstOf1, endOf1).every((p) => p.h.payloadType === 96));
    await plane.closeLeg(leg);

    const plain = await plane.createRtpLeg({ endpoint: 'player' });
    await plane.applyOffer(plain, sdp(portOf(s), 'm=audio PORT RTP/AVP 0\r\n'));
    await plane.createAnswer(plain);
    assert.equal(await plane.sendDtmf(plain, '1'), false, 'no telephone-event negotiated');
    await plane.closeLeg(plain);
    const echo = await plane.createRtpLeg({ endpoint: 'echo' });
    await plane.applyOffer(echo, sdp(portOf(s), 'm=audio PORT RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n'));
    await plane.createAnswer(echo);
    assert.equal(await plane.sendDtmf(echo, '1'), false, 'an echo sends only what it receives');
    await plane.closeLeg(echo);
  });

  test('an echo leg answers with the offered codecs and returns audio and video with its own SSRC', async () => {
    const leg = await plane.createRtpLeg({ endpoint: 'echo' });
    const a = await peer();
    const v = await peer();
    await plane.applyOffer(
      leg,
      sdp(portOf(a), 'm=audio PORT RTP/AVP 111 0\r\na=rtpmap:111 opus/48000/2\r\n').replace(
        /$/,
        `m=video ${portOf(v)} RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\na=rtcp:${portOf(v)}\r\n`,
      ),
    );
    const answer = parse(await plane.createAnswer(leg));
    assert.deepEqual(
      answer.media.map((m) => m.codecs.map((c) => `${c.payloadType} ${c.name}`)),
      [['111 opus', '0 PCMU'], ['96 VP8']],
    );
    const back = collect(a, 1);
    const backVideo = collect(v, 1);
    a.send(rtp(111, 7, 960, Buffer.from('opus-frame')), answer.media[0]?.port ?? 0, '127.0.0.1');
    v.send(rtp(96, 9, 3000, Buffer.from('vp8-frame')), answer.media[1]?.port ?? 0, '127.0.0.1');
    const [audio] = await back;
    const [video] = await backVideo;
    assert.deepEqual(
      [audio?.h.payloadType, audio?.h.sequenceNumber, audio?.payload.toString()],
      [111, 7, 'opus-frame'],
    );
    assert.notEqual(audio?.h.ssrc, 0x1234);
    assert.deepEqual([video?.h.payloadType, video?.payload.toString()], [96, 'vp8-frame']);
    // A keyframe request for the echoed video goes back to the caller, for the caller's own stream.
    const pliBack = within(
      new Promise<Buffer>((resolve) => v.on('message', (m: Buffer) => (m[1] === 206 ? resolve(m) : undefined))),
      3000,
      'a PLI',
    );
    v.send(buildPli(0x1234, video?.h.ssrc ?? 0), (answer.media[1]?.port ?? 0) + 1, '127.0.0.1');
    const pli = await pliBack;
    assert.equal(pli.readUInt32BE(8), 0x1234, 'media SSRC: the caller’s stream');
    await assert.rejects(plane.createOffer(leg), { code: 'MEDIA_BAD_STATE' });
    await plane.closeLeg(leg);
  });

  test('a sound injected toward one side of a bridged call replaces the other side there, in the same stream', async () => {
    const left = await plane.createRtpLeg();
    const right = await plane.createRtpLeg();
    await plane.connect(left, right);
    const l = await peer();
    const r = await peer();
    const pcmu = 'm=audio PORT RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n';
    await plane.applyOffer(left, sdp(portOf(l), pcmu));
    const toRight = parse(await plane.createOffer(right));
    await plane.applyAnswer(right, sdp(portOf(r), pcmu));
    const toLeft = parse(await plane.createAnswer(left));
    // The right side talks: its packets reach the left with silence-coded payloads (0xff).
    const rightPort = toRight.media[0]?.port ?? 0;
    let seq = 100;
    const talk = setInterval(
      () => r.send(rtp(0, seq++, seq * 160, Buffer.alloc(160, 0xff), 0x777), rightPort, '127.0.0.1'),
      20,
    );
    try {
      const before = await collect(l, 3);
      assert.ok(before.every((p) => p.payload.every((b) => b === 0xff)));
      await plane.play(left, { type: 'tone', frequencyHz: 1000 }, { loop: true });
      const during = await collect(l, 20);
      const tone = during.filter((p) => !p.payload.every((b) => b === 0xff));
      assert.ok(tone.length >= 19, `${tone.length} tone packets of 20`);
      assert.ok(during.every((p) => p.h.ssrc === before[0]?.h.ssrc));
      const pcm = Int16Array.from(tone.flatMap((p) => [...decodeG711('PCMU', p.payload)]));
      assert.ok(toneRatio(pcm, 8000, 1000) > 0.9);
      const seqs = [...before, ...during].map((p) => p.h.sequenceNumber);
      assert.ok(
        seqs.slice(1).every((s, i) => ((s - (seqs[i] ?? 0)) & 0xffff) >= 1),
        'sequence numbers go on',
      );
      await plane.stopPlaying(left);
      const afterwards = await collect(l, 5);
      assert.ok(afterwards.slice(2).every((p) => p.payload.every((b) => b === 0xff)));
      assert.ok(toLeft.media[0]);
    } finally {
      clearInterval(talk);
    }
    await plane.closeLeg(left);
    await plane.closeLeg(right);
  });
});
