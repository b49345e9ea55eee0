// Timers armed from numbers a peer chose (Session-Expires, a registrar's granted expires, Min-Expires) stay
// within what a Node timer can hold (2^31-1 ms; a longer delay fires after 1 ms) and within our own bounds.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { afterEach, describe, test } from 'node:test';
import { FakeClock, type TimerHandle } from '../clock.js';
import type { SipRequest, SipResponse } from '../message/message.js';
import type { InviteServer } from './invite-server.js';
import { createResponse } from './message-factory.js';
import { MAX_REGISTRATION_EXPIRES, MIN_REGISTRATION_EXPIRES } from './registration.js';
import type { Session } from './session.js';
import { MAX_SESSION_EXPIRES } from './session-timer.js';
import { LoopbackWire } from './testing.js';
import { UserAgent } from './user-agent.js';

const NODE_MAX_DELAY = 2 ** 31 - 1;

/** A FakeClock that records every delay asked for. */
class RecordingClock extends FakeClock {
  readonly delays: number[] = [];
  override setTimeout(fn: () => void, ms: number): TimerHandle {
    this.delays.push(ms);
    return super.setTimeout(fn, ms);
  }
}

const SDP = Buffer.from(
  'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n',
);

let cleanup: (() => void) | undefined;
afterEach(() => {
  cleanup?.();
  cleanup = undefined;
});

const drain = async () => {
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
};

function assertDelaysBounded(clock: RecordingClock): void {
  for (const d of clock.delays) assert.ok(Number.isFinite(d) && d >= 0 && d <= NODE_MAX_DELAY, `timer delay ${d}`);
}

describe('Session-Expires from the peer (RFC 4028 §9)', () => {
  test('Session-Expires: 9999999;refresher=uas is answered with the lowered interval, refreshes at half of it', async () => {
    const clock = new RecordingClock(1_000_000);
    const wire = new LoopbackWire(clock);
    const a = wire.end('A');
    const b = wire.end('B');
    cleanup = () => {
      a.close();
      b.close();
    };
    const alice = new UserAgent({ network: a, user: 'alice', domain: 'example.com', clock });
    const bob = new UserAgent({ network: b, user: 'bob', domain: 'example.com', clock });
    const bobSession = new Promise<Session>((resolve) =>
      bob.once('invite', (inv: InviteServer) => {
        const s = inv.accept(SDP);
        s?.once('acked', () => resolve(s));
      }),
    );
    const call = alice.invite('bob', SDP, {
      headers: [
        ['Session-Expires', '9999999;refresher=uas'],
        ['Supported', 'timer'],
      ],
    });
    const [aliceSession] = (await once(call, 'accepted')) as [Session];
    await bobSession;
    aliceSession.on('offer', (o) => o.accept(Buffer.alloc(0)));
    const ok = wire.find((m) => m.kind === 'response' && m.status === 200)[0] as SipResponse;
    assert.equal(ok.headers.get('Session-Expires'), `${MAX_SESSION_EXPIRES};refresher=uas`);
    assertDelaysBounded(clock);
    const before = wire.log.length;
    clock.tick(1_000);
    await drain();
    assert.equal(wire.log.length, before, 'no refresh after 1 s');
    clock.tick((MAX_SESSION_EXPIRES / 2) * 1000);
    await drain();
    const refreshes = wire.log.slice(before).filter((e) => e.from === 'B' && e.message.kind === 'request');
    assert.equal(refreshes.length, 1, 'one refresh at half the lowered interval');
  });
});

/** A registrar that grants `contactExpires` as the Contact's expires parameter. */
function registrar(contactExpires: string | undefined, expiresHeader?: string) {
  const clock = new RecordingClock(1_000_000);
  const wire = new LoopbackWire(clock);
  const a = wire.end('A');
  const r = wire.end('R');
  const registers: SipRequest[] = [];
  r.onRequest((req, tx) => {
    if (tx === undefined) return;
    registers.push(req);
    const contact = req.headers.get('Contact') ?? '';
    const headers: [string, string][] = [];
    headers.push(['Contact', contactExpires === undefined ? contact : `${contact};expires=${contactExpires}`]);
    if (expiresHeader !== undefined) headers.push(['Expires', expiresHeader]);
    tx.respond(createResponse(req, 200, { toTag: 'r', headers }));
  });
  const ua = new UserAgent({ network: a, user: 'alice', domain: 'example.com', clock, expires: 600 });
  cleanup = () => {
    a.close();
    r.close();
  };
  return { clock, ua, registers };
}

describe("the registrar's granted expires (RFC 3261 §10.2.4)", () => {
  for (const [name, granted, header, expected] of [
    ['huge', '9999999999', undefined, MAX_REGISTRATION_EXPIRES],
    ['not a number', 'abc', undefined, 600],
    ['missing, with a NaN Expires header', undefined, 'x', 600],
    ['tiny', '1', undefined, MIN_REGISTRATION_EXPIRES],
  ] as const) {
    test(`${name}: clamped, and no REGISTER loop`, async () => {
      const s = registrar(granted, header);
      s.ua.register();
      const [info] = await once(s.ua, 'registered');
      assert.equal(info.expires, expected);
      assertDelaysBounded(s.clock);
      s.clock.tick(1_000);
      await drain();
      assert.equal(s.registers.length, 1, 'no refresh within 1 s');
      s.clock.tick((expected / 2) * 1000);
      await once(s.ua, 'registered');
      assert.equal(s.registers.length, 2, 'refreshed at half the clamped value');
    });
  }

  test('a Min-Expires over the maximum is not followed (423 ends as a failure)', async () => {
    const clock = new RecordingClock(1_000_000);
    const wire = new LoopbackWire(clock);
    const a = wire.end('A');
    const r = wire.end('R');
    cleanup = () => {
      a.close();
      r.close();
    };
    r.onRequest((req, tx) =>
      tx?.respond(createResponse(req, 423, { toTag: 'r', headers: [['Min-Expires', '9999999999']] })),
    );
    const ua = new UserAgent({ network: a, user: 'alice', domain: 'example.com', clock });
    ua.register();
    const [f] = await once(ua, 'registrationFailed');
    assert.equal(f.status, 423);
    assert.equal(wire.lines.filter((l) => l === 'A>R REGISTER').length, 1);
  });
});
