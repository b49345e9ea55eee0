import assert from 'node:assert/strict';
import { once } from 'node:events';
import { afterEach, describe, test } from 'node:test';
import { FakeClock } from '../clock.js';
import { tagOf } from '../dialog/addr.js';
import type { SipResponse } from '../message/message.js';
import type { InviteServer } from './invite-server.js';
import { createRequest } from './message-factory.js';
import type { InfoReceived, Session } from './session.js';
import { type LoopbackEnd, LoopbackWire } from './testing.js';
import { UserAgent } from './user-agent.js';
import { UserAgentHost } from './user-agent-host.js';

const SDP = Buffer.from(
  'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n',
);

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

const drain = () => new Promise<void>((r) => setImmediate(r));

/** A gateway end `G` hosting user agents, and a far end `P` with its own UA (carol) and raw requests. */
function setup() {
  const clock = new FakeClock(1_000_000);
  const wire = new LoopbackWire(clock);
  const g = wire.end('G', false);
  const p: LoopbackEnd = wire.end('P', false);
  const host = new UserAgentHost({
    network: {
      contactFor: (t) => (t === g.contact.transport ? { host: g.contact.host, port: g.contact.port } : undefined),
      sendRequest: (r, c) => g.sendRequest(r, c),
      sendAck: (a) => g.sendAck(a),
      onRequest: (h) => g.onRequest(h),
    },
    clock,
  });
  const carol = new UserAgent({ network: p, user: 'carol', domain: 'example.com', clock });
  cleanup = () => {
    g.close();
    p.close();
  };
  /** Sends a raw request from P and resolves with its final response. */
  const raw = (
    method: string,
    uri: string,
    extra: { callId?: string; fromTag?: string; toTag?: string; cseq?: number } = {},
  ) =>
    new Promise<SipResponse>((resolve, reject) => {
      const req = createRequest({
        method,
        uri,
        from: '<sip:carol@example.com>',
        to: `<${uri}>${extra.toTag === undefined ? '' : `;tag=${extra.toTag}`}`,
        contact: '<sip:carol@p.invalid>',
        cseq: extra.cseq ?? 1_000_000, // above any CSeq of the dialog (RFC 3261 §12.2.2)
        ...(extra.callId === undefined ? {} : { callId: extra.callId }),
        ...(extra.fromTag === undefined ? {} : { fromTag: extra.fromTag }),
        ...(method === 'INVITE' ? { body: SDP } : {}),
      });
      p.sendRequest(req, {
        receiveResponse: (r) => {
          if (r.status >= 200) resolve(r);
        },
        onError: reject,
      });
    });
  return { clock, wire, host, carol, raw };
}

/** The Contact URI a hosted UA puts in its requests. */
const contactOf = (ua: UserAgent) => /<([^>]+)>/.exec(ua.ctx.contact)?.[1] ?? '';

