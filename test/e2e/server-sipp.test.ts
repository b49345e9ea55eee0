// Scripted SIP peers (sipp) against the browser SDK through Parley, with no registrar: 100 Trying gives TRYING,
// early media (183 with SDP, then 200) RING_MEDIA then ESTABLISHED, and the browser's hangup ends the call with BYE.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  freeUdpRange,
  launchBrowser,
  PCMU,
  SIPP_BYE_ANSWERED,
  sippResponse,
  sippScenario,
  sippSdp,
  startSipp,
  withArtifacts,
} from '../harness/index.js';
import { ensureSdkBuilt, startServerProcess } from './server-support.js';

/** A UAS that answers 100, 183 with SDP (early media), then 200 with the same SDP, and waits for BYE. */
const EARLY_MEDIA_UAS = sippScenario(
  'early media then answer',
  `  <recv request="INVITE" crlf="true"/>
${sippResponse(100, 'Trying')}${sippResponse(183, 'Session Progress', { dialog: true, sdp: sippSdp([PCMU], { dtmf: true }) })}  <pause milliseconds="300"/>
${sippResponse(200, 'OK', { dialog: true, sdp: sippSdp([PCMU], { dtmf: true, version: 2 }) })}  <recv request="ACK" crlf="true"/>
${SIPP_BYE_ANSWERED}`,
);

const CALL = (target: string) => `(async () => {
  const P = await import('/sdk/parley.mjs');
  const session = P.createSession({ sipOptions: { login: '1001', domain: '127.0.0.1', registerRequired: false } });
  await new Promise((resolve, reject) => {
    session.on(P.SESSION_STATUS.ESTABLISHED, resolve);
    session.on(P.SESSION_STATUS.FAILED, (i) => reject(new Error('FAILED ' + JSON.stringify(i))));
  });
  const call = session.createCall({ callee: '${target}', constraints: { audio: true, video: false } });
  window.call = call;
  const statuses = [];
  const done = new Promise((resolve) => {
    for (const st of Object.values(P.CALL_STATUS)) call.on(st, () => { statuses.push(st); if (['ESTABLISHED', 'FAILED', 'BUSY', 'FINISH'].includes(st)) resolve(); });
  });
  call.call();
  await done;
  return statuses;
})()`;

test(
  'early media: 183 with SDP gives RING_MEDIA, then 200 gives ESTABLISHED; hangup sends BYE',
  { timeout: 60_000 },
  (t) =>
    withArtifacts(t, async (artifacts) => {
      ensureSdkBuilt();
      const sipp = await startSipp(artifacts, { scenario: EARLY_MEDIA_UAS, name: 'sipp-early-media' });
      artifacts.defer(() => sipp.stop());
      const media = await freeUdpRange(100);
      const server = await startServerProcess({ PARLEY_MEDIA_PORTS: `${media.min}-${media.max}` });
      artifacts.defer(async () => {
        assert.equal(await server.stop(), 0);
      });
      const browser = await launchBrowser(artifacts, 'chromium');
      artifacts.defer(() => browser.close());
      await browser.page.goto(server.url.href);
      const statuses = await browser.page.evaluate<string[]>(CALL(`sip:early@${sipp.address}`));
      // sipp's 100 Trying gives TRYING, its 183 with SDP RING_MEDIA.
      assert.deepEqual(statuses, ['PENDING', 'TRYING', 'RING_MEDIA', 'ESTABLISHED']);
      await browser.page.evaluate('window.call.hangup()');
      const result = await sipp.result;
      assert.equal(result.exitCode, 0, `sipp completed the scenario (BYE received): ${result.errorsLog}`);
      assert.equal(result.stats?.successful, 1);
    }),
);
