// Webhooks end to end: the real server process posts to a small backend (an HTTP server of this test on
// 127.0.0.1) that checks every signature. A browser (Chromium, the SDK) whose connect the backend denies gets
// FAILED with the backend's reason; one it allows registers at Kamailio with the password the backend supplied
// (the page never had it); a call the backend denies fails with its reason; a call whose callee it rewrites
// rings baresip; status, DTMF and call events arrive signed.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifySignature } from '../../src/server/webhooks/signature.js';
import { Baresip, BaresipEvents, freeUdpRange, launchBrowser, startKamailio, withArtifacts } from '../harness/index.js';
import { ensureSdkBuilt, startServerProcess } from './server-support.js';

const SECRET = 'webhook-e2e-secret-0123456789abcdef';

interface Hook {
  type: string;
  data: Record<string, unknown>;
  signed: boolean;
  fresh: boolean;
}

/** The application's backend: decides connect and call, records every webhook with its signature checked. */
async function startBackend() {
  const hooks: Hook[] = [];
  const waiters: { pred: (h: Hook) => boolean; resolve: (h: Hook) => void }[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const body = JSON.parse(raw) as { type: string; timestamp: number; data: Record<string, unknown> };
      const hook: Hook = {
        type: body.type,
        data: body.data,
        signed: verifySignature(SECRET, raw, req.headers[SIGNATURE_HEADER] as string | undefined),
        // Replay protection as docs/rest-api.md describes it: the signed timestamp is recent.
        fresh:
          Math.abs(Date.now() - body.timestamp) < 300_000 && req.headers[TIMESTAMP_HEADER] === String(body.timestamp),
      };
      hooks.push(hook);
      for (const w of [...waiters]) if (w.pred(hook)) w.resolve(hook);
      const reply = (status: number, json?: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(json === undefined ? '' : JSON.stringify(json));
      };
      const d = body.data;
      if (body.type === 'connect') {
        const custom = d.custom as { user?: string } | undefined;
        if (custom?.user === 'mallory') return reply(403, { reason: 'account suspended' });
        return reply(200, { sipOptions: { password: 'pw1001' } });
      }
      if (body.type === 'call') {
        if (d.callee === '900') return reply(403, { reason: 'premium numbers are not allowed' });
        if (d.callee === 'bob') return reply(200, { callee: '1002' });
        return reply(200, {});
      }
      return reply(204);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/parley-hooks`,
    hooks,
    waitFor(pred: (h: Hook) => boolean, what: string, timeoutMs = 10_000): Promise<Hook> {
      const found = hooks.find(pred);
      if (found) return Promise.resolve(found);
      return new Promise<Hook>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no webhook ${what}; got ${JSON.stringify(hooks)}`)),
          timeoutMs,
        );
        waiters.push({
          pred,
          resolve: (h) => {
            clearTimeout(timer);
            resolve(h);
          },
        });
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** In the page: a session for `user` (custom data for the backend) with no password; resolves when it settles. */
const CONNECT = (domain: string, user: string) => `(async () => {
  const P = await import('/sdk/parley.mjs');
  window.P = P;
  const session = P.createSession({ sipOptions: { login: '1001', domain: '${domain}' }, custom: { user: '${user}' } });
  window.session = session;
  return await new Promise((resolve) => {
    session.on('REGISTERED', (i) => resolve({ status: 'REGISTERED', ...i }));
    session.on('FAILED', (i) => resolve({ status: 'FAILED', ...i }));
  });
})()`;

/** In the page: calls `callee`; resolves with the first settled status and the call's info. */
const CALL = (callee: string) => `(async () => {
  const call = window.session.createCall({ callee: '${callee}', constraints: { audio: true, video: false } });
  window.call = call;
  const status = await new Promise((resolve) => { for (const st of ['ESTABLISHED', 'FAILED', 'BUSY', 'FINISH']) call.on(st, () => resolve(st)); call.call(); });
  return { status, info: call.getInfo(), callId: call.id() };
})()`;

