// Proves the harness of real SIP peers: two baresip phones register at Kamailio and call each other,
// directly and with rtpengine anchoring the media; each hears the other's tone; DTMF crosses; a wrong
// password is refused.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type Artifacts,
  Baresip,
  BaresipEvents,
  detectTone,
  type Kamailio,
  startKamailio,
  withArtifacts,
} from '../harness/index.js';

const USERS = [
  { user: 'alice', password: 'alice-secret' },
  { user: 'bob', password: 'bob-secret' },
];
const TONE_A = 440;
const TONE_B = 880;
const EVENT_MS = 5000;

async function twoPhones(artifacts: Artifacts, kamailio: Kamailio, codecs?: string[]): Promise<[Baresip, Baresip]> {
  const registrar = kamailio;
  const a = new Baresip(artifacts, { user: 'alice', password: 'alice-secret', registrar, toneHz: TONE_A, codecs });
  artifacts.defer(() => a.stop());
  const b = new Baresip(artifacts, {
    user: 'bob',
    password: 'bob-secret',
    registrar,
    toneHz: TONE_B,
    answerMode: 'auto',
    codecs,
  });
  artifacts.defer(() => b.stop());
  await Promise.all([a.start(), b.start()]);
  return [a, b];
}

/** A calls B, both hear each other, DTMF crosses, A hangs up. */
async function callAndCheck(a: Baresip, b: Baresip, kamailio: Kamailio): Promise<void> {
  await a.dial(`sip:bob@${kamailio.domain}`);
  const [established] = await Promise.all([
    a.waitFor(BaresipEvents.established, EVENT_MS, 'CALL_ESTABLISHED'),
    b.waitFor(BaresipEvents.established, EVENT_MS, 'CALL_ESTABLISHED'),
  ]);
  assert.match(established.peeruri ?? '', /^sip:bob@/);

  // One second of each other's audio is plenty for a 100 ms-block detector.
  await Promise.all([a.waitForReceivedAudio(1000, EVENT_MS), b.waitForReceivedAudio(1000, EVENT_MS)]);

  const since = b.events.length;
  await a.sendDtmf('123#');
  assert.equal(await b.receivedDigits(4, EVENT_MS, since), '123#');

  await a.hangup();
  const [closedA, closedB] = await Promise.all([
    a.waitFor(BaresipEvents.closed, EVENT_MS, 'CALL_CLOSED'),
    b.waitFor(BaresipEvents.closed, EVENT_MS, 'CALL_CLOSED'),
  ]);
  assert.match(closedA.param ?? '', /reset by user/i);
  assert.match(closedB.param ?? '', /reset by peer/i);

  const heardByA = a.recordingPath;
  const heardByB = b.recordingPath;
  assert.ok(heardByA && heardByB, 'both phones recorded what they received');
  assert.ok(detectTone(heardByA, TONE_B).present, 'A hears B’s 880 Hz');
  assert.ok(!detectTone(heardByA, TONE_A).present, 'A does not hear its own 440 Hz');
  assert.ok(detectTone(heardByB, TONE_A).present, 'B hears A’s 440 Hz');
  assert.ok(!detectTone(heardByB, TONE_B).present, 'B does not hear its own 880 Hz');
}

function inRange(port: number, range: { min: number; max: number }): boolean {
  return port >= range.min && port <= range.max;
}

