import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DropReporter } from './drop-reporter.js';

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
