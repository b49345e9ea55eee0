// The rig of the browser ⇄ Parley ⇄ Kamailio ⇄ baresip tests: Kamailio with accounts 1001 (the page's) and
// the others, baresip registered as 1002 playing its tone, a Parley server process (debug log kept with the
// artifacts), and a browser on Parley's page. Everything is stopped when the test's artifacts are closed.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import {
  type Artifacts,
  Baresip,
  type BaresipOptions,
  type BrowserKind,
  freeUdpRange,
  launchBrowser,
  startKamailio,
} from '../harness/index.js';
import { ensureSdkBuilt, startServerProcess } from './server-support.js';

export const BARESIP_HZ = 880;

export interface BaresipCallRigOptions {
  kind: BrowserKind;
  /** The browser's fake microphone tone (Chromium; Firefox has its own). */
  browserToneHz: number;
  /** Accounts at Kamailio, password `pw<user>`; 1001 and 1002 at least. */
  users?: string[];
  /** baresip 1002's options beyond account, registrar and tone (answer mode, codecs, media encryption). */
  bob?: Partial<Omit<BaresipOptions, 'user' | 'password' | 'registrar'>>;
  /** The Parley server's environment beyond its media ports and log level. */
  serverEnv?: Record<string, string>;
}

export async function startBaresipCallRig(artifacts: Artifacts, o: BaresipCallRigOptions) {
  ensureSdkBuilt();
  const kamailio = await startKamailio(artifacts, {
    users: (o.users ?? ['1001', '1002']).map((user) => ({ user, password: `pw${user}` })),
  });
  artifacts.defer(() => kamailio.stop());
  const bob = new Baresip(artifacts, {
    toneHz: BARESIP_HZ,
    answerMode: 'auto',
    ...o.bob,
    user: '1002',
    password: 'pw1002',
    registrar: kamailio,
  });
  artifacts.defer(() => bob.stop());
  await bob.start();
  const media = await freeUdpRange(200);
  const server = await startServerProcess({
    PARLEY_MEDIA_PORTS: `${media.min}-${media.max}`,
    PARLEY_LOG_LEVEL: 'debug',
    ...o.serverEnv,
  });
  artifacts.defer(async () => {
    assert.equal(await server.stop(), 0);
  });
  artifacts.defer(() => writeFileSync(artifacts.path('parley.log'), server.output()));
  const browser = await launchBrowser(artifacts, o.kind, { toneHz: o.browserToneHz });
  artifacts.defer(() => browser.close());
  await browser.page.goto(server.url.href);
  return { kamailio, bob, server, browser, page: browser.page };
}
