// The service numbers with Parley's own SIP UA as the caller and a UDP socket as its RTP endpoint, on
// loopback: 601 plays 440 Hz and speaks back digits (RFC 4733 and INFO), 600 returns what it is sent,
// unknown numbers get 404 and an offer without G.711 gets 488 from 601.
import assert from 'node:assert/strict';
import type { Socket } from 'node:dgram';
import { after, before, describe, test } from 'node:test';
import { decodeG711, goertzelPower, InProcessMediaPlane, toneRatio } from '../media/index.js';
import { newRtpHeader, parseRtpHeader, writeRtpHeader } from '../media/rtp/rtp-header.js';
import { writeTelephoneEvent } from '../media/rtp/telephone-event.js';
import { portOf, udpPeer, within } from '../media/test-helpers.js';
import { parseSessionDescription } from '../sdp/index.js';
import { type Session, type SipStack, startSipStack } from '../sip/index.js';
import { type ServiceNumbers, startServiceNumbers } from './service-numbers.js';

const offer = (
  port: number,
  media = 'm=audio PORT RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n',
) =>
  Buffer.from(
    `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n${media.replaceAll('PORT', String(port))}`,
  );

/** Decoded PCMU samples arriving on a socket, until `samples` of them. */
function listen(s: Socket, samples: number): Promise<Int16Array> {
  const out: number[] = [];
  return within(
    new Promise((resolve) => {
      const h = newRtpHeader();
      const on = (msg: Buffer) => {
        if (parseRtpHeader(msg, msg.length, h) !== undefined || h.payloadType !== 0) return;
        out.push(...decodeG711('PCMU', msg.subarray(h.payloadOffset, h.payloadOffset + h.payloadLength)));
        if (out.length >= samples) {
          s.off('message', on);
          resolve(Int16Array.from(out));
        }
      };
      s.on('message', on);
    }),
    5000,
    `${samples} samples`,
  );
}

/** Resolves with the first 100 ms block where both frequencies dominate; rejects at the deadline. */
function hearDualTone(s: Socket, low: number, high: number): Promise<void> {
  return within(
    new Promise((resolve) => {
      const h = newRtpHeader();
      let block: number[] = [];
      const on = (msg: Buffer) => {
        if (parseRtpHeader(msg, msg.length, h) !== undefined || h.payloadType !== 0) return;
        block.push(...decodeG711('PCMU', msg.subarray(h.payloadOffset, h.payloadOffset + h.payloadLength)));
        if (block.length < 800) return;
        const tone = goertzelPower(block, 8000, 440);
        if (goertzelPower(block, 8000, low) > 10 * tone && goertzelPower(block, 8000, high) > 10 * tone) {
          s.off('message', on);
          resolve();
        }
        block = [];
      };
      s.on('message', on);
    }),
    5000,
    `${low} + ${high} Hz`,
  );
}

describe('service numbers', () => {
  const plane = new InProcessMediaPlane({ rtpAddress: '127.0.0.1', rtpPortMin: 36500, rtpPortMax: 36599 });
  let services: ServiceNumbers;
  let caller: SipStack;
  const sockets: Socket[] = [];
  before(async () => {
    services = await startServiceNumbers({ media: plane });
    caller = await startSipStack({
      listen: [{ transport: 'UDP', host: '127.0.0.1', port: 0 }],
      user: 'caller',
      domain: '127.0.0.1',
    });
  });
  after(async () => {
    await caller.close();
    await services.close();
    await services.close();
    await plane.close();
    for (const s of sockets) s.close();
  });

  async function call(number: string, body: Buffer): Promise<{ session: Session; answer: Buffer }> {
    const client = caller.ua.invite(services.uri(number), body);
    return within(
      new Promise((resolve, reject) => {
        client.once('accepted', (session, res) => resolve({ session, answer: res.body }));
        client.once('failed', (f) => reject(Object.assign(new Error(f.reason), { status: f.status })));
      }),
      5000,
      `the answer of ${number}`,
    );
  }

  test('601 plays 440 Hz, then the dual tone of a digit sent as RFC 4733 and of one sent by INFO', async () => {
    const rtp = await udpPeer();
    sockets.push(rtp);
    const { session, answer } = await call('601', offer(portOf(rtp)));
    const sdp = parseSessionDescription(answer.toString());
    assert.ok(sdp.ok);
    assert.deepEqual(
      sdp.value.media[0]?.codecs.map((c) => c.name),
      ['PCMU', 'telephone-event'],
    );
    const pcm = await listen(rtp, 8000);
    assert.ok(toneRatio(pcm.subarray(800), 8000, 440) > 0.9, 'a 440 Hz tone');
    const port = sdp.value.media[0]?.port ?? 0;
    const heard5 = hearDualTone(rtp, 770, 1336);
    const ev = Buffer.alloc(16);
    writeRtpHeader(ev, { marker: true, payloadType: 101, sequenceNumber: 1, timestamp: 800, ssrc: 42 });
    writeTelephoneEvent(ev, 12, { event: 5, end: true, volume: 10, duration: 800 });
    rtp.send(ev, port, '127.0.0.1');
    await heard5;
    const heard9 = hearDualTone(rtp, 852, 1477);
    const info = await session.sendDtmf({ tone: '9', duration: 160 });
    assert.equal(info.status, 200);
    await heard9;
    assert.equal(services.activeCalls, 1);
    await session.bye();
  });

  test('600 answers with the offered codecs and returns the packets it receives', async () => {
    const rtp = await udpPeer();
    sockets.push(rtp);
    const { session, answer } = await call(
      '600',
      offer(portOf(rtp), 'm=audio PORT RTP/AVP 111\r\na=rtpmap:111 opus/48000/2\r\n'),
    );
    const sdp = parseSessionDescription(answer.toString());
    assert.ok(sdp.ok);
    assert.deepEqual(
      sdp.value.media[0]?.codecs.map((c) => `${c.payloadType} ${c.name}`),
      ['111 opus'],
    );
    const back = within(new Promise<Buffer>((resolve) => rtp.once('message', resolve)), 3000, 'the echo');
    const pkt = Buffer.alloc(20);
    writeRtpHeader(pkt, { marker: false, payloadType: 111, sequenceNumber: 5, timestamp: 960, ssrc: 42 });
    pkt.write('opusdata', 12);
    rtp.send(pkt, sdp.value.media[0]?.port ?? 0, '127.0.0.1');
    const echoed = await back;
    assert.equal(echoed.subarray(12).toString(), 'opusdata');
    await session.bye();
  });

  test('an unknown number gets 404; 601 without G.711 in the offer gets 488', async () => {
    await assert.rejects(call('699', offer(5000)), { status: 404 });
    await assert.rejects(call('601', offer(5000, 'm=audio PORT RTP/AVP 111\r\na=rtpmap:111 opus/48000/2\r\n')), {
      status: 488,
    });
  });
});
