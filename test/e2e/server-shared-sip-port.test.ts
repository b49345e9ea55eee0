// One SIP listener for every account: two SDK sessions in one page register 1001 (UDP) and 1003 (TCP) at
// Kamailio through the gateway's one SIP port (PARLEY_SIP_PORT), and each gets its own call from baresip,
// answered with tones both ways, while the other session sees no call.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  Baresip,
  BaresipEvents,
  detectToneInPage,
  freeSipPort,
  freeUdpRange,
  launchBrowser,
  startKamailio,
  withArtifacts,
} from '../harness/index.js';
import { ensureSdkBuilt, startServerProcess } from './server-support.js';

const BARESIP_HZ = 880;

/** In the page: sessions A (1001 over UDP) and B (1003 over TCP), their incoming calls kept on window. */
const REGISTER_BOTH = (domain: string) => `(async () => {
  const P = await import('/sdk/parley.mjs');
  window.P = P;
  window.incoming = {};
  window.events = [];
  const open = (name, login, transport) => {
    const session = P.createSession({ sipOptions: { login, password: 'pw' + login, domain: '${domain}', transport } });
    session.on(P.SESSION_STATUS.INCOMING_CALL, (call) => {
      window.incoming[name] = call;
      for (const st of Object.values(P.CALL_STATUS)) call.on(st, () => window.events.push(name + ':' + st));
    });
    return new Promise((resolve) => {
      session.on(P.SESSION_STATUS.REGISTERED, () => resolve(name + ':REGISTERED'));
      session.on(P.SESSION_STATUS.FAILED, (i) => resolve(name + ':FAILED ' + JSON.stringify(i)));
    });
  };
  return await Promise.all([open('A', '1001', 'udp'), open('B', '1003', 'tcp')]);
})()`;

const ANSWER = (name: string) =>
  `window.incoming.${name}.answer({ constraints: { audio: true, video: false } }); window.remoteStream = window.incoming.${name}.getRemoteMediaStream();`;

test(
  'two sessions on one gateway SIP port (UDP and TCP) each receive their own call from baresip',
  { timeout: 120_000 },
  (t) =>
    withArtifacts(t, async (artifacts) => {
      ensureSdkBuilt();
      const kamailio = await startKamailio(artifacts, {
        users: [
          { user: '1001', password: 'pw1001' },
          { user: '1002', password: 'pw1002' },
          { user: '1003', password: 'pw1003' },
        ],
      });
      artifacts.defer(() => kamailio.stop());
      const bob = new Baresip(artifacts, { user: '1002', password: 'pw1002', registrar: kamailio, toneHz: BARESIP_HZ });
      artifacts.defer(() => bob.stop());
      await bob.start();
      const media = await freeUdpRange(200);
      const sipPort = await freeSipPort();
      const server = await startServerProcess({
        PARLEY_MEDIA_PORTS: `${media.min}-${media.max}`,
        PARLEY_SIP_PORT: String(sipPort),
        PARLEY_LOG_LEVEL: 'debug',
      });
      artifacts.defer(async () => {
        assert.equal(await server.stop(), 0);
      });
      artifacts.defer(() => writeFileSync(artifacts.path('parley.log'), server.output()));
      assert.match(
        server.output(),
        new RegExp(`SIP address .*: udp 127\\.0\\.0\\.1:${sipPort}, tcp 127\\.0\\.0\\.1:${sipPort}\n`),
      );
      const browser = await launchBrowser(artifacts, 'chromium');
      artifacts.defer(() => browser.close());
      await browser.page.goto(server.url.href);
      const page = browser.page;
      assert.deepEqual(await page.evaluate<string[]>(REGISTER_BOTH(kamailio.domain)), ['A:REGISTERED', 'B:REGISTERED']);

      for (const [name, login, other] of [
        ['B', '1003', 'A'],
        ['A', '1001', 'B'],
      ] as const) {
        const since = bob.events.length;
        await bob.dial(kamailio.aor(login));
        await page.waitForFunction(`window.incoming.${name} !== undefined`, 10_000);
        await page.evaluate(ANSWER(name));
        await page.waitForFunction(`window.events.includes('${name}:ESTABLISHED')`, 10_000);
        await bob.waitFor(BaresipEvents.established, 10_000, `call to ${login} established`, since);
        const heard = await detectToneInPage(page, 'window.remoteStream', BARESIP_HZ);
        assert.ok(heard.present, `${login} hears baresip's ${BARESIP_HZ} Hz: ${JSON.stringify(heard)}`);
        assert.equal(await page.evaluate<boolean>(`window.incoming.${other} === undefined`), true);
        await bob.hangup();
        await page.waitForFunction(`window.events.includes('${name}:FINISH')`, 10_000);
        await bob.waitFor(BaresipEvents.closed, 10_000, `call to ${login} closed`, since);
        await page.evaluate(`delete window.incoming.${name}`);
      }
    }),
);