describe('harness: baresip ⇄ baresip through Kamailio', { timeout: 90_000 }, () => {
  test(
    'two phones register, call, hear each other’s tone, DTMF crosses, hangup closes both',
    { timeout: 30_000 },
    (t) =>
      withArtifacts(t, async (artifacts) => {
        const kamailio = await startKamailio(artifacts, { users: USERS });
        artifacts.defer(() => kamailio.stop());
        const [a, b] = await twoPhones(artifacts, kamailio);
        await callAndCheck(a, b, kamailio);
        // Without a relay the media flows phone to phone: every SDP port is one of theirs.
        for (const port of b.sdpAudioPorts()) {
          assert.ok(inRange(port, a.rtpPorts) || inRange(port, b.rtpPorts), `port ${port} belongs to a phone`);
        }
      }),
  );

  test('with rtpengine the SDP points at the relay and tones cross both ways', { timeout: 30_000 }, (t) =>
    withArtifacts(t, async (artifacts) => {
      const kamailio = await startKamailio(artifacts, { users: USERS, rtpengine: true });
      artifacts.defer(() => kamailio.stop());
      const relay = kamailio.rtpengine;
      assert.ok(relay);
      const [a, b] = await twoPhones(artifacts, kamailio);
      await callAndCheck(a, b, kamailio);
      // B was offered, and A answered with, media addresses of rtpengine, not of the other phone.
      assert.ok(
        b.sdpAudioPorts().some((p) => inRange(p, relay.mediaPorts)),
        'B’s INVITE offers rtpengine media',
      );
      assert.ok(
        a.sdpAudioPorts().some((p) => inRange(p, relay.mediaPorts)),
        'A’s 200 OK answers rtpengine media',
      );
      assert.ok(!b.sdpAudioPorts().some((p) => inRange(p, a.rtpPorts)), 'B never sees A’s own media port');
      assert.ok(!a.sdpAudioPorts().some((p) => inRange(p, b.rtpPorts)), 'A never sees B’s own media port');
    }),
  );

  for (const codec of ['G722', 'opus']) {
    test(`a call in ${codec} carries both tones and DTMF`, { timeout: 30_000 }, (t) =>
      withArtifacts(t, async (artifacts) => {
        const kamailio = await startKamailio(artifacts, { users: USERS });
        artifacts.defer(() => kamailio.stop());
        const [a, b] = await twoPhones(artifacts, kamailio, [codec]);
        await callAndCheck(a, b, kamailio);
        assert.match(b.logText(), new RegExp(`^a=rtpmap:\\d+ ${codec}/`, 'im'));
      }),
    );
  }

  test('hold and resume send re-INVITEs; a blind transfer moves the call to a third phone', { timeout: 30_000 }, (t) =>
    withArtifacts(t, async (artifacts) => {
      const users = [...USERS, { user: 'carol', password: 'carol-secret' }];
      const kamailio = await startKamailio(artifacts, { users });
      artifacts.defer(() => kamailio.stop());
      const [a, b] = await twoPhones(artifacts, kamailio);
      const c = new Baresip(artifacts, { user: 'carol', password: 'carol-secret', registrar: kamailio, toneHz: 1200 });
      artifacts.defer(() => c.stop());
      await c.start();

      await a.dial(kamailio.aor('bob'));
      await Promise.all([
        a.waitFor(BaresipEvents.established, EVENT_MS),
        b.waitFor(BaresipEvents.established, EVENT_MS),
      ]);

      // RFC 3264 §8.4: hold is a re-INVITE whose offer makes the stream sendonly; resume makes it sendrecv.
      let since = b.events.length;
      let sinceLine = b.logLineCount;
      await a.hold();
      await b.waitFor(BaresipEvents.remoteOffer, EVENT_MS, 're-INVITE for hold', since);
      await b.waitForLog(/^a=sendonly/, EVENT_MS, sinceLine);
      since = b.events.length;
      sinceLine = b.logLineCount;
      await a.resume();
      await b.waitFor(BaresipEvents.remoteOffer, EVENT_MS, 're-INVITE for resume', since);
      await b.waitForLog(/^a=sendrecv/, EVENT_MS, sinceLine);

      // RFC 3515: A sends REFER to B; B calls carol (manual answer) and A's call ends.
      await a.transfer(kamailio.aor('carol'));
      const refer = await b.waitFor(BaresipEvents.transfer, EVENT_MS, 'TRANSFER');
      assert.match(refer.param ?? '', /^sip:carol@/);
      const incoming = await c.waitFor(BaresipEvents.incoming, EVENT_MS, 'CALL_INCOMING');
      assert.match(incoming.peeruri ?? '', /^sip:bob@/);
      await c.accept();
      await c.waitFor(BaresipEvents.established, EVENT_MS, 'CALL_ESTABLISHED');
      const closedA = await a.waitFor(BaresipEvents.closed, EVENT_MS, 'CALL_CLOSED');
      assert.match(closedA.param ?? '', /transfer/i);
      const heardByC = await c.waitForReceivedAudio(500, EVENT_MS);
      assert.ok(detectTone(heardByC, TONE_B).present, 'carol hears bob’s 880 Hz');
    }),
  );

  test('a wrong password is refused by the registrar', { timeout: 20_000 }, (t) =>
    withArtifacts(t, async (artifacts) => {
      const kamailio = await startKamailio(artifacts, { users: USERS });
      artifacts.defer(() => kamailio.stop());
      const registrar = kamailio;
      const mallory = new Baresip(artifacts, {
        user: 'alice',
        password: 'not-her-password',
        registrar,
        toneHz: TONE_A,
        waitForRegistration: false,
      });
      artifacts.defer(() => mallory.stop());
      await mallory.start();
      const outcome = await mallory.waitFor(
        (e) => BaresipEvents.registered(e) || BaresipEvents.registerFailed(e),
        EVENT_MS,
        'REGISTER_OK or REGISTER_FAIL',
      );
      assert.equal(outcome.type, 'REGISTER_FAIL');
      assert.match(outcome.param ?? '', /^(401|403|407)\b/);
    }),
  );
});
