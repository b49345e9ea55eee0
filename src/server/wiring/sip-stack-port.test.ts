// The SipPort adapter on the real SIP stack (loopback sockets, a second stack as the peer): a re-INVITE whose
// answer cannot be sent any more (the dialog ended meanwhile, the answer is unusable) is logged, never an
// unhandled rejection.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import pino from 'pino';
import type { Session } from '../../sip/index.js';
import { SipEndpoint } from '../../sip/ua/sip-endpoint.js';
import { startSipStack } from '../../sip/ua/sip-stack.js';
import type { SipOutgoingCallHandlers } from '../ports.js';
import { SipStackPort } from './sip-stack-port.js';

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const SDP = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';

describe('SipStackPort', () => {
  test('a re-INVITE answer that throws is logged, not an unhandled rejection', async () => {
    const endpoint = await SipEndpoint.listen({ listen: [{ transport: 'UDP', host: '127.0.0.1', port: 0 }] });
    const peer = await startSipStack({
      listen: [{ transport: 'UDP', host: '127.0.0.1', port: 0 }],
      user: 'bob',
      domain: '127.0.0.1',
    });
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    const logged: string[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => logged.push(line) });
    try {
      const port = new SipStackPort({ endpoint, log });
      const account = port.createAccount(
        {
          sessionId: 's1',
          login: 'alice',
          authenticationName: 'alice',
          password: 'pw',
          domain: '127.0.0.1',
          transport: 'udp',
        },
        { onIncomingCall: () => undefined, onRegistrationLost: () => undefined },
      );
      const accepted = deferred<void>();
      let answer = deferred<string>();
      const reinvited = deferred<void>();
      const handlers: SipOutgoingCallHandlers = {
        onProgress: () => undefined,
        onAccepted: () => accepted.resolve(),
        onFailed: (f) => accepted.reject(new Error(`call failed ${f.status}`)),
        onTerminated: () => undefined,
        onReinvite: () => {
          reinvited.resolve();
          return answer.promise;
        },
        onRefer: () => undefined,
        onInfoDtmf: () => undefined,
        onReferProgress: () => undefined,
      };
      const peerSession = new Promise<Session>((resolve, reject) =>
        peer.ua.once('invite', (inv) => {
          const session = inv.accept(Buffer.from(SDP));
          if (session === undefined) reject(new Error('not accepted'));
          else resolve(session);
        }),
      );
      account.invite({ target: `sip:bob@127.0.0.1:${peer.contact.port}`, sdp: SDP }, handlers);
      await accepted.promise;
      const bob = await peerSession;
      const reinvite = bob.reinvite(Buffer.from(SDP));
      await reinvited.promise;
      // An answer the stack cannot send (not a string): offer.accept throws inside the adapter's `.then`.
      answer.resolve(undefined as unknown as string);
      answer = deferred<string>();
      // The peer's re-INVITE is answered 500 instead of staying unanswered.
      assert.equal((await reinvite).status, 500);
      await new Promise<void>((resolve) => setImmediate(resolve));
      assert.deepEqual(unhandled, []);
      assert.ok(logged.some((l) => l.includes('re-INVITE answer not sent')));
      await account.close();
    } finally {
      process.off('unhandledRejection', onUnhandled);
      await peer.close();
      await endpoint.close();
    }
  });
});
