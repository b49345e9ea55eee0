// The rig of the browser ⇄ Parley ⇄ Kamailio ⇄ baresip tests: Kamailio with accounts 1001 (the page's) and
// the others, baresip registered as 1002 playing its tone, a Parley server process (debug log kept with the
// artifacts), and a browser on Parley's page. Everything is stopped when the test's artifacts are closed.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import {
  type Artifacts,
  Baresip,
  BaresipEvents,
  type BaresipOptions,
  type BrowserKind,
  freeUdpRange,
  type Kamailio,
  launchBrowser,
  type PageLike,
  startKamailio,
} from '../harness/index.js';
import { type CallResult, callInPage, registerInPage } from './sdk-page-scripts.js';
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
  const bob = await startPhone(artifacts, kamailio, '1002', BARESIP_HZ, o.bob);
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

/**
 * A baresip at the rig's Kamailio as `user` (password pw<user>), playing `toneHz`, answering at once unless
 * `options` say otherwise; stopped with the test's artifacts.
 */
export async function startPhone(
  artifacts: Artifacts,
  kamailio: Kamailio,
  user: string,
  toneHz: number,
  options: BaresipCallRigOptions['bob'] = {},
): Promise<Baresip> {
  const phone = new Baresip(artifacts, {
    toneHz,
    answerMode: 'auto',
    ...options,
    user,
    password: `pw${user}`,
    registrar: kamailio,
  });
  artifacts.defer(() => phone.stop());
  await phone.start();
  return phone;
}

/** The page registers 1001 and calls baresip 1002; resolves once the call is up on both sides. */
export async function pageCallsBob(page: PageLike, kamailio: Kamailio, bob: Baresip): Promise<void> {
  assert.equal((await page.evaluate<{ status: string }>(registerInPage(kamailio.domain))).status, 'REGISTERED');
  assert.equal((await page.evaluate<CallResult>(callInPage('1002'))).status, 'ESTABLISHED');
  await bob.waitFor(BaresipEvents.established, 10_000);
}

/**
 * baresip dials the page's 1001 and the page answers audio-only, its remote stream in window.remoteStream;
 * resolves when both sides are ESTABLISHED.
 */
export async function bobCallsPage(kamailio: Kamailio, bob: Baresip, page: PageLike): Promise<void> {
  const since = bob.events.length;
  await bob.dial(kamailio.aor('1001'));
  await page.waitForFunction('window.incoming !== undefined', 10_000);
  await page.evaluate(
    'window.incoming.answer({ constraints: { audio: true, video: false } }); window.remoteStream = window.incoming.getRemoteMediaStream();',
  );
  await page.waitForFunction("window.events.includes('in:ESTABLISHED')", 10_000);
  await bob.waitFor(BaresipEvents.established, 10_000, 'incoming call established', since);
}