describe('UserAgentHost: many user agents on one network', () => {
  test('each UA has its own Contact user on the shared address, and gets only the INVITEs for it', async () => {
    const s = setup();
    const one = s.host.createUserAgent({ user: '1001', domain: 'example.com' });
    const two = s.host.createUserAgent({ user: '1001', domain: 'example.com' });
    assert.equal(s.host.size, 2);
    assert.match(contactOf(one), /^sip:1001-[0-9a-f]{16}@g\.invalid:5060$/);
    assert.notEqual(contactOf(one), contactOf(two));
    const got: string[] = [];
    one.on('invite', (inv: InviteServer) => {
      got.push(`one:${inv.request.uri}`);
      inv.accept(SDP);
    });
    two.on('invite', (inv: InviteServer) => {
      got.push(`two:${inv.request.uri}`);
      inv.reject(486);
    });
    const toTwo = s.carol.invite(contactOf(two), SDP);
    const [failure] = await once(toTwo, 'failed');
    assert.equal(failure.status, 486);
    const toOne = s.carol.invite(contactOf(one), SDP);
    await once(toOne, 'accepted');
    assert.deepEqual(got, [`two:${contactOf(two)}`, `one:${contactOf(one)}`]);
  });

  test('in-dialog requests go by dialog id; an unknown dialog gets 481', async () => {
    const s = setup();
    const one = s.host.createUserAgent({ user: 'alice', domain: 'example.com' });
    const two = s.host.createUserAgent({ user: 'bob', domain: 'example.com' });
    const accepted = new Promise<Session>((resolve) =>
      one.once('invite', (inv: InviteServer) => {
        const session = inv.accept(SDP);
        if (session !== undefined) resolve(session);
      }),
    );
    const call = s.carol.invite(contactOf(one), SDP);
    const [carolSession] = (await once(call, 'accepted')) as [Session];
    const oneSession = await accepted;
    await drain();
    const id = carolSession.dialog.id;
    // An INFO in one's dialog, addressed to two's Contact: the dialog id decides (RFC 3261 §12.2.2).
    const infos: InfoReceived[] = [];
    oneSession.on('info', (i: InfoReceived) => infos.push(i));
    const dialog = { callId: id.callId, fromTag: id.localTag, toTag: id.remoteTag };
    const info = await s.raw('INFO', contactOf(two), dialog);
    assert.equal(info.status, 200);
    assert.equal(infos.length, 1);
    const unknown = await s.raw('BYE', contactOf(two), { callId: 'no-such-call', fromTag: 'x', toTag: 'y' });
    assert.equal(unknown.status, 481);
    // A BYE in that dialog ends the right session.
    const ended = once(oneSession, 'terminated');
    const bye = await s.raw('BYE', contactOf(one), { ...dialog, cseq: 1_000_001 });
    assert.equal(bye.status, 200);
    await ended;
    assert.equal(two.listenerCount('invite'), 0);
  });

  test('unknown Contact user 404, closed UA 480, CANCEL for nothing 481, OPTIONS to the endpoint 200', async () => {
    const s = setup();
    const one = s.host.createUserAgent({ user: 'alice', domain: 'example.com' });
    const gone = contactOf(one);
    await one.close();
    assert.equal(s.host.size, 0);
    assert.equal((await s.raw('INVITE', gone)).status, 480);
    assert.equal((await s.raw('INVITE', 'sip:nobody-0123@g.invalid:5060')).status, 404);
    assert.equal((await s.raw('CANCEL', 'sip:nobody-0123@g.invalid:5060')).status, 481);
    const options = await s.raw('OPTIONS', 'sip:g.invalid:5060');
    assert.equal(options.status, 200);
    assert.match(options.headers.get('Allow') ?? '', /INVITE/);
    assert.ok(tagOf(options.headers.get('To')) !== undefined);
  });

  test('a transport the endpoint does not listen on, a taken Contact user, a closed host: clear errors', async () => {
    const s = setup();
    assert.throws(() => s.host.createUserAgent({ user: 'a', domain: 'example.com', transport: 'TLS' }), {
      code: 'SIP_TRANSPORT_UNAVAILABLE',
      status: 503,
    });
    s.host.createUserAgent({ user: 'a', domain: 'example.com', contactUser: 'fixed' });
    assert.throws(() => s.host.createUserAgent({ user: 'b', domain: 'example.com', contactUser: 'fixed' }), {
      code: 'SIP_CONTACT_IN_USE',
    });
    assert.throws(() => s.host.createUserAgent({ user: 'bad user', domain: 'example.com' }), {
      code: 'SIP_INVALID_USER',
    });
    assert.equal(s.host.size, 1);
    await Promise.all([s.host.close(), s.host.close()]);
    assert.equal(s.host.size, 0);
    assert.throws(() => s.host.createUserAgent({ user: 'c', domain: 'example.com' }), { code: 'SIP_CLOSED' });
  });
});
