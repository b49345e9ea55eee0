// Parley's SIP user agent against real peers: Kamailio (registrar + proxy with digest auth) and baresip,
// over UDP on loopback, through the real transport and transaction layers.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import type { InviteServer, Session } from '../../src/sip/index.js';
import { startSipStack } from '../../src/sip/index.js';
import { createTimerConfig } from '../../src/sip/timers.js';
import {
  type Artifacts,
  Baresip,
  BaresipEvents,
  type Kamailio,
  startKamailio,
  withArtifacts,
  withTimeout,
} from '../harness/index.js';

const USERS = [
  { user: 'alice', password: 'alice-secret' },
  { user: 'bob', password: 'bob-secret' },
  { user: 'carol', password: 'carol-secret' },
];

/** The tone each far phone plays, so a test can tell them apart. */
const TONE_HZ: Record<string, number> = { bob: 440, carol: 880 };

/**
 * Kamailio with USERS and one registered baresip per name (answering as told), all stopped after the
 * test, pass or fail.
 */
async function startRig<const N extends readonly string[]>(
  artifacts: Artifacts,
  names: N,
  answerMode: 'auto' | 'manual' = 'auto',
): Promise<{ kamailio: Kamailio; phones: { [K in keyof N]: Baresip } }> {
  const kamailio = await startKamailio(artifacts, { users: USERS });
  artifacts.defer(() => kamailio.stop());
  const phones = names.map((user) => {
    const password = USERS.find((u) => u.user === user)?.password ?? '';
    const phone = new Baresip(artifacts, {
      user,
      password,
      registrar: kamailio,
      toneHz: TONE_HZ[user] ?? 660,
      answerMode,
    });
    artifacts.defer(() => phone.stop());
    return phone;
  });
  await Promise.all(phones.map((p) => p.start()));
  return { kamailio, phones: phones as { [K in keyof N]: Baresip } };
}

/** A user agent on its own UDP port, registered (or not) at the Kamailio. */
async function startUa(
  artifacts: Artifacts,
  kamailio: Kamailio,
  user: string,
  password: string,
  t1?: number,
  protocol: 'UDP' | 'TCP' = 'UDP',
) {
  const stack = await startSipStack({
    listen: [{ transport: protocol, host: '127.0.0.1', port: 0 }],
    user,
    password,
    domain: kamailio.domain,
    outboundProxy: protocol === 'TCP' ? `${kamailio.uri};transport=tcp` : kamailio.uri,
    timers: t1 === undefined ? undefined : createTimerConfig({ T1: t1, T2: Math.max(t1, 4000) }),
  });
  artifacts.defer(() => stack.close());
  return stack;
}

/** An SDP offer/answer for PCMU on a port nobody reads (these tests check signalling, not media). */
function sdp(port: number, extra = ''): Buffer {
  return Buffer.from(
    `v=0\r\no=parley 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n${extra}`,
  );
}

function waitEvent<T extends unknown[]>(emitter: NodeJS.EventEmitter, name: string, ms = 10_000): Promise<T> {
  return withTimeout(once(emitter, name) as Promise<T>, ms, `event ${name}`);
}

