// The embedded registrar and proxy with Parley's own SIP user agent, the way the gateway will use them (each
// browser's account is a UA registered here): the default challenges (SHA-256 first, then MD5, RFC 8760) are
// answered with SHA-256; one UA calls the other through the proxy and each side hangs up once.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import { type InviteServer, type Session, startSipStack } from '../../src/sip/index.js';
import type { SipMessage } from '../../src/sip/message/message.js';
import { TransportLayer } from '../../src/sip/transport/transport-layer.js';
import {
  type Artifacts,
  Baresip,
  BaresipEvents,
  type Registrar,
  withArtifacts,
  withTimeout,
} from '../harness/index.js';
import { startServer } from './registrar-support.js';

const USERS = { '1001': 'secret-1001', '1002': 'secret-1002' };

function sdp(port: number): Buffer {
  return Buffer.from(
    `v=0\r\no=parley 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n`,
  );
}

function waitEvent<T extends unknown[]>(emitter: NodeJS.EventEmitter, name: string, ms = 8000): Promise<T> {
  return withTimeout(once(emitter, name) as Promise<T>, ms, `event ${name}`);
}

async function startUa(artifacts: Artifacts, registrar: Registrar, user: keyof typeof USERS) {
  const stack = await startSipStack({
    listen: [{ transport: 'UDP', host: '127.0.0.1', port: 0 }],
    user,
    password: USERS[user],
    domain: registrar.domain,
    outboundProxy: `sip:${registrar.host}:${registrar.port}`,
  });
  artifacts.defer(() => stack.close());
  stack.ua.register();
  await waitEvent(stack.ua, 'registered');
  return stack;
}

describe('embedded registrar with Parley’s user agent', { timeout: 60_000 }, () => {
  test('SHA-256 registration; 1001 calls 1002 through the proxy; both hang up in turn', { timeout: 30_000 }, (t) =>
    withArtifacts(t, async (artifacts) => {
      const received: SipMessage[] = [];
      const { server, registrar, aor } = await startServer(artifacts, {
        users: USERS,
        digestAlgorithms: ['SHA-256', 'MD5'],
        createTransport: (o) => {
          const layer = new TransportLayer(o);
          layer.on('message', (m) => received.push(m));
          return layer;
        },
      });
      const a = await startUa(artifacts, registrar, '1001');
      const b = await startUa(artifacts, registrar, '1002');
      assert.deepEqual(
        server
          .bindings()
          .map((x) => x.user)
          .sort(),
        ['1001', '1002'],
      );
      const registers = received.filter((m) => m.kind === 'request' && m.method === 'REGISTER');
      assert.ok(
        registers.some((m) => /algorithm="?SHA-256/.test(m.headers.get('Authorization') ?? '')),
        'the UA answered the SHA-256 challenge',
      );

      for (const hangupBy of ['caller', 'callee'] as const) {
        const incoming = waitEvent<[InviteServer]>(b.ua, 'invite');
        const call = a.ua.invite(aor('1002'), sdp(40_100));
        const [inv] = await incoming;
        inv.progress(180);
        const calleeSession = inv.accept(sdp(40_102));
        assert.ok(calleeSession);
        const [callerSession] = await waitEvent<[Session]>(call, 'accepted');
        const invites = received.filter((m) => m.kind === 'request' && m.method === 'INVITE');
        assert.match(invites.at(-1)?.headers.get('Proxy-Authorization') ?? '', /SHA-256/);
        const [ender, other] = hangupBy === 'caller' ? [callerSession, calleeSession] : [calleeSession, callerSession];
        const ended = waitEvent<[{ by: string }]>(other, 'terminated');
        await ender.bye();
        assert.equal((await ended)[0].by, 'remote');
      }
      // Both BYEs went through the proxy (the route set it recorded).
      assert.equal(received.filter((m) => m.kind === 'request' && m.method === 'BYE').length, 2);
    }),
  );

  test('baresip and Parley’s UA call each other through the proxy (MD5 for baresip 1.0)', { timeout: 30_000 }, (t) =>
    withArtifacts(t, async (artifacts) => {
      const { registrar, aor } = await startServer(artifacts, { users: USERS });
      const phone = new Baresip(artifacts, {
        user: '1002',
        password: USERS['1002'],
        registrar,
        toneHz: 440,
        answerMode: 'auto',
      });
      artifacts.defer(() => phone.stop());
      await phone.start();
      const gw = await startUa(artifacts, registrar, '1001');

      // Parley's UA calls baresip (auto-answer) and hangs up.
      const call = gw.ua.invite(aor('1002'), sdp(40_110));
      const [session] = await waitEvent<[Session]>(call, 'accepted');
      await phone.waitFor(BaresipEvents.established, 8000, 'CALL_ESTABLISHED');
      let mark = phone.events.length;
      await session.bye();
      await phone.waitFor(BaresipEvents.closed, 8000, 'CALL_CLOSED', mark);

      // baresip calls Parley's UA, which answers; baresip hangs up.
      mark = phone.events.length;
      const incoming = waitEvent<[InviteServer]>(gw.ua, 'invite');
      await phone.dial(aor('1001'));
      const [inv] = await incoming;
      const answered = inv.accept(sdp(40_112));
      assert.ok(answered);
      await phone.waitFor(BaresipEvents.established, 8000, 'CALL_ESTABLISHED', mark);
      const ended = waitEvent<[{ by: string }]>(answered, 'terminated');
      await phone.hangup();
      assert.equal((await ended)[0].by, 'remote');
    }),
  );
});
