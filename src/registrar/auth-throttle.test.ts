// Password guessing is limited per source address for every method, not only REGISTER: after too many wrong
// answers from one address, its requests needing authentication are answered 503 with Retry-After without
// being checked; other addresses, and clients that know their password, are not slowed. Also the digest uri
// must be the Request-URI (400), and a Contact naming this server is refused. On the fake network.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SipResponse } from '../sip/message/message.js';
import type { Destination } from '../sip/transport/transport.js';
import {
  credentials,
  DOMAIN,
  type FakeSetup,
  fakeServer,
  flush,
  isRequest,
  isResponse,
  register,
  requestText,
  send,
} from './testing.js';

const GUESSER: Destination = { transport: 'UDP', host: '198.51.100.66', port: 5070 };
const HONEST: Destination = { transport: 'UDP', host: '192.0.2.10', port: 5070 };
const AOR_1002 = `sip:1002@${DOMAIN}`;

let seq = 0;

/** One INVITE from 1001 to 1002 from `from`: the 407, then credentials with `password` for `uri`. */
async function invite(
  s: FakeSetup,
  from: Destination,
  password: string,
  uri = AOR_1002,
): Promise<{ status: number; retryAfter?: string; forwarded: number }> {
  const text = (headers: string[]) =>
    requestText({
      method: 'INVITE',
      uri: AOR_1002,
      via: `SIP/2.0/UDP ${from.host}:${from.port};branch=z9hG4bKg${++seq};rport`,
      from: `<sip:1001@${DOMAIN}>;tag=g${seq}`,
      to: `<${AOR_1002}>`,
      callId: `guess-${seq}`,
      cseq: 1,
      headers: [`Contact: <sip:1001@${from.host}:${from.port}>`, ...headers],
    });
  const finals = async (t: string) => {
    const before = s.net.sent.length;
    s.net.inject(t, from);
    await flush();
    const sent = s.net.since(before);
    const responses = sent
      .filter((x) => isResponse(x.message) && x.message.status >= 200)
      .map((x) => x.message as SipResponse);
    return { response: responses[0]!, forwarded: sent.filter((x) => isRequest(x.message)).length };
  };
  const first = await finals(text([]));
  if (first.response.status !== 407)
    return { status: first.response.status, forwarded: first.forwarded, ...retry(first.response) };
  const challenge = first.response.headers.getAll('Proxy-Authenticate')[0]!;
  const auth = credentials(challenge, { user: '1001', password, method: 'INVITE', uri });
  const second = await finals(text([`Proxy-Authorization: ${auth}`]));
  return { status: second.response?.status ?? 0, forwarded: second.forwarded, ...retry(second.response) };
}

function retry(r: SipResponse | undefined): { retryAfter?: string } {
  const v = r?.headers.get('Retry-After');
  return v === undefined ? {} : { retryAfter: v };
}

async function withBinding(opts: Parameters<typeof fakeServer>[0] = {}): Promise<FakeSetup> {
  const s = await fakeServer(opts);
  const desk: Destination = { transport: 'UDP', host: '192.0.2.20', port: 5080 };
  await register(s, { user: '1002', contacts: ['<sip:1002@192.0.2.20:5080>'], from: desk });
  return s;
}

