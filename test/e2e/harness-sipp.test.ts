// Proves the sipp part of the harness: sipp against sipp, sipp registering at Kamailio with digest
// authentication (and refused with a wrong password), and sipp sending DTMF by INFO to baresip.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  Baresip,
  BaresipEvents,
  INFO_DTMF_CALL_SCENARIO,
  REGISTER_SCENARIO,
  startKamailio,
  startSipp,
  withArtifacts,
} from '../harness/index.js';

const USERS = [{ user: 'alice', password: 'alice-secret' }];

describe('harness: sipp', { timeout: 60_000 }, () => {
  test('a sipp UAC completes a call with a sipp UAS (built-in scenarios)', { timeout: 20_000 }, (t) =>
    withArtifacts(t, async (artifacts) => {
      const uas = await startSipp(artifacts, { scenario: { builtin: 'uas' }, extraArgs: ['-d', '100'] });
      artifacts.defer(() => uas.stop());
      const uac = await startSipp(artifacts, {
        scenario: { builtin: 'uac' },
        remote: uas.address,
        extraArgs: ['-d', '100'],
      });
      artifacts.defer(() => uac.stop());
      const [client, server] = await Promise.all([uac.result, uas.result]);
      assert.equal(client.exitCode, 0);
      assert.equal(server.exitCode, 0);
      assert.equal(client.stats?.successful, 1);
      assert.equal(client.stats?.failed, 0);
      assert.equal(server.stats?.successful, 1);
    }),
  );

  test(
    'sipp registers at Kamailio with digest auth over UDP and TCP; a wrong password fails',
    { timeout: 20_000 },
    (t) =>
      withArtifacts(t, async (artifacts) => {
        const kamailio = await startKamailio(artifacts, { users: USERS });
        artifacts.defer(() => kamailio.stop());
        const remote = `${kamailio.host}:${kamailio.port}`;
        const good = await startSipp(artifacts, {
          name: 'sipp-good',
          scenario: REGISTER_SCENARIO,
          remote,
          service: 'alice',
          auth: { user: 'alice', password: 'alice-secret' },
          timeoutMs: 5000,
        });
        artifacts.defer(() => good.stop());
        const ok = await good.result;
        assert.equal(ok.exitCode, 0);
        assert.equal(ok.stats?.successful, 1);

        const overTcp = await startSipp(artifacts, {
          name: 'sipp-tcp',
          scenario: REGISTER_SCENARIO,
          remote,
          service: 'alice',
          auth: { user: 'alice', password: 'alice-secret' },
          transport: 't1',
          timeoutMs: 5000,
        });
        artifacts.defer(() => overTcp.stop());
        assert.equal((await overTcp.result).exitCode, 0, 'Kamailio registers over TCP too');

        const bad = await startSipp(artifacts, {
          name: 'sipp-bad',
          scenario: REGISTER_SCENARIO,
          remote,
          service: 'alice',
          auth: { user: 'alice', password: 'wrong' },
          timeoutMs: 5000,
        });
        artifacts.defer(() => bad.stop());
        const refused = await bad.result;
        assert.equal(refused.exitCode, 1);
        assert.equal(refused.stats?.failed, 1);
      }),
  );

  test('baresip reports DTMF that sipp sends by SIP INFO', { timeout: 20_000 }, (t) =>
    withArtifacts(t, async (artifacts) => {
      // baresip registers at a Kamailio that sipp bypasses: sipp calls baresip's own SIP port.
      const kamailio = await startKamailio(artifacts, { users: USERS });
      artifacts.defer(() => kamailio.stop());
      const phone = new Baresip(artifacts, {
        user: 'alice',
        password: 'alice-secret',
        registrar: kamailio,
        toneHz: 440,
        answerMode: 'auto',
      });
      artifacts.defer(() => phone.stop());
      await phone.start();
      const uac = await startSipp(artifacts, {
        scenario: INFO_DTMF_CALL_SCENARIO,
        remote: `127.0.0.1:${phone.sipPort}`,
        service: 'alice',
        keys: { signal: '7' },
        timeoutMs: 10_000,
      });
      artifacts.defer(() => uac.stop());
      const dtmf = await phone.waitFor(BaresipEvents.dtmf, 5000, 'CALL_DTMF_START');
      assert.equal(dtmf.param, '7');
      const done = await uac.result;
      assert.equal(done.exitCode, 0);
      await phone.waitFor(BaresipEvents.closed, 5000, 'CALL_CLOSED');
    }),
  );
});
