// /metrics counts the media of real calls: Chromium (fake microphone) calls a sipp UAS that echoes RTP
// (-rtp_echo) through the real server process; once the browser hears its own audio back and hangs up, the
// packet counters of both legs, per direction, are above zero.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { ANSWER_PCMU_UAS_SCENARIO, withArtifacts } from '../harness/index.js';
import { callUnregisteredInPage } from './sdk-page-scripts.js';
import { startSippCallRig } from './sipp-call-rig.js';

/** On the page's window.call (ESTABLISHED): waits until the browser has received audio (the echo), hangs up. */
const HEAR_ECHO_AND_HANG_UP = `(async () => {
  const P = await import('/sdk/parley.mjs');
  const call = window.call;
  const ended = new Promise((resolve) => call.on(P.CALL_STATUS.FINISH, resolve));
  const received = async () => {
    let n = 0;
    (await call.getStats()).forEach((s) => { if (s.type === 'inbound-rtp') n += s.packetsReceived ?? 0; });
    return n;
  };
  const deadline = Date.now() + 10000;
  let heard = 0;
  while ((heard = await received()) < 50) {
    if (Date.now() > deadline) throw new Error('no echo heard: ' + heard + ' packets');
    await new Promise((r) => requestAnimationFrame(r));
  }
  call.hangup();
  await ended;
  return heard;
})()`;

/** Parses the sample lines of a Prometheus text exposition into `name{labels}` → value. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (m?.[1] && m[2]) out.set(m[1], Number(m[2]));
  }
  return out;
}

test(
  '/metrics: a call makes the media packet counters of both legs, both directions, non-zero',
  { timeout: 60_000 },
  (t) =>
    withArtifacts(t, async (artifacts) => {
      const { sipp, server, browser } = await startSippCallRig(artifacts, {
        scenario: ANSWER_PCMU_UAS_SCENARIO,
        name: 'sipp-echo',
        extraArgs: ['-rtp_echo'],
      });
      const before = samples(await (await fetch(new URL('/metrics', server.url))).text());
      for (const leg of ['webrtc', 'rtp']) {
        assert.equal(before.get(`parley_media_packets_received_total{leg="${leg}"}`), 0, `${leg} received before`);
        assert.equal(before.get(`parley_media_packets_sent_total{leg="${leg}"}`), 0, `${leg} sent before`);
      }
      const statuses = await browser.page.evaluate<string[]>(callUnregisteredInPage(`sip:echo@${sipp.address}`));
      assert.equal(statuses.at(-1), 'ESTABLISHED', JSON.stringify(statuses));
      const heard = await browser.page.evaluate<number>(HEAR_ECHO_AND_HANG_UP);
      assert.ok(heard >= 50, 'the browser heard its audio echoed');
      assert.equal((await sipp.result).exitCode, 0, 'sipp got its BYE');

      const after = samples(await (await fetch(new URL('/metrics', server.url))).text());
      const get = (name: string) => after.get(name) ?? Number.NaN;
      writeFileSync(artifacts.path('metrics-after.txt'), [...after].map(([k, v]) => `${k} ${v}`).join('\n'));
      // Browser → SIP: received on the WebRTC leg, sent on the RTP leg; and the echo back the other way.
      assert.ok(get('parley_media_packets_received_total{leg="webrtc"}') >= 50, 'packets from the browser');
      assert.ok(get('parley_media_packets_sent_total{leg="rtp"}') >= 50, 'packets to the SIP device');
      assert.ok(get('parley_media_packets_received_total{leg="rtp"}') >= 50, 'packets from the SIP device');
      assert.ok(get('parley_media_packets_sent_total{leg="webrtc"}') >= 50, 'packets to the browser');
      assert.ok(get('parley_media_packets_forwarded_total') >= 100);
      for (const leg of ['webrtc', 'rtp']) {
        assert.ok(get(`parley_media_packets_lost_total{leg="${leg}"}`) >= 0, `loss is reported for the ${leg} leg`);
      }
      assert.equal(get('parley_media_sessions'), 0, 'the media session closed with the call');
      assert.equal(get('parley_calls_ended_total{status="FINISH"}'), 1);
    }),
);