describe('failed authentications are limited per source address, every method', () => {
  test('INVITE guesses: after 3 wrong passwords the address gets 503 Retry-After unchecked, even when right', async () => {
    const s = await withBinding({ authFailureLimit: { maxFailures: 3, windowMs: 60_000 } });
    const throttled: [string, string][] = [];
    s.server.on('authThrottled', (source, method) => throttled.push([source, method]));
    for (let i = 0; i < 3; i++) assert.equal((await invite(s, GUESSER, `guess${i}`)).status, 403);
    const right = await invite(s, GUESSER, 'pw1001');
    assert.deepEqual(right, { status: 503, retryAfter: '20', forwarded: 0 }, 'the right password is not even tried');
    // REGISTER from that address waits too; an honest client elsewhere is not slowed.
    const reg = await send(s, { user: '1001', from: GUESSER });
    assert.equal(reg.status, 503);
    assert.equal(reg.headers.get('Retry-After'), '20');
    assert.equal((await invite(s, HONEST, 'pw1001')).forwarded, 1);
    assert.deepEqual(throttled, [
      ['198.51.100.66', 'INVITE'],
      ['198.51.100.66', 'REGISTER'],
    ]);
    assert.equal(s.server.authThrottledCount, 2);
    // One failure is forgiven per windowMs / maxFailures (20 s): then one more try is checked.
    s.clock.tick(20_000);
    assert.equal((await invite(s, GUESSER, 'pw1001')).forwarded, 1);
    await s.server.close();
  });

  test('REGISTER guesses count as well and block INVITEs; correct clients never count', async () => {
    const s = await withBinding({ authFailureLimit: { maxFailures: 2, windowMs: 60_000 } });
    for (let i = 0; i < 5; i++) {
      assert.equal((await register(s, { user: '1001', from: HONEST, cseq: 2 * i + 1 })).status, 200);
    }
    assert.equal((await register(s, { user: '1001', password: 'x', from: GUESSER, callId: 'g1' })).status, 403);
    assert.equal((await register(s, { user: '9999', password: 'x', from: GUESSER, callId: 'g2' })).status, 404);
    assert.equal((await invite(s, GUESSER, 'pw1001')).status, 503);
    assert.equal((await invite(s, HONEST, 'pw1001')).forwarded, 1);
    await s.server.close();
  });
});

describe('a nonce is valid from the address it was issued to only', () => {
  test('credentials on a nonce fetched elsewhere are challenged again, not checked nor counted', async () => {
    const s = await fakeServer({ authFailureLimit: { maxFailures: 1, windowMs: 60_000 } });
    const challenge = (await send(s, { user: '1001', from: GUESSER })).headers.getAll('WWW-Authenticate')[0]!;
    const rpc = `sip:${DOMAIN}:5060`;
    // From a spoofed address, even the right password is no use with the guesser's nonce, and a wrong one costs
    // that address nothing.
    for (const password of ['pw1001', 'wrong']) {
      const auth = credentials(challenge, { user: '1001', password, method: 'REGISTER', uri: rpc });
      assert.equal((await send(s, { user: '1001', from: HONEST }, auth, 2)).status, 401);
    }
    assert.equal((await register(s, { user: '1001', from: HONEST, cseq: 3 })).status, 200);
    await s.server.close();
  });
});

describe('digest uri and Contact checks through the server', () => {
  test('credentials computed for another Request-URI are a bad request (400), REGISTER and INVITE', async () => {
    const s = await withBinding();
    const reg = await send(s, { user: '1001' });
    const value = reg.headers.getAll('WWW-Authenticate')[0]!;
    const other = credentials(value, { user: '1001', password: 'pw1001', method: 'REGISTER', uri: 'sip:elsewhere' });
    assert.equal((await send(s, { user: '1001' }, other, 2)).status, 400);
    assert.deepEqual(
      s.server.bindings().map((b) => b.user),
      ['1002'],
    );
    const inv = await invite(s, HONEST, 'pw1001', 'sip:0900123456@pstn.example.net');
    assert.deepEqual(inv, { status: 400, forwarded: 0 });
    await s.server.close();
  });

  test('a Contact naming this server (also through maddr) is refused with 400', async () => {
    const s = await fakeServer();
    for (const contact of [
      `<sip:1001@${DOMAIN}:5060>`,
      `<sip:1001@${DOMAIN}>`,
      '<sip:1001@localhost:5060;transport=tcp>',
      `<sip:1001@192.0.2.10:5060;maddr=${DOMAIN}>`,
    ]) {
      assert.equal((await register(s, { contacts: [contact] })).status, 400, contact);
    }
    assert.deepEqual(s.server.bindings(), []);
    await s.server.close();
  });
});
