import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LegStats, StreamStats } from '../../media/media-leg.js';
import { MediaCounters } from './media-counters.js';

const stream = (kind: 'audio' | 'video', sent: number, received: number, lost: number): StreamStats => ({
  kind,
  codec: undefined,
  packetsSent: sent,
  bytesSent: sent * 172,
  packetsReceived: received,
  bytesReceived: received * 172,
  packetsLost: lost,
  jitterMs: 0,
  roundTripTimeMs: undefined,
  invalidPackets: 0,
  unexpectedSourcePackets: 0,
});
const stats = (legId: string, ...streams: StreamStats[]): LegStats => ({ legId, streams });

test('MediaCounters: per side, the last report of open legs plus the final one of closed legs', () => {
  const c = new MediaCounters();
  c.track('w1', 'webrtc');
  c.track('r1', 'rtp');
  c.report(stats('w1', stream('audio', 10, 12, 1), stream('video', 5, 6, 0)));
  c.report(stats('r1', stream('audio', 12, 10, 2)));
  c.report(stats('w1', stream('audio', 20, 25, 1), stream('video', 9, 11, 0)));
  assert.deepEqual(c.totals(), {
    webrtc: { sent: 29, received: 36, lost: 1 },
    rtp: { sent: 12, received: 10, lost: 2 },
  });
  c.untrack('w1');
  c.untrack('w1');
  c.track('w2', 'webrtc');
  c.report(stats('w2', stream('audio', 1, 2, 0)));
  c.report(stats('w1', stream('audio', 1000, 1000, 1000)));
  assert.deepEqual(c.totals().webrtc, { sent: 30, received: 38, lost: 1 }, 'a closed leg counts once, and no more');
});

test('MediaCounters: reports of legs it does not track (service numbers, players) are not counted', () => {
  const c = new MediaCounters();
  c.report(stats('other', stream('audio', 5, 5, 5)));
  assert.deepEqual(c.totals(), { webrtc: { sent: 0, received: 0, lost: 0 }, rtp: { sent: 0, received: 0, lost: 0 } });
});

test('MediaCounters: counters never go down, and negative loss (duplicates, RFC 3550 §6.4.1) counts as 0', () => {
  const c = new MediaCounters();
  c.track('r', 'rtp');
  c.report(stats('r', stream('audio', 10, 10, 3)));
  c.report(stats('r', stream('audio', 4, 4, -2)));
  assert.deepEqual(c.totals().rtp, { sent: 10, received: 10, lost: 3 });
});