describe('SIP user agent with real peers', { timeout: 120_000 }, () => {
  test('registers at Kamailio with digest auth; a wrong password fails with 403', { timeout: 30_000 }, (t) =>
    withArtifacts(t, async (artifacts) => {
      const kamailio = await startKamailio(artifacts, { users: USERS });
      artifacts.defer(() => kamailio.stop());
      const good = await startUa(artifacts, kamailio, 'alice', 'alice-secret');
      good.ua.register();
      const [info] = await waitEvent<[{ expires: number }]>(good.ua, 'registered');
      assert.ok(info.expires > 0);
      const bad = await startUa(artifacts, kamailio, 'bob', 'wrong');
      bad.ua.register();
      const [f] = await waitEvent<[{ status: number }]>(bad.ua, 'registrationFailed');
      assert.equal(f.status, 403);
      const un = waitEvent(good.ua, 'unregistered');
      await good.ua.unregister();
      await un;
    }),
  );

  test('calls baresip through Kamailio; hangs up from each side', { timeout: 40_000 }, (t) =>
    withArtifacts(t, async (artifacts) => {
      const {
        kamailio,
        phones: [bob],
      } = await startRig(artifacts, ['bob']);
      const { ua } = await startUa(artifacts, kamailio, 'alice', 'alice-secret');

      // 1: we hang up.
      const call = ua.invite('bob', sdp(40_000));
      const [session, answer] = await waitEvent<[Session, { status: number; body: Buffer }]>(call, 'accepted');
      assert.equal(answer.status, 200);
      assert.match(answer.body.toString(), /m=audio \d+ RTP\/AVP 0/);
      await bob.waitFor(BaresipEvents.established, 5000, 'CALL_ESTABLISHED');
      const mark = bob.events.length;
      await session.bye();
      await bob.waitFor(BaresipEvents.closed, 5000, 'CALL_CLOSED', mark);

      // 2: baresip hangs up.
      const call2 = ua.invite('bob', sdp(40_002));
      const [session2] = await waitEvent<[Session]>(call2, 'accepted');
      await bob.waitFor(BaresipEvents.established, 5000, 'CALL_ESTABLISHED', mark);
      const ended = waitEvent<[{ by: string }]>(session2, 'terminated');
      await bob.hangup();
      assert.equal((await ended)[0].by, 'remote');
    }),
  );

  test('takes a call from baresip; hold and unhold both ways; INFO DTMF to baresip', { timeout: 40_000 }, (t) =>
    withArtifacts(t, async (artifacts) => {
      const {
        kamailio,
        phones: [bob],
      } = await startRig(artifacts, ['bob']);
      const { ua } = await startUa(artifacts, kamailio, 'alice', 'alice-secret');
      ua.register();
      await waitEvent(ua, 'registered');

      const incoming = waitEvent<[InviteServer]>(ua, 'invite');
      await bob.dial(kamailio.aor('alice'));
      const [inv] = await incoming;
      assert.match(inv.offer.toString(), /m=audio/);
      inv.progress(180);
      const session = inv.accept(sdp(40_010))!;
      await bob.waitFor(BaresipEvents.established, 5000, 'CALL_ESTABLISHED');

      // baresip puts us on hold and back: re-INVITEs with sendonly, then sendrecv.
      const offers: string[] = [];
      session.on('offer', (o) => {
        offers.push(o.body.toString());
        const dir = /a=sendonly/.test(o.body.toString()) ? 'a=recvonly\r\n' : 'a=sendrecv\r\n';
        o.accept(sdp(40_010, dir));
      });
      const held = waitEvent(session, 'offer');
      await bob.hold();
      await held;
      assert.match(offers[0]!, /a=sendonly/);
      const resumed = waitEvent(session, 'offer');
      await bob.resume();
      await resumed;
      assert.doesNotMatch(offers[1]!, /a=sendonly|a=inactive/);

      // We put baresip on hold and back.
      const mark = bob.events.length;
      const h = await session.reinvite(sdp(40_010, 'a=sendonly\r\n'));
      assert.equal(h.status, 200);
      assert.match(h.body.toString(), /a=recvonly|a=inactive/);
      await bob.waitFor(BaresipEvents.remoteOffer, 5000, 'CALL_REMOTE_SDP offer', mark);
      const u = await session.reinvite(sdp(40_010, 'a=sendrecv\r\n'));
      assert.equal(u.status, 200);
      assert.doesNotMatch(u.body.toString(), /a=recvonly|a=inactive/);

      // INFO with application/dtmf-relay reaches baresip as a DTMF key.
      const since = bob.events.length;
      const r = await session.sendDtmf({ tone: '7', duration: 160 });
      assert.equal(r.status, 200);
      assert.equal(await bob.receivedDigits(1, 5000, since), '7');

      const ended = waitEvent(session, 'terminated');
      await bob.hangup();
      await ended;
    }),
  );

  test('REFER: we transfer baresip to another baresip and see the NOTIFY progress', { timeout: 40_000 }, (t) =>
    withArtifacts(t, async (artifacts) => {
      const {
        kamailio,
        phones: [bob, carol],
      } = await startRig(artifacts, ['bob', 'carol']);
      const { ua } = await startUa(artifacts, kamailio, 'alice', 'alice-secret');
      const call = ua.invite('bob', sdp(40_020));
      const [session] = await waitEvent<[Session]>(call, 'accepted');
      await bob.waitFor(BaresipEvents.established, 5000, 'CALL_ESTABLISHED');
      const progress: { status: number; final: boolean }[] = [];
      const final = new Promise<void>((resolve) =>
        session.on('referProgress', (p) => {
          progress.push(p);
          if (p.final) resolve();
        }),
      );
      const r = await session.transfer(kamailio.aor('carol'));
      assert.equal(r.status, 202);
      await withTimeout(final, 10_000, 'final NOTIFY');
      assert.equal(progress.at(-1)!.status, 200);
      await carol.waitFor(BaresipEvents.established, 5000, 'carol CALL_ESTABLISHED');
      await session.bye();
    }),
  );

  test('REFER: baresip transfers us; we accept, call the target and report by NOTIFY', { timeout: 40_000 }, (t) =>
    withArtifacts(t, async (artifacts) => {
      const {
        kamailio,
        phones: [bob, carol],
      } = await startRig(artifacts, ['bob', 'carol']);
      const { ua } = await startUa(artifacts, kamailio, 'alice', 'alice-secret');
      const call = ua.invite('bob', sdp(40_030));
      const [session] = await waitEvent<[Session]>(call, 'accepted');
      await bob.waitFor(BaresipEvents.established, 5000, 'CALL_ESTABLISHED');
      const referred = waitEvent<[import('../../src/sip/index.js').IncomingRefer]>(session, 'refer');
      await bob.transfer(kamailio.aor('carol'));
      const [refer] = await referred;
      assert.equal(refer.target.replace(/;.*$/, ''), kamailio.aor('carol'));
      refer.accept();
      const transferred = ua.invite(refer.target, sdp(40_032));
      const [newSession] = await waitEvent<[Session]>(transferred, 'accepted');
      refer.notify(200, 'OK');
      await carol.waitFor(BaresipEvents.established, 5000, 'carol CALL_ESTABLISHED');
      // The transferor hangs up after the final NOTIFY (RFC 5589 §6.1), or we do.
      const mark = bob.events.length;
      if (session.state !== 'Terminated') await session.bye();
      await bob.waitFor(BaresipEvents.closed, 5000, 'bob CALL_CLOSED', mark);
      await newSession.bye();
    }),
  );

  test('over TCP: registers at Kamailio and calls baresip', { timeout: 30_000 }, (t) =>
    withArtifacts(t, async (artifacts) => {
      const {
        kamailio,
        phones: [bob],
      } = await startRig(artifacts, ['bob']);
      const { ua } = await startUa(artifacts, kamailio, 'alice', 'alice-secret', undefined, 'TCP');
      ua.register();
      await waitEvent(ua, 'registered');
      const call = ua.invite('bob', sdp(40_040));
      const [session] = await waitEvent<[Session]>(call, 'accepted');
      await bob.waitFor(BaresipEvents.established, 5000, 'CALL_ESTABLISHED');
      const mark = bob.events.length;
      await session.bye();
      await bob.waitFor(BaresipEvents.closed, 5000, 'CALL_CLOSED', mark);
    }),
  );

  test(
    'failures and cancels with baresip: it rejects our call; it cancels its ringing call; we cancel ours',
    { timeout: 40_000 },
    (t) =>
      withArtifacts(t, async (artifacts) => {
        const {
          kamailio,
          phones: [bob],
        } = await startRig(artifacts, ['bob'], 'manual');
        const { ua } = await startUa(artifacts, kamailio, 'alice', 'alice-secret');
        ua.register();
        await waitEvent(ua, 'registered');

        // baresip rejects an incoming call when told to hang up while it rings.
        let mark = bob.events.length;
        const rejected = ua.invite('bob', sdp(40_050));
        const rejectedFailed = waitEvent<[{ status: number; reason: string }]>(rejected, 'failed');
        await bob.waitFor(BaresipEvents.incoming, 5000, 'CALL_INCOMING', mark);
        await bob.hangup();
        const [f] = await rejectedFailed;
        assert.ok(f.status >= 400 && f.status < 700, `a final failure status, got ${f.status} ${f.reason}`);

        // We cancel a ringing call: CANCEL, 487, and baresip sees the call closed.
        mark = bob.events.length;
        const ringing = ua.invite('bob', sdp(40_052));
        const ringingProgress = waitEvent(ringing, 'progress');
        const ringingFailed = waitEvent<[{ status: number }]>(ringing, 'failed');
        await bob.waitFor(BaresipEvents.incoming, 5000, 'CALL_INCOMING', mark);
        await ringingProgress;
        ringing.cancel();
        const [c] = await ringingFailed;
        assert.equal(c.status, 487);
        await bob.waitFor(BaresipEvents.closed, 5000, 'CALL_CLOSED', mark);

        // baresip calls us and gives up while we ring: our side sees 'canceled'.
        const incoming = waitEvent<[InviteServer]>(ua, 'invite');
        mark = bob.events.length;
        await bob.dial(kamailio.aor('alice'));
        const [inv] = await incoming;
        inv.progress(180);
        const canceled = waitEvent(inv, 'canceled');
        await bob.hangup();
        await canceled;
        assert.equal(inv.state, 'Canceled');
      }),
  );
});
