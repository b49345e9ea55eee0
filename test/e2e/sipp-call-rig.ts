// The rig of the browser ⇄ Parley ⇄ sipp tests (no registrar): a sipp UAS running the test's scenario, a
// Parley server process with a media range of its own, and Chromium on Parley's page. Everything is stopped
// when the test's artifacts are closed; the page then calls the UAS at `sip:<user>@${sipp.address}`.
import assert from 'node:assert/strict';
import { type Artifacts, freeUdpRange, launchBrowser, type SippOptions, startSipp } from '../harness/index.js';
import { ensureSdkBuilt, startServerProcess } from './server-support.js';

export async function startSippCallRig(artifacts: Artifacts, sippOptions: SippOptions) {
  ensureSdkBuilt();
  const sipp = await startSipp(artifacts, sippOptions);
  artifacts.defer(() => sipp.stop());
  const media = await freeUdpRange(100);
  const server = await startServerProcess({ PARLEY_MEDIA_PORTS: `${media.min}-${media.max}` });
  artifacts.defer(async () => {
    assert.equal(await server.stop(), 0);
  });
  const browser = await launchBrowser(artifacts, 'chromium');
  artifacts.defer(() => browser.close());
  await browser.page.goto(server.url.href);
  return { sipp, server, browser, page: browser.page };
}
