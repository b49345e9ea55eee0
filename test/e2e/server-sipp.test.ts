// Scripted SIP peers (sipp) against the browser SDK through Parley, with no registrar: 100 Trying gives TRYING,
// early media (183 with SDP, then 200) RING_MEDIA then ESTABLISHED, and the browser's hangup ends the call with BYE.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PCMU, SIPP_BYE_ANSWERED, sippResponse, sippScenario, sippSdp, withArtifacts } from '../harness/index.js';
import { callUnregisteredInPage } from './sdk-page-scripts.js';
import { startSippCallRig } from './sipp-call-rig.js';

/** A UAS that answers 100, 183 with SDP (early media), then 200 with the same SDP, and waits for BYE. */
const EARLY_MEDIA_UAS = sippScenario(
  'early media then answer',
  `  <recv request="INVITE" crlf="true"/>
${sippResponse(100, 'Trying')}${sippResponse(183, 'Session Progress', { dialog: true, sdp: sippSdp([PCMU], { dtmf: true }) })}  <pause milliseconds="300"/>
${sippResponse(200, 'OK', { dialog: true, sdp: sippSdp([PCMU], { dtmf: true, version: 2 }) })}  <recv request="ACK" crlf="true"/>
${SIPP_BYE_ANSWERED}`,
);

test(
  'early media: 183 with SDP gives RING_MEDIA, then 200 gives ESTABLISHED; hangup sends BYE',
  { timeout: 60_000 },
  (t) =>
    withArtifacts(t, async (artifacts) => {
      const { sipp, browser } = await startSippCallRig(artifacts, {
        scenario: EARLY_MEDIA_UAS,
        name: 'sipp-early-media',
      });
      const statuses = await browser.page.evaluate<string[]>(callUnregisteredInPage(`sip:early@${sipp.address}`));
      // sipp's 100 Trying gives TRYING, its 183 with SDP RING_MEDIA.
      assert.deepEqual(statuses, ['PENDING', 'TRYING', 'RING_MEDIA', 'ESTABLISHED']);
      await browser.page.evaluate('window.call.hangup()');
      const result = await sipp.result;
      assert.equal(result.exitCode, 0, `sipp completed the scenario (BYE received): ${result.errorsLog}`);
      assert.equal(result.stats?.successful, 1);
    }),
);
