// Late offer (RFC 3261 §13.2.1, RFC 3264): sipp calls a browser registered at Kamailio with an INVITE without
// SDP. The browser gets an ordinary offer, answers it; Parley's 200 OK carries its offer, sipp's ACK the answer.
// sipp echoes the RTP it receives (-rtp_echo) to where it came from, so the browser hears its own tone only if
// the answer in the ACK reached the RTP leg (before it, the leg has no address to send to).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  detectToneInPage,
  freeUdpRange,
  launchBrowser,
  PCMU,
  SIPP_BYE_ANSWERED,
  sippSdp,
  startKamailio,
  startSipp,
  withArtifacts,
} from '../harness/index.js';
import { ensureSdkBuilt, startServerProcess } from './server-support.js';

/** UAC: INVITE without a body through Kamailio; ACK with the PCMU answer; waits for the browser's BYE. */
const LATE_OFFER_UAC = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="late offer: INVITE without SDP, answer in the ACK">
  <send retrans="500">
    <![CDATA[
INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
From: <sip:sipp@example.invalid>;tag=[pid]SIPpTag[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:sipp@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Length: 0

    ]]>
  </send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="200" rrs="true">
    <action>
      <ereg regexp="m=audio [0-9]+ RTP/AVP" search_in="body" check_it="true" assign_to="offer"/>
      <log message="offer in the 200: [$offer]"/>
    </action>
  </recv>
  <send>
    <![CDATA[
ACK [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
[routes]
From: <sip:sipp@example.invalid>;tag=[pid]SIPpTag[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 1 ACK
Contact: <sip:sipp@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

${sippSdp([PCMU], { dtmf: true })}
    ]]>
  </send>
${SIPP_BYE_ANSWERED}</scenario>
`;

const REGISTER_AND_WAIT = (domain: string) => `(async () => {
  const P = await import('/sdk/parley.mjs');
  window.events = [];
  const session = P.createSession({ sipOptions: { login: '1001', password: 'pw1001', domain: '${domain}' } });
  session.on(P.SESSION_STATUS.INCOMING_CALL, (call) => {
    window.incoming = call;
    for (const st of Object.values(P.CALL_STATUS)) call.on(st, () => window.events.push(st));
  });
  return await new Promise((resolve) => {
    session.on(P.SESSION_STATUS.REGISTERED, () => resolve('REGISTERED'));
    session.on(P.SESSION_STATUS.FAILED, (i) => resolve('FAILED ' + JSON.stringify(i)));
  });
})()`;

test(
  'an INVITE without SDP: our offer in the 200 OK, the answer in the ACK, media both ways',
  { timeout: 90_000 },
  (t) =>
    withArtifacts(t, async (artifacts) => {
      ensureSdkBuilt();
      const kamailio = await startKamailio(artifacts, { users: [{ user: '1001', password: 'pw1001' }] });
      artifacts.defer(() => kamailio.stop());
      const media = await freeUdpRange(100);
      const server = await startServerProcess({ PARLEY_MEDIA_PORTS: `${media.min}-${media.max}` });
      artifacts.defer(async () => {
        assert.equal(await server.stop(), 0);
      });
      artifacts.defer(() => writeFileSync(artifacts.path('parley.log'), server.output()));
      const browser = await launchBrowser(artifacts, 'chromium');
      artifacts.defer(() => browser.close());
      await browser.page.goto(server.url.href);
      const page = browser.page;
      assert.equal(await page.evaluate<string>(REGISTER_AND_WAIT(kamailio.domain)), 'REGISTERED');

      const sipp = await startSipp(artifacts, {
        scenario: LATE_OFFER_UAC,
        remote: `${kamailio.host}:${kamailio.port}`,
        service: '1001',
        extraArgs: ['-rtp_echo'],
        timeoutMs: 40_000,
        name: 'sipp-late-offer',
      });
      artifacts.defer(() => sipp.stop());
      await page.waitForFunction('window.incoming !== undefined', 10_000);
      await page.evaluate(
        'window.incoming.answer({ constraints: { audio: true, video: false } }); window.remoteStream = window.incoming.getRemoteMediaStream();',
      );
      await page.waitForFunction("window.events.includes('ESTABLISHED')", 10_000);
      const heard = await detectToneInPage(page, 'window.remoteStream', browser.micToneHz);
      assert.ok(
        heard.present,
        `the browser hears its own ${browser.micToneHz} Hz echoed by sipp: ${JSON.stringify(heard)}`,
      );
      await page.evaluate('window.incoming.hangup()');
      const result = await sipp.result;
      assert.equal(result.exitCode, 0, `sipp completed the scenario (BYE received): ${result.errorsLog}`);
      assert.equal(result.stats?.successful, 1);
    }),
);
