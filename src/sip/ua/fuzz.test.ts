// Property tests: whatever a peer puts in the headers the UA reads, the UA never throws and every request
// that has a transaction gets a final response.
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import fc from 'fast-check';
import { FakeClock } from '../clock.js';
import { Headers } from '../message/headers.js';
import { SipRequest, type SipResponse } from '../message/message.js';
import type { InviteServer } from './invite-server.js';
import { LoopbackWire } from './testing.js';
import { UserAgent } from './user-agent.js';

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

const headerValue = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom(
    '<sip:a@h>;tag=1',
    'sip:a@h;tag=',
    '"x" <sip:a@h',
    '<sip:a@h>;tag=1, <sip:b@h>',
    '1 INVITE',
    '99999999999 INVITE',
    'x;to-tag=;from-tag=',
    '30;refresher=uas',
    '100rel, foo',
    '',
  ),
);

describe('UserAgent with hostile headers', () => {
  test('never throws and answers every request with a final response', () => {
    const clock = new FakeClock();
    const wire = new LoopbackWire(clock);
    const a = wire.end('A');
    const b = wire.end('B');
    cleanup = () => {
      a.close();
      b.close();
    };
    const bob = new UserAgent({ network: b, user: 'bob', domain: 'example.com', clock });
    bob.on('invite', (inv: InviteServer) => {
      inv.progress(180);
      inv.accept(Buffer.from('v=0\r\n'));
    });
    let n = 0;
    fc.assert(
      fc.property(
        fc.constantFrom('INVITE', 'BYE', 'INFO', 'REFER', 'NOTIFY', 'UPDATE', 'PRACK', 'OPTIONS', 'CANCEL', 'FOO'),
        fc.record({
          From: headerValue,
          To: headerValue,
          Contact: headerValue,
          CSeq: headerValue,
          Require: headerValue,
          Replaces: headerValue,
          'Session-Expires': headerValue,
          'Refer-To': headerValue,
          RAck: headerValue,
        }),
        (method, values) => {
          const h = new Headers();
          h.append('Via', `SIP/2.0/TCP a.invalid:5060;branch=z9hG4bKfuzz${n++}`);
          h.append('Call-ID', `fuzz-${n}`);
          for (const [k, v] of Object.entries(values)) h.append(k, v);
          const responses: SipResponse[] = [];
          const req = new SipRequest(method, 'sip:bob@example.com', h);
          // Straight into the UA's request handler through B's transaction layer; responses recorded.
          const before = wire.log.length;
          b.deliver(req);
          clock.tick(200);
          for (const e of wire.log.slice(before)) if (e.message.kind === 'response') responses.push(e.message);
          assert.ok(
            responses.some((r) => r.status >= 200),
            `${method} got no final response`,
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});
