// The REST API against the real server process, Kamailio and baresip, with no browser: /call/startup rings
// baresip, baresip answers and records the WAV the server plays (its tone found by Goertzel); DTMF, hold,
// unhold and terminate by REST reach baresip; every endpoint's failure answers; the API key.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import {
  Baresip,
  BaresipEvents,
  detectTone,
  freeUdpRange,
  startKamailio,
  withArtifacts,
  writeToneWav,
} from '../harness/index.js';
import { startServerProcess } from './server-support.js';

const API_KEY = 'rest-e2e-key-0123456789';
const TONE_HZ = 1000;

/** POST to the REST API; answers the status and the JSON body. */
function restClient(base: URL, key: string | null = API_KEY) {
  return async (path: string, body?: unknown) => {
    const res = await fetch(new URL(`/rest-api${path}`, base), {
      method: 'POST',
      headers: {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    // biome-ignore lint/suspicious/noExplicitAny: the test reads the answers' JSON freely and asserts on it
    return { status: res.status, body: (await res.json()) as any };
  };
}

describe('REST API: calls from the server to baresip through Kamailio', { timeout: 120_000 }, () => {
  test(
    'startup rings baresip, which answers and hears the WAV; DTMF, hold and terminate by REST',
    { timeout: 90_000 },
    (t) =>
      withArtifacts(t, async (artifacts) => {
        const kamailio = await startKamailio(artifacts, {
          users: [
            { user: '1001', password: 'pw1001' },
            { user: '1002', password: 'pw1002' },
          ],
        });
        artifacts.defer(() => kamailio.stop());
        const bob = new Baresip(artifacts, {
          user: '1002',
          password: 'pw1002',
          registrar: kamailio,
          toneHz: 880,
          answerMode: 'auto',
          codecs: ['PCMU'],
        });
        artifacts.defer(() => bob.stop());
        await bob.start();
        const sounds = artifacts.subdir('sounds');
        writeToneWav(`${sounds}/tone.wav`, { freqHz: TONE_HZ, durationSec: 2, sampleRate: 16000 });
        const media = await freeUdpRange(100);
        const server = await startServerProcess({
          PARLEY_MEDIA_PORTS: `${media.min}-${media.max}`,
          PARLEY_SIP_PORT: '0',
          PARLEY_API_KEY: API_KEY,
          PARLEY_SOUNDS_DIR: sounds,
          PARLEY_LOG_LEVEL: 'debug',
        });
        artifacts.defer(async () => {
          assert.equal(await server.stop(), 0);
        });
        artifacts.defer(() => writeFileSync(artifacts.path('parley.log'), server.output()));
        const rest = restClient(server.url);

        const anonymous = await restClient(server.url, null)('/call/find_all');
        assert.deepEqual([anonymous.status, anonymous.body.error.code], [401, 'REST_UNAUTHORIZED']);
        assert.equal((await restClient(server.url, 'wrong-key-0123456789')('/call/find_all')).status, 401);
        assert.deepEqual(await rest('/call/find_all'), { status: 200, body: [] });
        assert.equal((await rest('/call/find', { callee: '1002' })).status, 404);

        const account = { sipLogin: '1001', sipPassword: 'pw1001', sipDomain: kamailio.domain };
        const started = await rest('/call/startup', {
          ...account,
          callId: 'rest-e2e-1',
          callee: '1002',
          visibleName: 'Parley REST',
          sound: { file: 'tone.wav', loop: true },
        });
        assert.equal(started.status, 200, JSON.stringify(started.body));
        assert.equal(started.body.origin, 'rest');
        assert.ok(['PENDING', 'TRYING', 'RING'].includes(started.body.status), started.body.status);
        const dup = await rest('/call/startup', { ...account, callId: 'rest-e2e-1', callee: '1002' });
        assert.deepEqual([dup.status, dup.body.error.code], [409, 'REST_DUPLICATE_CALL']);

        await bob.waitFor(BaresipEvents.established, 15_000, 'baresip answers the call from the server');
        const recording = await bob.waitForReceivedAudio(1500, 15_000);
        const heard = detectTone(recording, TONE_HZ);
        assert.ok(heard.present, `baresip hears the ${TONE_HZ} Hz WAV: ${JSON.stringify(heard)}`);

        const found = await rest('/call/find', { callId: 'rest-e2e-1' });
        assert.equal(found.status, 200);
        assert.equal(found.body[0].status, 'ESTABLISHED');
        assert.equal(found.body[0].audioCodec, 'PCMU');
        assert.equal(found.body[0].caller, '1001');

        // RFC 4733 events in the player leg's own stream (telephone-event/8000 negotiated), then INFO.
        let since = bob.events.length;
        assert.equal((await rest('/call/send_dtmf', { callId: 'rest-e2e-1', dtmf: '1' })).status, 200);
        assert.equal(await bob.receivedDigits(1, 10_000, since), '1');
        since = bob.events.length;
        assert.equal((await rest('/call/send_dtmf', { callId: 'rest-e2e-1', dtmf: '7#', type: 'INFO' })).status, 200);
        assert.equal(await bob.receivedDigits(2, 10_000, since), '7#');

        since = bob.events.length;
        const held = await rest('/call/hold', { callId: 'rest-e2e-1' });
        assert.deepEqual([held.status, held.body.status], [200, 'HOLD']);
        await bob.waitFor(BaresipEvents.remoteOffer, 10_000, 're-INVITE for hold', since);
        assert.equal((await rest('/call/unhold', { callId: 'rest-e2e-1' })).body.status, 'ESTABLISHED');

        since = bob.events.length;
        const ended = await rest('/call/terminate', { callId: 'rest-e2e-1' });
        assert.deepEqual([ended.status, ended.body.status], [200, 'FINISH']);
        await bob.waitFor(BaresipEvents.closed, 10_000, 'BYE reaches baresip', since);
        assert.equal((await rest('/call/terminate', { callId: 'rest-e2e-1' })).status, 404);
        assert.deepEqual(await rest('/call/find_all'), { status: 200, body: [] });
      }),
  );

  test(
    'failure answers: wrong password 502 with 403, bad bodies 400, unknown ids 404, bindings 404 with the registrar off',
    { timeout: 60_000 },
    (t) =>
      withArtifacts(t, async (artifacts) => {
        const kamailio = await startKamailio(artifacts, { users: [{ user: '1001', password: 'pw1001' }] });
        artifacts.defer(() => kamailio.stop());
        const media = await freeUdpRange(20);
        const server = await startServerProcess({
          PARLEY_MEDIA_PORTS: `${media.min}-${media.max}`,
          PARLEY_SIP_PORT: '0',
          PARLEY_API_KEY: API_KEY,
        });
        artifacts.defer(async () => {
          assert.equal(await server.stop(), 0);
        });
        artifacts.defer(() => writeFileSync(artifacts.path('parley.log'), server.output()));
        const rest = restClient(server.url);
        const wrong = await rest('/call/startup', {
          sipLogin: '1001',
          sipPassword: 'nope',
          sipDomain: kamailio.domain,
          sipRegisterRequired: true,
          callee: '1002',
        });
        assert.deepEqual(
          [wrong.status, wrong.body.error.code, wrong.body.error.sipStatus],
          [502, 'REST_SIP_FAILED', 403],
          JSON.stringify(wrong.body),
        );
        const bad: [string, unknown, string][] = [
          ['/call/startup', { sipLogin: '1001', sipDomain: kamailio.domain }, 'callee'],
          ['/call/startup', { sipLogin: 'a b', sipDomain: kamailio.domain, callee: '1002' }, 'sipLogin'],
          ['/call/transfer', { callId: 'x' }, 'target'],
          ['/connection/terminate', { sessionId: 'x', session: 'x' }, 'session'],
        ];
        for (const [path, body, field] of bad) {
          const r = await rest(path, body);
          assert.deepEqual([r.status, r.body.error.field], [400, field], `${path}: ${JSON.stringify(r.body)}`);
        }
        for (const path of ['/call/terminate', '/call/hold', '/call/unhold']) {
          const r = await rest(path, { callId: 'nope' });
          assert.deepEqual([r.status, r.body.error.code], [404, 'REST_NOT_FOUND'], path);
        }
        assert.equal((await rest('/call/transfer', { callId: 'nope', target: '1003' })).status, 404);
        assert.equal((await rest('/call/send_dtmf', { callId: 'nope', dtmf: '1' })).status, 404);
        assert.equal((await rest('/call/inject_sound', { callId: 'nope', sound: { file: 'x.wav' } })).status, 404);
        assert.equal((await rest('/connection/terminate', { sessionId: 'nope' })).status, 404);
        assert.deepEqual(await rest('/connection/find_all'), { status: 200, body: [] });
        assert.equal((await rest('/registrar/bindings')).status, 404);
        const doc = await fetch(new URL('/rest-api/openapi.json', server.url), {
          headers: { authorization: `Bearer ${API_KEY}` },
        });
        assert.equal(doc.status, 200);
        assert.equal(((await doc.json()) as { openapi: string }).openapi, '3.1.0');
        assert.doesNotMatch(server.output(), /"level":50/, 'no error logged: nothing a client sent is a server error');
      }),
  );
});
