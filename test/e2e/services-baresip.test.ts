// Service numbers (issue 7) with a real softphone: baresip registers at the embedded registrar, whose proxy
// routes 600/601 to the service numbers' UA (the composition the server makes with routeUsersTo), and the
// media comes from Parley's media plane. 600 returns baresip's own tone; 601 plays 440 Hz and, after baresip
// sends DTMF "5" (RFC 4733), the 5's dual tone (770 + 1336 Hz).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InProcessMediaPlane } from '../../src/media/index.js';
import { routeUsersTo } from '../../src/registrar/index.js';
import { startServiceNumbers } from '../../src/services/index.js';
import {
  type Artifacts,
  Baresip,
  BaresipEvents,
  detectTone,
  freeUdpRange,
  goertzelPower,
  readWav,
  withArtifacts,
} from '../harness/index.js';
import { startServer } from './registrar-support.js';

const USERS = { '1001': 'secret-1001' };
const MY_TONE = 880;
const EVENT_MS = 8000;

async function setup(artifacts: Artifacts) {
  const range = await freeUdpRange(40);
  const plane = new InProcessMediaPlane({ rtpAddress: '127.0.0.1', rtpPortMin: range.min, rtpPortMax: range.max });
  artifacts.defer(() => plane.close());
  const services = await startServiceNumbers({ media: plane });
  artifacts.defer(() => services.close());
  const { registrar, aor } = await startServer(artifacts, {
    users: USERS,
    services: [routeUsersTo('echo', ['600'], services.uri), routeUsersTo('tone', ['601'], services.uri)],
  });
  const phone = new Baresip(artifacts, { user: '1001', password: USERS['1001'], registrar, toneHz: MY_TONE });
  artifacts.defer(() => phone.stop());
  await phone.start();
  return { phone, aor };
}

/** The first 100 ms block of a recording where both frequencies stand well above 440 Hz and the rest. */
function findDualTone(path: string, low: number, high: number): boolean {
  const pcm = readWav(path);
  const mono = pcm.samples.filter((_, i) => i % pcm.channels === 0);
  const block = Math.round(pcm.sampleRate / 10);
  for (let at = 0; at + block <= mono.length; at += block / 2) {
    const x = mono.subarray(at, at + block);
    const p = (f: number) => goertzelPower(x, pcm.sampleRate, f);
    const others = Math.max(p(440), p(697), p(852), p(941), p(1209), p(1477));
    if (p(low) > 10 * others && p(high) > 10 * others) return true;
  }
  return false;
}

describe('service numbers with baresip', { timeout: 120_000 }, () => {
  test('baresip calls 600 and hears its own tone back', { timeout: 40_000 }, (t) =>
    withArtifacts(t, async (artifacts) => {
      const { phone, aor } = await setup(artifacts);
      await phone.dial(aor('600'));
      await phone.waitFor(BaresipEvents.established, EVENT_MS, 'CALL_ESTABLISHED');
      const heard = await phone.waitForReceivedAudio(1500, EVENT_MS);
      const d = detectTone(heard, MY_TONE);
      assert.ok(d.present, `600 echoes baresip's ${MY_TONE} Hz: ${JSON.stringify(d)}`);
      await phone.hangup();
      await phone.waitFor(BaresipEvents.closed, EVENT_MS, 'CALL_CLOSED');
    }),
  );

  test('baresip calls 601, hears 440 Hz, sends DTMF 5 and hears 770 + 1336 Hz', { timeout: 40_000 }, (t) =>
    withArtifacts(t, async (artifacts) => {
      const { phone, aor } = await setup(artifacts);
      await phone.dial(aor('601'));
      await phone.waitFor(BaresipEvents.established, EVENT_MS, 'CALL_ESTABLISHED');
      const first = await phone.waitForReceivedAudio(1000, EVENT_MS);
      const d = detectTone(first, 440);
      assert.ok(d.present, `601 plays 440 Hz: ${JSON.stringify(d)}`);
      assert.ok(!findDualTone(first, 770, 1336), 'no 5 before it is sent');
      await phone.sendDtmf('5');
      const after = await phone.waitForReceivedAudio(3000, EVENT_MS);
      assert.ok(findDualTone(after, 770, 1336), 'the 5 comes back as its dual tone');
      await phone.hangup();
      await phone.waitFor(BaresipEvents.closed, EVENT_MS, 'CALL_CLOSED');
    }),
  );
});
