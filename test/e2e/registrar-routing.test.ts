// The embedded proxy's routing with real softphones: a user with two registered phones gets both rung, the one
// that answers wins and the other receives CANCEL; an unknown user is 404, a known one without a binding 480,
// and a callee's 486 reaches the caller as 486.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Artifacts, Baresip, BaresipEvents, detectTone, type Registrar, withArtifacts } from '../harness/index.js';
import { startServer } from './registrar-support.js';

const USERS = { '1001': 'secret-1001', '1002': 'secret-1002', '1003': 'secret-1003' };
const EVENT_MS = 8000;

async function phone(
  artifacts: Artifacts,
  registrar: Registrar,
  user: keyof typeof USERS,
  toneHz: number,
  name?: string,
): Promise<Baresip> {
  const p = new Baresip(artifacts, { user, password: USERS[user], registrar, toneHz, name: name ?? user });
  artifacts.defer(() => p.stop());
  await p.start();
  return p;
}

describe('embedded proxy routing with baresip', { timeout: 120_000 }, () => {
  test('two phones of 1002 both ring; the one that answers wins, the other gets CANCEL', { timeout: 40_000 }, (t) =>
    withArtifacts(t, async (artifacts) => {
      const { server, registrar, aor } = await startServer(artifacts, { users: USERS });
      const a = await phone(artifacts, registrar, '1001', 440);
      const [desk, mobile] = await Promise.all([
        phone(artifacts, registrar, '1002', 880, 'desk'),
        phone(artifacts, registrar, '1002', 1200, 'mobile'),
      ]);
      assert.equal(server.bindings().filter((b) => b.user === '1002').length, 2);

      await a.dial(aor('1002'));
      await Promise.all([
        desk.waitFor(BaresipEvents.incoming, EVENT_MS, 'CALL_INCOMING at the desk'),
        mobile.waitFor(BaresipEvents.incoming, EVENT_MS, 'CALL_INCOMING on the mobile'),
      ]);
      const deskLines = desk.logLineCount;
      await mobile.accept();
      await Promise.all([
        a.waitFor(BaresipEvents.established, EVENT_MS, 'CALL_ESTABLISHED'),
        mobile.waitFor(BaresipEvents.established, EVENT_MS, 'CALL_ESTABLISHED'),
      ]);
      // §16.7 step 10: the desk's ringing branch is cancelled, with RFC 3326 Reason "completed elsewhere".
      await desk.waitForLog(/^CANCEL sip:1002/, EVENT_MS, deskLines);
      await desk.waitForLog(/^Reason: SIP;cause=200;text="Call completed elsewhere"/, EVENT_MS, deskLines);
      await desk.waitFor(BaresipEvents.closed, EVENT_MS, 'CALL_CLOSED at the desk');
      assert.ok(!desk.events.some(BaresipEvents.established), 'the desk never got the call');

      const heardByA = await a.waitForReceivedAudio(1000, EVENT_MS);
      assert.ok(detectTone(heardByA, 1200).present, 'the caller hears the mobile’s 1200 Hz');
      assert.ok(!detectTone(heardByA, 880).present, 'and not the desk’s 880 Hz');
      await a.hangup();
      await mobile.waitFor(BaresipEvents.closed, EVENT_MS, 'CALL_CLOSED on the mobile');
    }),
  );

  test('unknown user 404, known user without a binding 480, a busy callee 486', { timeout: 40_000 }, (t) =>
    withArtifacts(t, async (artifacts) => {
      const { registrar, aor } = await startServer(artifacts, { users: USERS });
      const a = await phone(artifacts, registrar, '1001', 440);
      const b = await phone(artifacts, registrar, '1002', 880);

      const closedWith = async (target: string, onIncoming?: () => Promise<unknown>): Promise<string> => {
        const since = a.events.length;
        await a.dial(target);
        if (onIncoming !== undefined) await onIncoming();
        const e = await a.waitFor(BaresipEvents.closed, EVENT_MS, `CALL_CLOSED after dialing ${target}`, since);
        return e.param ?? '';
      };
      assert.match(await closedWith(aor('1099')), /^404\b/);
      assert.match(await closedWith(aor('1003')), /^480\b/);
      // baresip rejects an incoming call it hangs up with 486; the proxy passes it back unchanged.
      const bSince = b.events.length;
      const busy = await closedWith(aor('1002'), async () => {
        await b.waitFor(BaresipEvents.incoming, EVENT_MS, 'CALL_INCOMING', bSince);
        await b.hangup();
      });
      assert.match(busy, /^486\b/);
    }),
  );
});
