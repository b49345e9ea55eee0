// Test fixture: a Session wired to the SIP and media TEST DOUBLES, with helpers that wait for what the
// browser receives.
import { pino } from 'pino';
import type { ClientMessage } from '../../protocol/client-messages.js';
import type { ServerMessage, ServerMessageOf } from '../../protocol/server-messages.js';
import { Session } from '../session/session.js';
import { FakeMediaPort } from './fake-media-port.js';
import { type FakeSipAccount, FakeSipPort } from './fake-sip-port.js';
import { Recorder } from './wait-for.js';

export const login = { login: '1001', password: 'pw', domain: '127.0.0.1' };

export function setup() {
  const sip = new FakeSipPort();
  const media = new FakeMediaPort();
  const out = new Recorder<ServerMessage>();
  const closed: number[] = [];
  const session = new Session(
    { send: (m) => out.push(m), close: (code) => closed.push(code) },
    { sip, media, log: pino({ level: 'silent' }) },
  );
  const send = (m: ClientMessage) => session.receive(m);
  const status = (s: string, callId?: string) =>
    out.waitFor(
      (m): m is ServerMessageOf<'call.status'> =>
        m.type === 'call.status' && m.status === s && (!callId || m.callId === callId),
      `call status ${s}`,
    );
  const sessionStatus = (s: string) =>
    out.waitFor(
      (m): m is ServerMessageOf<'session.status'> => m.type === 'session.status' && m.status === s,
      `session status ${s}`,
    );
  const error = (inReplyTo: string) =>
    out.waitFor(
      (m): m is ServerMessageOf<'error'> => m.type === 'error' && m.inReplyTo === inReplyTo,
      `error for ${inReplyTo}`,
    );
  const connected = async (): Promise<FakeSipAccount> => {
    await send({ type: 'connect', sipOptions: login });
    await sessionStatus('REGISTERED');
    return sip.accounts.items[0]!;
  };
  return { sip, media, out, closed, session, send, status, sessionStatus, error, connected };
}

export async function outgoingCall(t: ReturnType<typeof setup>, callId = 'c1') {
  const account = await t.connected();
  await t.send({ type: 'call.start', id: `start-${callId}`, callId, callee: '1002', sdp: 'browser-offer' });
  const invite = await account.invites.waitFor(() => true, 'INVITE');
  return { account, invite };
}
