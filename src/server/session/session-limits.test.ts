// Limits and shutdown of a Session against the SIP and media TEST DOUBLES (src/server/testing): calls per
// session and open media sessions are capped before any media is opened; a session that is closing places
// no call; a call whose SIP side fails to answer a hangup still ends and releases its media.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import type { ClientMessage } from '../../protocol/client-messages.js';
import type { ServerMessage, ServerMessageOf } from '../../protocol/server-messages.js';
import type { SipAccount, SipAccountHandlers, SipAccountOptions, SipPort } from '../ports.js';
import { FakeMediaPort } from '../testing/fake-media-port.js';
import {
  type FakeSipAccount,
  type FakeSipIncomingCall,
  FakeSipPort,
  type SipAction,
} from '../testing/fake-sip-port.js';
import { Recorder } from '../testing/wait-for.js';
import { MediaLimit } from './media-limit.js';
import { type GateDecision, Session, type SessionDeps } from './session.js';

const login = { login: '1001', password: 'pw', domain: '127.0.0.1' };

function make(deps: Partial<SessionDeps> = {}, sip: SipPort = new FakeSipPort()) {
  const media = new FakeMediaPort();
  const out = new Recorder<ServerMessage>();
  const session = new Session(
    { send: (m) => out.push(m), close: () => undefined },
    { sip, media, log: pino({ level: 'silent' }), ...deps },
  );
  const send = (m: ClientMessage) => session.receive(m);
  const status = (s: string, callId?: string) =>
    out.waitFor(
      (m): m is ServerMessageOf<'call.status'> =>
        m.type === 'call.status' && m.status === s && (!callId || m.callId === callId),
      `call status ${s} ${callId ?? ''}`,
    );
  const registered = async () => {
    await send({ type: 'connect', sipOptions: login });
    await out.waitFor((m) => m.type === 'session.status' && m.status === 'REGISTERED', 'REGISTERED');
  };
  return { media, out, session, send, status, registered };
}

const rejectOf = (a: FakeSipIncomingCall) =>
  a.actions.waitFor((x): x is Extract<SipAction, { kind: 'reject' }> => x.kind === 'reject', 'reject');

describe('Session limits', () => {
  test('an INVITE beyond maxCallsPerSession is answered 486 before any media is opened', async () => {
    const sip = new FakeSipPort();
    const t = make({ maxCallsPerSession: 2 }, sip);
    await t.registered();
    const account = sip.accounts.items[0]!;
    account.incoming({ offer: 'o1' });
    account.incoming({ offer: 'o2', caller: '1003' });
    await t.out.waitFor((m) => m.type === 'call.incoming' && m.caller === '1003');
    const third = account.incoming({ offer: 'o3', caller: '1004' });
    assert.equal((await rejectOf(third)).status, 486);
    assert.equal(t.media.sessions.items.length, 2, 'no media for the refused call');
    assert.equal(t.session.calls.size, 2);
    assert.ok(!t.out.items.some((m) => m.type === 'call.incoming' && m.caller === '1004'));
  });

  test('outgoing calls waiting on the gate count against maxCallsPerSession', async () => {
    const sip = new FakeSipPort();
    let allow!: () => void;
    const decided = new Promise<void>((r) => {
      allow = r;
    });
    const t = make(
      {
        maxCallsPerSession: 1,
        gate: {
          connect: async (_s, m) => ({ allow: true, value: m.sipOptions }),
          call: async (_s, r): Promise<GateDecision<{ callee: string }>> => {
            await decided;
            return { allow: true, value: { callee: r.callee } };
          },
        },
      },
      sip,
    );
    await t.registered();
    const started = t.send({ type: 'call.start', callId: 'c1', callee: '1002', sdp: 'o' });
    const inc = sip.accounts.items[0]!.incoming({ offer: 'o1' });
    assert.equal((await rejectOf(inc)).status, 486);
    assert.equal(t.media.sessions.items.length, 0);
    allow();
    await started;
    await sip.accounts.items[0]!.invites.waitFor(() => true, 'INVITE');
  });

  test('a server-wide media limit: an INVITE beyond it gets 503 with no media opened; an outgoing call FAILED 503; the slot comes back', async () => {
    const sip = new FakeSipPort();
    const limit = new MediaLimit(1);
    const a = make({ mediaLimit: limit }, sip);
    const b = make({ mediaLimit: limit }, sip);
    await a.registered();
    await b.registered();
    await a.send({ type: 'call.start', callId: 'c1', callee: '1002', sdp: 'o' });
    const invite = await sip.accounts.items[0]!.invites.waitFor(() => true, 'INVITE');
    assert.equal(limit.open, 1);
    const inc = sip.accounts.items[1]!.incoming({ offer: 'o' });
    assert.equal((await rejectOf(inc)).status, 503);
    await b.send({ type: 'call.start', callId: 'c2', callee: '1003', sdp: 'o' });
    const failed = await b.status('FAILED', 'c2');
    assert.equal(failed.sipStatus, 503);
    assert.equal(a.media.sessions.items.length + b.media.sessions.items.length, 1);
    invite.accept();
    await a.status('ESTABLISHED');
    invite.bye();
    await a.status('FINISH');
    // The slot comes back once the media session has closed (a few turns of the event loop, no timer).
    for (let i = 0; i < 100 && limit.open > 0; i++) await new Promise(setImmediate);
    assert.equal(limit.open, 0);
    await b.send({ type: 'call.start', callId: 'c3', callee: '1003', sdp: 'o' });
    await sip.accounts.items[1]!.invites.waitFor(() => true, 'INVITE after the slot came back');
  });
});

