import assert from 'node:assert/strict';
import type { Socket } from 'node:dgram';
import { after, test } from 'node:test';
import { parseSessionDescription } from '../sdp/index.js';
import { DropReporter } from './drop-reporter.js';
import { InProcessMediaPlane } from './in-process-media-plane.js';
import { writeRtpHeader } from './rtp/rtp-header.js';
import { portOf, udpPeer, within } from './test-helpers.js';

test('the first drop of a kind is reported, the next ones are summarised once per interval', () => {
  let now = 0;
  const lines: string[] = [];
  const r = new DropReporter((leg, reason) => lines.push(`${leg}: ${reason}`), { now: () => now }, 5000);
  for (let i = 0; i < 50; i++) r.report('rtp-1', 'RTP from an unexpected source');
  r.report('rtp-1', 'malformed RTP');
  r.report('rtp-2', 'malformed RTP');
  assert.deepEqual(lines, ['rtp-1: RTP from an unexpected source', 'rtp-1: malformed RTP', 'rtp-2: malformed RTP']);
  now = 5000;
  r.report('rtp-1', 'RTP from an unexpected source');
  assert.equal(lines[3], 'rtp-1: RTP from an unexpected source (and 49 more since the last report)');
  r.forgetLeg('rtp-1');
  r.report('rtp-1', 'malformed RTP');
  assert.equal(lines[4], 'rtp-1: malformed RTP');
});

test('drops from many sources (random, spoofed) are one line per leg and reason, with a sample source', () => {
  let now = 0;
  const lines: string[] = [];
  const r = new DropReporter((leg, reason) => lines.push(`${leg}: ${reason}`), { now: () => now }, 5000);
  for (let i = 0; i < 1000; i++) r.report('rtp-1', 'malformed RTP', `198.51.100.${i % 250}:${10000 + i}`);
  assert.deepEqual(lines, ['rtp-1: malformed RTP from 198.51.100.0:10000']);
  now = 5000;
  r.report('rtp-1', 'malformed RTP', '203.0.113.9:4000');
  assert.equal(
    lines[1],
    'rtp-1: malformed RTP from 203.0.113.9:4000 (and 999 more since the last report, e.g. from 198.51.100.249:10999)',
  );
});

const sockets: Socket[] = [];
const lines: string[] = [];
const plane = new InProcessMediaPlane({
  rtpAddress: '127.0.0.1',
  rtpPortMin: 36700,
  rtpPortMax: 36799,
  onDropped: (legId, reason) => lines.push(`${legId}: ${reason}`),
});
after(async () => {
  for (const s of sockets) s.close();
  await plane.close();
});

test('a latched RTP leg hit from 8 other sockets logs one line, not one per packet or per source', async () => {
  const leg = await plane.createRtpLeg({ endpoint: 'player' });
  const device = await udpPeer();
  sockets.push(device);
  await plane.applyOffer(
    leg,
    `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${portOf(device)} RTP/AVP 0\r\n`,
  );
  const answer = parseSessionDescription(await plane.createAnswer(leg));
  assert.ok(answer.ok);
  const port = answer.value.media[0]?.port ?? 0;
  const packet = Buffer.alloc(172);
  writeRtpHeader(packet, { marker: false, payloadType: 0, sequenceNumber: 1, timestamp: 160, ssrc: 7 });
  device.send(packet, port, '127.0.0.1');
  const stats = async () => (await plane.getStats(leg)).streams[0];
  const until = (what: string, done: (s: Awaited<ReturnType<typeof stats>>) => boolean) =>
    within(
      (async () => {
        while (!done(await stats())) await new Promise((r) => setImmediate(r));
      })(),
      2000,
      what,
    );
  await until('the latching packet', (s) => s?.packetsReceived === 1);
  for (let i = 0; i < 8; i++) {
    const intruder = await udpPeer();
    sockets.push(intruder);
    for (let n = 0; n < 3; n++) intruder.send(packet, port, '127.0.0.1');
  }
  await until('24 dropped packets', (s) => s?.unexpectedSourcePackets === 24);
  const drops = lines.filter((l) => l.startsWith(`${leg}: RTP from an unexpected source`));
  assert.equal(drops.length, 1, drops.join('\n'));
  assert.match(drops[0] ?? '', /latched to 127\.0\.0\.1:\d+\) from 127\.0\.0\.1:\d+$/);
  await plane.closeLeg(leg);
});
