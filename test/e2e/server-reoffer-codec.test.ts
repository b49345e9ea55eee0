// A codec change from the SIP side in mid-call (issue 4: "re-offers from either side ... a codec change ...
// without an ICE restart toward the browser"): Chromium calls a sipp UAS through Parley; sipp answers PCMU and
// echoes RTP (-rtp_echo), then re-INVITEs offering PCMA only. The browser had agreed to PCMU only, so Parley
// re-offers to the page (call.sdp) on the same ICE/DTLS transport and answers the re-INVITE from the page's
// answer: sipp checks the 200 OK answers PCMA, the page's getStats shows PCMA both ways with packets flowing,
// and the call is still ESTABLISHED; the browser's hangup sends BYE.
// Early media the same way: a 183 answers PCMA (an announcement), the 200 OK then PCMU (the phone): the page,
// answered PCMA from the 183, gets a call.sdp offer of PCMU once the call is up, and ends on PCMU both ways.
// And after a transfer: baresip 1002 (PCMU) REFERs the browser's call to baresip 1003, which has G722 only;
// Parley offers 1003 what the browser offered, 1003 answers G722, and the page is moved to G722 (call.sdp).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BaresipEvents, detectToneInPage, type PageLike, withArtifacts } from '../harness/index.js';
import { EARLY_PCMA_THEN_PCMU_UAS_SCENARIO, REOFFER_PCMA_UAS_SCENARIO } from '../harness/sipp-scenarios.js';
import { pageCallsBob, startBaresipCallRig, startPhone } from './baresip-call-rig.js';
import { callUnregisteredInPage } from './sdk-page-scripts.js';
import { startSippCallRig } from './sipp-call-rig.js';

interface AudioStats {
  inbound?: { mimeType?: string; packets: number };
  outbound?: { mimeType?: string; packets: number };
  /** The local ICE candidate pair in use and the DTLS transport's fingerprint: unchanged when no ICE restart. */
  pair?: string;
}

/**
 * The audio codec each way from the page's getStats, read every 100 ms until both are `mimeType` and packets
 * have flowed in that codec since `after` (packet counts of an earlier read), or 10 s have passed.
 */
function audioStatsInPage(page: PageLike, mimeType: string, after?: AudioStats) {
  return page.evaluate<AudioStats>(`(async () => {
  const deadline = performance.now() + 10000;
  const after = ${JSON.stringify(after ?? {})};
  for (;;) {
    const stats = await window.call.getStats();
    const read = (type) => {
      let found;
      stats.forEach((s) => {
        if (s.type === type && s.kind === 'audio') {
          const c = s.codecId ? stats.get(s.codecId) : undefined;
          found = { mimeType: c?.mimeType, packets: s.packetsReceived ?? s.packetsSent ?? 0 };
        }
      });
      return found;
    };
    let pair;
    stats.forEach((s) => { if (s.type === 'transport') pair = s.selectedCandidatePairId + ' ' + s.localCertificateId; });
    const inbound = read('inbound-rtp');
    const outbound = read('outbound-rtp');
    const ready = (r, before) => r && r.mimeType === '${mimeType}' && r.packets > (before?.packets ?? 0) + 10;
    if ((ready(inbound, after.inbound) && ready(outbound, after.outbound)) || performance.now() > deadline)
      return { inbound, outbound, pair };
    await new Promise((r) => setTimeout(r, 100));
  }
})()`);
}

test(
  'a PCMA-only re-INVITE on a PCMU call is agreed with the browser (call.sdp) and answered PCMA; audio flows in PCMA',
  { timeout: 90_000 },
  (t) =>
    withArtifacts(t, async (artifacts) => {
      const { sipp, browser } = await startSippCallRig(artifacts, {
        scenario: REOFFER_PCMA_UAS_SCENARIO,
        name: 'sipp-reoffer-pcma',
        extraArgs: ['-rtp_echo'],
        timeoutMs: 60_000,
      });
      const statuses = await browser.page.evaluate<string[]>(callUnregisteredInPage(`sip:reoffer@${sipp.address}`));
      assert.deepEqual(statuses.at(-1), 'ESTABLISHED');

      const before = await audioStatsInPage(browser.page, 'audio/PCMU');
      assert.equal(before.outbound?.mimeType, 'audio/PCMU', `PCMU first: ${JSON.stringify(before)}`);
      assert.equal(before.inbound?.mimeType, 'audio/PCMU', `sipp echoes PCMU: ${JSON.stringify(before)}`);

      // DTMF by INFO is sipp's cue to send its re-INVITE offering PCMA only.
      await browser.page.evaluate(`window.call.sendDTMF('5', 'INFO')`);
      const after = await audioStatsInPage(browser.page, 'audio/PCMA', before);
      assert.equal(after.outbound?.mimeType, 'audio/PCMA', `the browser sends PCMA: ${JSON.stringify(after)}`);
      assert.equal(after.inbound?.mimeType, 'audio/PCMA', `and receives PCMA: ${JSON.stringify(after)}`);
      assert.ok((after.inbound?.packets ?? 0) > (before.inbound?.packets ?? 0) + 10, JSON.stringify({ before, after }));
      assert.equal(after.pair, before.pair, 'same ICE candidate pair and DTLS certificate: no ICE restart');
      assert.equal(await browser.page.evaluate<string>('window.call.status()'), 'ESTABLISHED');
      assert.ok(!(await browser.page.evaluate<string[]>('window.statuses')).includes('FAILED'));

      await browser.page.evaluate('window.call.hangup()');
      const result = await sipp.result;
      assert.equal(result.exitCode, 0, `sipp's 200 OK check (PCMA answered) and BYE passed: ${result.errorsLog}`);
      assert.equal(result.stats?.successful, 1);
    }),
);

