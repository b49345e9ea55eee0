// The embedded registrar against sipp: a registration that is not refreshed expires (waited for as an event);
// a too-short expiry is answered 423 with Min-Expires; a Contact that points nowhere is refused with 400;
// REGISTER over TCP; a REGISTER flood from one address is rate-limited (503 with Retry-After, then silence).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { startSipp, withArtifacts } from '../harness/index.js';
import { nextEvent, startServer } from './registrar-support.js';

const USERS = { '1001': 'secret-1001' };

/** REGISTER, 401, REGISTER with credentials, then the `final` status; Expires and Contact as given. */
function registerScenario(opts: { expires: number; contact?: string; final: number }): string {
  const contact = opts.contact ?? 'sip:[service]@[local_ip]:[local_port];transport=[transport]';
  const request = (cseq: number, auth: boolean) => `
  <send retrans="500">
    <![CDATA[
REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
From: <sip:[service]@[remote_ip]:[remote_port]>;tag=[pid]SIPpTag[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: ${cseq} REGISTER
Contact: <${contact}>
${auth ? '[authentication]\n' : ''}Max-Forwards: 70
Expires: ${opts.expires}
Content-Length: 0

    ]]>
  </send>`;
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="register, expect ${opts.final}">${request(1, false)}
  <recv response="401" auth="true"/>${request(2, true)}
  <recv response="${opts.final}"/>
</scenario>
`;
}

/** One REGISTER without credentials; whatever comes back (401, 503) or nothing at all ends the call well. */
const FLOOD_SCENARIO = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="REGISTER flood">
  <send>
    <![CDATA[
REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
From: <sip:[service]@[remote_ip]:[remote_port]>;tag=[pid]SIPpTag[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 REGISTER
Contact: <sip:[service]@[local_ip]:[local_port]>
Max-Forwards: 70
Expires: 60
Content-Length: 0

    ]]>
  </send>
  <recv response="401" optional="true" next="done"/>
  <recv response="503" timeout="1000" ontimeout="done"/>
  <label id="done"/>
</scenario>
`;

describe('embedded registrar with sipp', { timeout: 120_000 }, () => {
  test('a registration with Expires 2 that is not refreshed expires', { timeout: 20_000 }, (t) =>
    withArtifacts(t, async (artifacts) => {
      const { server, registrar } = await startServer(artifacts, { users: USERS, policy: { minExpires: 1 } });
      const registered = nextEvent(server, 'registered', (b) => b.user === '1001', 5000);
      const sipp = await startSipp(artifacts, {
        scenario: registerScenario({ expires: 2, final: 200 }),
        remote: `${registrar.host}:${registrar.port}`,
        service: '1001',
        auth: { user: '1001', password: USERS['1001'] },
        timeoutMs: 5000,
      });
      artifacts.defer(() => sipp.stop());
      const [binding] = await registered;
      assert.equal(binding.expires, 2);
      assert.equal((await sipp.result).exitCode, 0);
      assert.match(readFileSync((await sipp.result).messagesLog, 'utf8'), /^Contact: <sip:1001@[^>]+>;expires=2/m);
      assert.equal(server.bindings().length, 1);
      // Nobody refreshes it: it goes on its own, as an event (not a sleep).
      const [gone, reason] = await nextEvent(server, 'unregistered', (b) => b.user === '1001', 5000);
      assert.equal(reason, 'expired');
      assert.equal(gone.contact, binding.contact);
      assert.deepEqual(server.bindings(), []);
    }),
  );

  test('REGISTER over TCP binds a TCP contact', { timeout: 20_000 }, (t) =>
    withArtifacts(t, async (artifacts) => {
      const { server, registrar } = await startServer(artifacts, { users: USERS });
      const sipp = await startSipp(artifacts, {
        scenario: registerScenario({ expires: 120, final: 200 }),
        remote: `${registrar.host}:${registrar.port}`,
        service: '1001',
        auth: { user: '1001', password: USERS['1001'] },
        transport: 't1',
        timeoutMs: 5000,
      });
      artifacts.defer(() => sipp.stop());
      assert.equal((await sipp.result).exitCode, 0);
      const [b] = server.bindings();
      assert.equal(b?.transport, 'TCP');
      assert.match(b?.contact ?? '', /;transport=tcp$/i);
      assert.ok((b?.expiresIn ?? 0) > 100);
    }),
  );

  test('Expires 1 below Min-Expires 60 is answered 423 with Min-Expires', { timeout: 20_000 }, (t) =>
    withArtifacts(t, async (artifacts) => {
      const { server, registrar } = await startServer(artifacts, { users: USERS, policy: { minExpires: 60 } });
      const sipp = await startSipp(artifacts, {
        scenario: registerScenario({ expires: 1, final: 423 }),
        remote: `${registrar.host}:${registrar.port}`,
        service: '1001',
        auth: { user: '1001', password: USERS['1001'] },
        timeoutMs: 5000,
      });
      artifacts.defer(() => sipp.stop());
      const r = await sipp.result;
      assert.equal(r.exitCode, 0);
      assert.match(readFileSync(r.messagesLog, 'utf8'), /^Min-Expires: 60/m);
      assert.deepEqual(server.bindings(), []);
    }),
  );

  for (const [what, contact] of [
    ['a host that does not resolve', 'sip:[service]@nowhere.invalid:5060'],
    ['port 0', 'sip:[service]@[local_ip]:0'],
    ['the unspecified address', 'sip:[service]@0.0.0.0:5060'],
    ['a mailto: URI', 'mailto:[service]@example.com'],
  ] as const) {
    test(`a Contact with ${what} is refused with 400`, { timeout: 20_000 }, (t) =>
      withArtifacts(t, async (artifacts) => {
        const { server, registrar } = await startServer(artifacts, { users: USERS });
        const sipp = await startSipp(artifacts, {
          scenario: registerScenario({ expires: 60, contact, final: 400 }),
          remote: `${registrar.host}:${registrar.port}`,
          service: '1001',
          auth: { user: '1001', password: USERS['1001'] },
          timeoutMs: 8000,
        });
        artifacts.defer(() => sipp.stop());
        assert.equal((await sipp.result).exitCode, 0);
        assert.deepEqual(server.bindings(), []);
      }),
    );
  }

  test(
    'a REGISTER flood from one address is rate-limited: 503 with Retry-After, the rest dropped',
    { timeout: 30_000 },
    (t) =>
      withArtifacts(t, async (artifacts) => {
        const { server, registrar } = await startServer(artifacts, {
          users: USERS,
          rateLimit: { perSecond: 5, burst: 20, rejectIntervalMs: 1000 },
        });
        const counts = { reject: 0, drop: 0 };
        server.on('rateLimited', (_source, action) => counts[action]++);
        const calls = 300;
        const sipp = await startSipp(artifacts, {
          name: 'sipp-flood',
          scenario: FLOOD_SCENARIO,
          remote: `${registrar.host}:${registrar.port}`,
          service: '1001',
          calls,
          // 1000 REGISTERs a second, at most 300 at once in flight; a call whose REGISTER got no answer ends
          // (as failed) after 1 s.
          extraArgs: ['-r', '1000', '-l', '300', '-recv_timeout', '1000'],
          timeoutMs: 15_000,
        });
        artifacts.defer(() => sipp.stop());
        const r = await sipp.result;
        const log = readFileSync(r.messagesLog, 'utf8');
        const challenged = log.match(/^SIP\/2\.0 401 /gm)?.length ?? 0;
        const rejected = log.match(/^SIP\/2\.0 503 /gm)?.length ?? 0;
        // The burst got through (and was challenged); the flood did not.
        assert.ok(challenged >= 20, `the first 20 were answered 401 (got ${challenged})`);
        assert.ok(challenged < calls / 2, `most of ${calls} were not let through (got ${challenged} 401s)`);
        assert.ok(rejected >= 1, 'some were answered 503');
        assert.ok(rejected <= 10, `at most one 503 a second (got ${rejected})`);
        assert.match(log, /^Retry-After: \d+/m);
        assert.equal(counts.reject, rejected);
        assert.equal(challenged + counts.reject + counts.drop, calls);
        assert.equal(server.rateLimitedCount, counts.reject + counts.drop);
        // sipp saw the same: an answer for those let through or rejected, silence (its 1 s timeout) for the rest.
        assert.equal(r.stats?.successful, challenged + rejected);
        assert.equal(r.stats?.failed, counts.drop);
      }),
  );
});