describe('Session shutdown', () => {
  test('a call the gate allows while the session is closing is never placed', async () => {
    // The account's close() waits for the test: the session is closing, its state not yet DISCONNECTED.
    const fake = new FakeSipPort();
    let finishClose!: () => void;
    const closeGate = new Promise<void>((r) => {
      finishClose = r;
    });
    const sip: SipPort = {
      createAccount(o: SipAccountOptions, h: SipAccountHandlers): SipAccount {
        const inner = fake.createAccount(o, h);
        return {
          register: () => inner.register(),
          unregister: () => inner.unregister(),
          invite: (r, hs) => inner.invite(r, hs),
          close: async () => {
            await closeGate;
            await inner.close();
          },
        };
      },
    };
    let allow!: () => void;
    const decided = new Promise<void>((r) => {
      allow = r;
    });
    const t = make(
      {
        gate: {
          connect: async (_s, m) => ({ allow: true, value: m.sipOptions }),
          call: async (_s, r) => {
            await decided;
            return { allow: true, value: { callee: r.callee } };
          },
        },
      },
      sip,
    );
    await t.registered();
    const started = t.send({ type: 'call.start', callId: 'c1', callee: '1002', sdp: 'o' });
    const closed = t.session.close('socket closed');
    allow();
    await started;
    finishClose();
    await closed;
    assert.equal(t.session.status, 'DISCONNECTED');
    assert.equal((fake.accounts.items[0] as FakeSipAccount).invites.items.length, 0, 'no INVITE');
    assert.equal(t.media.sessions.items.length, 0, 'no media opened');
    assert.equal(t.session.calls.size, 0);
  });

  test('a hangup whose SIP side fails still ends the call (FINISH) and closes its media', async () => {
    const sip = new FakeSipPort();
    const t = make({}, sip);
    await t.registered();
    const inc = sip.accounts.items[0]!.incoming({ offer: 'o' });
    const offered = await t.out.waitFor(
      (m): m is ServerMessageOf<'call.incoming'> => m.type === 'call.incoming',
      'call.incoming',
    );
    await t.status('RING');
    inc.reject = async () => {
      throw new Error('transport closed');
    };
    await t.send({ type: 'call.hangup', id: 'h', callId: offered.callId });
    await t.status('FINISH');
    assert.equal(t.session.calls.size, 0);
    assert.equal(t.media.sessions.items[0]!.closed, true);
  });

  test('a BYE that fails still ends an established call', async () => {
    const sip = new FakeSipPort();
    const t = make({}, sip);
    await t.registered();
    await t.send({ type: 'call.start', callId: 'c1', callee: '1002', sdp: 'o' });
    const invite = await sip.accounts.items[0]!.invites.waitFor(() => true, 'INVITE');
    invite.accept();
    await t.status('ESTABLISHED');
    invite.hangup = async () => {
      throw new Error('transport closed');
    };
    await t.send({ type: 'call.hangup', id: 'h', callId: 'c1' });
    await t.status('FINISH');
    assert.equal(t.session.calls.size, 0);
    assert.equal(t.media.sessions.items[0]!.closed, true);
  });
});
