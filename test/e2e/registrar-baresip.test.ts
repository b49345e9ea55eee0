// The embedded registrar and proxy (issue 7) with real softphones: baresip registers with the right and the
// wrong password and as a user the domain does not have; two phones call each other through the proxy and
// hear each other's tones; each side hangs up once.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Artifacts, Baresip, BaresipEvents, detectTone, type Registrar, withArtifacts } from '../harness/index.js';
import { startServer } from './registrar-support.js';

const USERS = { '1001': 'secret-1001', '1002': 'secret-1002' };
const TONE_A = 440;
const TONE_B = 880;
const EVENT_MS = 8000;

async function phone(
  artifacts: Artifacts,
  registrar: Registrar,
  user: string,
  password: string,
  toneHz: number,
  extra: { name?: string; answerMode?: 'auto' | 'manual'; waitForRegistration?: boolean } = {},
): Promise<Baresip> {
  const p = new Baresip(artifacts, { user, password, registrar, toneHz, ...extra });
  artifacts.defer(() => p.stop());
  await p.start();
  return p;
}

async function registerOutcome(p: Baresip): Promise<string> {
  const e = await p.waitFor(
    (ev) => BaresipEvents.registered(ev) || BaresipEvents.registerFailed(ev),
    EVENT_MS,
    'REGISTER_OK or REGISTER_FAIL',
  );
  return e.type === 'REGISTER_OK' ? 'OK' : (e.param ?? '');
}

describe('embedded registrar with baresip', { timeout: 120_000 }, () => {
  test(
    'right password: 200 and a binding; wrong password: 403 after the 401; unknown user: 404 after the 401',
    { timeout: 40_000 },
    (t) =>
      withArtifacts(t, async (artifacts) => {
        const { server, registrar } = await startServer(artifacts, { users: USERS });
        const good = await phone(artifacts, registrar, '1001', USERS['1001'], TONE_A);
        const b = server.bindings();
        assert.equal(b.length, 1);
        assert.equal(b[0]?.user, '1001');
        assert.equal(b[0]?.transport, 'UDP');
        assert.equal(b[0]?.source, `127.0.0.1:${good.sipPort}`);
        assert.ok((b[0]?.expiresIn ?? 0) > 0);

        const wrong = await phone(artifacts, registrar, '1002', 'not-the-password', TONE_B, {
          name: 'wrong',
          waitForRegistration: false,
        });
        assert.match(await registerOutcome(wrong), /^403\b/);
        const unknown = await phone(artifacts, registrar, '1099', 'whatever', TONE_B, {
          name: 'unknown',
          waitForRegistration: false,
        });
        assert.match(await registerOutcome(unknown), /^404\b/);
        // Both were challenged first, with the same challenge.
        for (const p of [wrong, unknown]) {
          // (its log arrives on stdout, the events on ctrl_tcp: wait for the lines rather than read them now)
          await p.waitForLog(/^SIP\/2\.0 401 Unauthorized/, EVENT_MS);
          await p.waitForLog(/^WWW-Authenticate: Digest realm="127\.0\.0\.1"/, EVENT_MS);
        }
        assert.deepEqual(
          server.bindings().map((x) => x.user),
          ['1001'],
        );
      }),
  );

  for (const hangupBy of ['caller', 'callee'] as const) {
    test(`1001 calls 1002 through the proxy, tones both ways, the ${hangupBy} hangs up`, { timeout: 40_000 }, (t) =>
      withArtifacts(t, async (artifacts) => {
        const { server, registrar, aor } = await startServer(artifacts, { users: USERS });
        const a = await phone(artifacts, registrar, '1001', USERS['1001'], TONE_A);
        const b = await phone(artifacts, registrar, '1002', USERS['1002'], TONE_B, { answerMode: 'auto' });
        await a.dial(aor('1002'));
        await Promise.all([
          a.waitFor(BaresipEvents.established, EVENT_MS, 'CALL_ESTABLISHED'),
          b.waitFor(BaresipEvents.established, EVENT_MS, 'CALL_ESTABLISHED'),
        ]);
        await Promise.all([a.waitForReceivedAudio(1000, EVENT_MS), b.waitForReceivedAudio(1000, EVENT_MS)]);
        const [ender, other] = hangupBy === 'caller' ? [a, b] : [b, a];
        const lines = other.logLineCount;
        await ender.hangup();
        const [closedEnder, closedOther] = await Promise.all([
          ender.waitFor(BaresipEvents.closed, EVENT_MS, 'CALL_CLOSED'),
          other.waitFor(BaresipEvents.closed, EVENT_MS, 'CALL_CLOSED'),
        ]);
        assert.match(closedEnder.param ?? '', /reset by user/i);
        assert.match(closedOther.param ?? '', /reset by peer/i);
        // The BYE came through the proxy: it carries the proxy's Via (its port), the route set did its job.
        await other.waitForLog(
          new RegExp(`^Via: SIP/2\\.0/UDP 127\\.0\\.0\\.1:${registrar.port};branch=`),
          EVENT_MS,
          lines,
        );

        // The proxy asked the caller to authenticate the INVITE (407) and record-routed the dialog (its value
        // carries the dialog token that lets in-dialog requests leave the domain along it).
        assert.match(a.logText(), /SIP\/2\.0 407 Proxy Authentication Required/);
        assert.match(
          b.logText(),
          new RegExp(`^Record-Route: <sip:127\\.0\\.0\\.1:${registrar.port};lr;dlg=[\\w-]{22}>`, 'm'),
        );
        const heardByA = a.recordingPath;
        const heardByB = b.recordingPath;
        assert.ok(heardByA && heardByB, 'both phones recorded what they received');
        assert.ok(detectTone(heardByA, TONE_B).present, '1001 hears 1002’s 880 Hz');
        assert.ok(detectTone(heardByB, TONE_A).present, '1002 hears 1001’s 440 Hz');
        assert.ok(!detectTone(heardByA, TONE_A).present, '1001 does not hear its own tone');
        assert.equal(server.bindings().length, 2);
      }),
    );
  }
});