type Settled = { status: string; sipStatus?: number; sipReason?: string; reason?: string };

describe('webhooks with a browser, Kamailio and baresip (Chromium)', { timeout: 150_000 }, () => {
  test(
    'connect denied with a reason; credentials from the backend register; call denied; callee rewritten; events signed',
    { timeout: 120_000 },
    (t) =>
      withArtifacts(t, async (artifacts) => {
        ensureSdkBuilt();
        const backend = await startBackend();
        artifacts.defer(() => backend.close());
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
        });
        artifacts.defer(() => bob.stop());
        await bob.start();
        const media = await freeUdpRange(100);
        const server = await startServerProcess({
          PARLEY_MEDIA_PORTS: `${media.min}-${media.max}`,
          PARLEY_SIP_PORT: '0',
          PARLEY_WEBHOOK_URL: backend.url,
          PARLEY_WEBHOOK_SECRET: SECRET,
          PARLEY_WEBHOOK_TIMEOUT_MS: '3000',
        });
        artifacts.defer(async () => {
          assert.equal(await server.stop(), 0);
        });
        artifacts.defer(() => writeFileSync(artifacts.path('parley.log'), server.output()));
        const browser = await launchBrowser(artifacts, 'chromium');
        artifacts.defer(() => browser.close());
        const page = browser.page;
        await page.goto(server.url.href);

        const denied = await page.evaluate<Settled>(CONNECT(kamailio.domain, 'mallory'));
        assert.equal(denied.status, 'FAILED', JSON.stringify(denied));
        assert.equal(denied.sipReason, 'account suspended', JSON.stringify(denied));
        assert.equal(denied.sipStatus, 403);

        const allowed = await page.evaluate<Settled>(CONNECT(kamailio.domain, 'alice'));
        assert.equal(
          allowed.status,
          'REGISTERED',
          `registered with the backend's password: ${JSON.stringify(allowed)}`,
        );
        const connect = await backend.waitFor(
          (h) => h.type === 'connect' && (h.data.custom as { user: string }).user === 'alice',
          'connect',
        );
        assert.equal(
          (connect.data.sipOptions as { hasPassword: boolean }).hasPassword,
          false,
          'the page had no password',
        );

        const premium = await page.evaluate<{ status: string; info: { sipStatus?: number; sipReason?: string } }>(
          CALL('900'),
        );
        assert.deepEqual([premium.status, premium.info.sipReason], ['FAILED', 'premium numbers are not allowed']);
        const since = bob.events.length;
        const rewritten = await page.evaluate<{ status: string; callId: string }>(CALL('bob'));
        assert.equal(rewritten.status, 'ESTABLISHED', JSON.stringify(rewritten));
        await bob.waitFor(BaresipEvents.established, 10_000, 'the rewritten callee 1002 rings', since);
        await bob.sendDtmf('4');
        await backend.waitFor((h) => h.type === 'call.dtmf' && h.data.digit === '4', 'DTMF event');
        await bob.hangup();
        await backend.waitFor(
          (h) => h.type === 'call.status' && h.data.callId === rewritten.callId && h.data.status === 'FINISH',
          'FINISH event',
        );
        await backend.waitFor(
          (h) => h.type === 'session.status' && h.data.status === 'REGISTERED',
          'registration event',
        );
        const call = await backend.waitFor((h) => h.type === 'call' && h.data.callee === 'bob', 'call decision');
        assert.equal(call.data.caller, '1001');
        const unsigned = backend.hooks.filter((h) => !h.signed || !h.fresh);
        assert.deepEqual(unsigned, [], 'every webhook is signed with a fresh timestamp');
        const types = new Set(backend.hooks.map((h) => h.type));
        for (const type of ['connect', 'call', 'session.status', 'call.status', 'call.dtmf'])
          assert.ok(types.has(type), type);
      }),
  );
});