test(
  'a 183 answering PCMA then a 200 OK answering PCMU: the browser is moved to PCMU (call.sdp); audio flows in PCMU',
  { timeout: 90_000 },
  (t) =>
    withArtifacts(t, async (artifacts) => {
      const { sipp, browser } = await startSippCallRig(artifacts, {
        scenario: EARLY_PCMA_THEN_PCMU_UAS_SCENARIO,
        name: 'sipp-early-pcma-then-pcmu',
        extraArgs: ['-rtp_echo'],
        timeoutMs: 60_000,
      });
      const statuses = await browser.page.evaluate<string[]>(callUnregisteredInPage(`sip:early@${sipp.address}`));
      assert.ok(statuses.includes('RING_MEDIA'), `early media first: ${statuses}`);
      assert.deepEqual(statuses.at(-1), 'ESTABLISHED');

      const stats = await audioStatsInPage(browser.page, 'audio/PCMU');
      assert.equal(stats.outbound?.mimeType, 'audio/PCMU', `the browser sends PCMU: ${JSON.stringify(stats)}`);
      assert.equal(stats.inbound?.mimeType, 'audio/PCMU', `sipp echoes PCMU back: ${JSON.stringify(stats)}`);
      assert.ok((stats.inbound?.packets ?? 0) > 10 && (stats.outbound?.packets ?? 0) > 10, JSON.stringify(stats));
      assert.equal(await browser.page.evaluate<string>('window.call.status()'), 'ESTABLISHED');
      assert.ok(!(await browser.page.evaluate<string[]>('window.statuses')).includes('FAILED'));

      await browser.page.evaluate('window.call.hangup()');
      const result = await sipp.result;
      assert.equal(result.exitCode, 0, `sipp saw the ACK and the BYE: ${result.errorsLog}`);
      assert.equal(result.stats?.successful, 1);
    }),
);

const CAROL_HZ = 440;

test(
  "a REFER to a G722-only phone is followed: the new phone is offered the browser's codecs, the browser moves to G722",
  { timeout: 120_000 },
  (t) =>
    withArtifacts(t, async (artifacts) => {
      const { kamailio, bob, page } = await startBaresipCallRig(artifacts, {
        kind: 'chromium',
        browserToneHz: 660,
        users: ['1001', '1002', '1003'],
        bob: { codecs: ['PCMU'] },
      });
      const carol = await startPhone(artifacts, kamailio, '1003', CAROL_HZ, { codecs: ['G722'] });
      await pageCallsBob(page, kamailio, bob);
      const before = await audioStatsInPage(page, 'audio/PCMU');
      assert.equal(before.outbound?.mimeType, 'audio/PCMU', JSON.stringify(before));

      await bob.transfer(kamailio.aor('1003'));
      await carol.waitFor(BaresipEvents.established, 15_000, 'the browser calls the G722-only transfer target');
      await bob.waitFor(BaresipEvents.closed, 15_000, 'the transferor leaves');
      const after = await audioStatsInPage(page, 'audio/G722', before);
      assert.equal(after.outbound?.mimeType, 'audio/G722', `the browser sends G722: ${JSON.stringify(after)}`);
      assert.equal(after.inbound?.mimeType, 'audio/G722', `and receives G722: ${JSON.stringify(after)}`);
      assert.equal(after.pair, before.pair, 'same ICE candidate pair and DTLS certificate: no ICE restart');
      const deadline = Date.now() + 5000;
      let heard = await detectToneInPage(page, 'window.remoteStream', CAROL_HZ);
      while (!heard.present && Date.now() < deadline)
        heard = await detectToneInPage(page, 'window.remoteStream', CAROL_HZ);
      assert.ok(heard.present, `the browser hears the new phone's ${CAROL_HZ} Hz: ${JSON.stringify(heard)}`);
      assert.equal(await page.evaluate<string>('window.call.status()'), 'ESTABLISHED');
      await carol.hangup();
      await page.waitForFunction("window.events.includes('out:FINISH')", 10_000);
    }),
);
