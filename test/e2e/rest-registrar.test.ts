// The REST API with the embedded registrar (no Kamailio): /registrar/bindings lists baresip's registration,
// and a call from the server goes through the embedded proxy to baresip, which hears the WAV; the backend's
// webhooks report that call's statuses with `origin: "rest"`.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { SIGNATURE_HEADER, verifySignature } from '../../src/server/webhooks/signature.js';
import {
  Baresip,
  BaresipEvents,
  detectTone,
  freeSipPort,
  freeUdpRange,
  withArtifacts,
  writeToneWav,
} from '../harness/index.js';
import { startServerProcess } from './server-support.js';

const SECRET = 'rest-registrar-secret-0123456789';
const TONE_HZ = 700;

test(
  'bindings of the embedded registrar; a call from the server to baresip through it, reported by webhooks',
  { timeout: 90_000 },
  (t) =>
    withArtifacts(t, async (artifacts) => {
      const events: { type: string; signed: boolean; data: Record<string, unknown> }[] = [];
      let onEvent: () => void = () => undefined;
      const backend = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          const body = JSON.parse(raw) as { type: string; data: Record<string, unknown> };
          events.push({ ...body, signed: verifySignature(SECRET, raw, req.headers[SIGNATURE_HEADER] as string) });
          onEvent();
          res.writeHead(204).end();
        });
      });
      await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
      artifacts.defer(
        () =>
          new Promise<void>((resolve) => {
            backend.closeAllConnections();
            backend.close(() => resolve());
          }),
      );
      const finished = new Promise<void>((resolve) => {
        onEvent = () => {
          if (events.some((e) => e.type === 'call.status' && e.data.status === 'FINISH')) resolve();
        };
      });

      const port = await freeSipPort();
      const media = await freeUdpRange(100);
      const sounds = artifacts.subdir('sounds');
      writeToneWav(`${sounds}/tone.wav`, { freqHz: TONE_HZ, durationSec: 1, sampleRate: 8000 });
      const server = await startServerProcess({
        PARLEY_REGISTRAR: 'on',
        PARLEY_REGISTRAR_PORT: String(port),
        PARLEY_REGISTRAR_USERS: '1001:pw1001,1002:pw1002',
        PARLEY_MEDIA_PORTS: `${media.min}-${media.max}`,
        PARLEY_SIP_PORT: '0',
        PARLEY_SOUNDS_DIR: sounds,
        PARLEY_WEBHOOK_URL: `http://127.0.0.1:${(backend.address() as AddressInfo).port}/hooks`,
        PARLEY_WEBHOOK_SECRET: SECRET,
      });
      artifacts.defer(async () => {
        assert.equal(await server.stop(), 0);
      });
      artifacts.defer(() => writeFileSync(artifacts.path('parley.log'), server.output()));
      const registrar = { host: '127.0.0.1', port, domain: '127.0.0.1' };
      const bob = new Baresip(artifacts, {
        user: '1002',
        password: 'pw1002',
        registrar,
        toneHz: 880,
        answerMode: 'auto',
      });
      artifacts.defer(() => bob.stop());
      await bob.start();
      const rest = async (path: string, body: unknown = {}) => {
        const res = await fetch(new URL(`/rest-api${path}`, server.url), {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        // biome-ignore lint/suspicious/noExplicitAny: the test reads the answers' JSON freely and asserts on it
        return { status: res.status, body: (await res.json()) as any };
      };

      const bindings = await rest('/registrar/bindings');
      assert.equal(bindings.status, 200);
      assert.deepEqual(
        bindings.body.map((b: { user: string; transport: string }) => [b.user, b.transport]),
        [['1002', 'UDP']],
      );
      assert.ok(bindings.body[0].expiresIn > 0);

      const started = await rest('/call/startup', {
        callee: '1002',
        sipLogin: '1001',
        sipPassword: 'pw1001',
        sipDomain: '127.0.0.1',
        sipPort: port,
        sound: { file: 'tone.wav', loop: true },
      });
      assert.equal(started.status, 200, JSON.stringify(started.body));
      await bob.waitFor(BaresipEvents.established, 15_000, 'baresip answers');
      const heard = detectTone(await bob.waitForReceivedAudio(1500, 15_000), TONE_HZ);
      assert.ok(heard.present, `baresip hears ${TONE_HZ} Hz through the embedded proxy: ${JSON.stringify(heard)}`);
      await bob.hangup();
      await finished;
      const statuses = events
        .filter((e) => e.type === 'call.status' && e.data.callId === started.body.callId)
        .map((e) => [e.data.status, e.data.origin]);
      assert.deepEqual(statuses.at(0), ['PENDING', 'rest']);
      assert.deepEqual(statuses.at(-1), ['FINISH', 'rest']);
      assert.ok(
        statuses.some(([s]) => s === 'ESTABLISHED'),
        JSON.stringify(statuses),
      );
      assert.ok(
        events.every((e) => e.signed),
        'every event is signed',
      );
    }),
);
