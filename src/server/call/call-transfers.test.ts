// Following a REFER from the far side, against the SIP and media TEST DOUBLES (src/server/testing): the
// application's gate is asked first, a browser hanging up mid-transfer cancels the new INVITE, and a target
// that rings for ever does not hold up the old leg's events.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import type { ServerMessage, ServerMessageOf } from '../../protocol/server-messages.js';
import type { SessionGate } from '../session/session.js';
import { Session } from '../session/session.js';
import { FakeMediaPort } from '../testing/fake-media-port.js';
import { FakeSipPort } from '../testing/fake-sip-port.js';
import { Recorder } from '../testing/wait-for.js';

async function established(gate?: SessionGate) {
  const sip = new FakeSipPort();
  const media = new FakeMediaPort();
  const out = new Recorder<ServerMessage>();
  const session = new Session(
    { send: (m) => out.push(m), close: () => undefined },
    { sip, media, log: pino({ level: 'silent' }), ...(gate ? { gate } : {}) },
  );
  const status = (s: string) =>
    out.waitFor(
      (m): m is ServerMessageOf<'call.status'> => m.type === 'call.status' && m.status === s,
      `call status ${s}`,
    );
  await session.receive({ type: 'connect', sipOptions: { login: '1001', password: 'pw', domain: '127.0.0.1' } });
  await session.receive({ type: 'call.start', callId: 'c1', callee: '1002', sdp: 'o' });
  const account = sip.accounts.items[0]!;
  const invite = await account.invites.waitFor(() => true, 'INVITE');
  invite.accept();
  await status('ESTABLISHED');
  return { sip, media, out, session, status, account, invite };
}

const allowAll: SessionGate = {
  connect: async (_s, m) => ({ allow: true, value: m.sipOptions }),
  call: async (_s, r) => ({ allow: true, value: { callee: r.callee } }),
};

describe('Following a REFER', () => {
  test('the gate is asked for the target; a refusal is NOTIFY 603 to the transferor and FAILED to the browser, and nothing is called', async () => {
    const asked: string[] = [];
    const t = await established({
      ...allowAll,
      call: async (_s, r) => {
        asked.push(r.callee);
        return r.callee === '1002'
          ? { allow: true, value: { callee: r.callee } }
          : {
              allow: false,
              sipStatus: 403,
              reason: 'premium numbers are not allowed',
            };
      },
    });
    const notifies = t.invite.refered('900@evil.example');
    assert.equal(await notifies.waitFor((n) => n.startsWith('6'), 'final NOTIFY'), '603 Declined');
    const report = await t.out.waitFor(
      (m): m is ServerMessageOf<'call.transfer'> => m.type === 'call.transfer',
      'call.transfer',
    );
    assert.deepEqual(
      [report.status, report.sipStatus, report.sipReason],
      ['FAILED', 403, 'premium numbers are not allowed'],
    );
    assert.deepEqual(asked, ['1002', '900@evil.example']);
    assert.equal(t.account.invites.items.length, 1, 'no INVITE to the refused target');
    assert.equal(t.session.calls.get('c1')?.status, 'ESTABLISHED');
  });

  test('the gate may rewrite the target', async () => {
    const t = await established({
      ...allowAll,
      call: async (_s, r) => ({ allow: true, value: { callee: r.callee === '1004' ? '2004' : r.callee } }),
    });
    t.invite.refered('1004');
    const moved = await t.account.invites.waitFor((c) => c.request.target === '2004', 'INVITE to the rewritten target');
    moved.accept();
    await t.invite.actions.waitFor((a) => a.kind === 'hangup', 'BYE to the transferor');
  });

  test('the browser hanging up mid-transfer cancels the INVITE to the target', async () => {
    const t = await established();
    t.invite.refered('1004');
    const moved = await t.account.invites.waitFor((c) => c.request.target === '1004', 'INVITE to the target');
    moved.progress(180, 'Ringing');
    await t.session.receive({ type: 'call.hangup', callId: 'c1' });
    await t.status('FINISH');
    await moved.actions.waitFor((a) => a.kind === 'hangup', 'CANCEL of the transfer INVITE');
    await t.invite.actions.waitFor((a) => a.kind === 'hangup', 'BYE to the transferor');
  });

  test('a target that rings for ever does not hold up the old leg: its BYE still arrives, and a re-INVITE is answered', async () => {
    const t = await established();
    t.invite.refered('1004');
    const moved = await t.account.invites.waitFor((c) => c.request.target === '1004', 'INVITE to the target');
    moved.progress(180, 'Ringing');
    const answer = await t.invite.handlers!.onReinvite('far-reoffer');
    assert.match(answer, /far-reoffer/);
    t.invite.bye(); // the transferor leaves (RFC 5589 §6.1): the call lives on while the target rings
    moved.accept('target-answer');
    await t.out
      .waitFor((m) => m.type === 'call.sdp' || m.type === 'call.status', 'anything', 200)
      .catch(() => undefined);
    assert.equal(t.session.calls.get('c1')?.sip, moved);
    moved.bye();
    await t.status('FINISH');
  });
});
