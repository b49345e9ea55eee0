// Password guessing through INVITE at the embedded proxy, with sipp on real UDP: each wrong answer to the 407 is
// 403; once an address has failed maxFailures times, its next INVITE is answered 503 with Retry-After before any
// check (the right password does not help), while a caller at another address with the right password is not
// slowed (it gets through to the location service: 480, 1002 has no binding).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { startSipp, withArtifacts } from '../harness/index.js';
import { startServer } from './registrar-support.js';

const USERS = { '1001': 'secret-1001', '1002': 'secret-1002' };

const invite = (auth: boolean, cseq: number) => `
  <send retrans="500">
    <![CDATA[
INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
From: <sip:1001@[remote_ip]:[remote_port]>;tag=[pid]SIPpTag[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: ${cseq} INVITE
Contact: <sip:1001@[local_ip]:[local_port]>
${auth ? '[authentication]\n' : ''}Max-Forwards: 70
Content-Length: 0

    ]]>
  </send>
  <recv response="100" optional="true"/>`;

const ack = (cseq: number) => `
  <send>
    <![CDATA[
ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
CSeq: ${cseq} ACK
Max-Forwards: 70
Content-Length: 0

    ]]>
  </send>`;

/** INVITE, 407, ACK, INVITE with credentials, `final`, ACK. */
const challenged = (final: number) => `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="INVITE answered ${final} after the 407">${invite(false, 1)}
  <recv response="407" auth="true"/>${ack(1)}${invite(true, 2)}
  <recv response="${final}"/>${ack(2)}
</scenario>
`;

/** INVITE answered 503 at once (no challenge). */
const refused = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="INVITE answered 503">${invite(false, 1)}
  <recv response="503"/>${ack(1)}
</scenario>
`;

describe('password guessing through INVITE with sipp', { timeout: 60_000 }, () => {
  test('3 wrong passwords, then 503 Retry-After unchecked; another address is not slowed', { timeout: 40_000 }, (t) =>
    withArtifacts(t, async (artifacts) => {
      const { server, registrar } = await startServer(artifacts, {
        users: USERS,
        authFailureLimit: { maxFailures: 3, windowMs: 60_000 },
      });
      const throttled: string[] = [];
      server.on('authThrottled', (source, method) => throttled.push(`${method} from ${source}`));
      const run = async (name: string, scenario: string, password: string, calls: number, extra: string[] = []) => {
        const sipp = await startSipp(artifacts, {
          name,
          scenario,
          remote: `${registrar.host}:${registrar.port}`,
          service: '1002',
          auth: { user: '1001', password },
          calls,
          // sipp's digest uri is sip:remote_ip:remote_port unless told (it adds the "sip:"): the Request-URI.
          extraArgs: ['-auth_uri', `1002@${registrar.host}:${registrar.port}`, ...extra],
          timeoutMs: 10_000,
        });
        artifacts.defer(() => sipp.stop());
        const r = await sipp.result;
        assert.equal(r.exitCode, 0, `${name}: every call as scripted (see ${r.messagesLog})`);
        return readFileSync(r.messagesLog, 'utf8');
      };
      const guesses = await run('sipp-guess', challenged(403), 'guess', 3);
      assert.equal(guesses.match(/^SIP\/2\.0 403 /gm)?.length, 3);
      const blocked = await run('sipp-right-but-blocked', refused, USERS['1001'], 1);
      assert.match(blocked, /^Retry-After: 20\r?$/m, 'one failure is forgiven every 60 s / 3');
      assert.deepEqual(throttled, ['INVITE from 127.0.0.1']);
      // Another address (127.0.0.2 reaches the loopback too) with the right password is checked as usual.
      const other = await run('sipp-other-address', challenged(480), USERS['1001'], 1, ['-i', '127.0.0.2']);
      assert.match(other, /^Via: SIP\/2\.0\/UDP 127\.0\.0\.2:/m, 'sent from the other address');
      assert.doesNotMatch(other, /^SIP\/2\.0 503 /m);
      assert.equal(server.authThrottledCount, 1);
    }),
  );
});
