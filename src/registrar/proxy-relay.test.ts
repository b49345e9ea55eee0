// The proxy is not an open relay (RFC 3261 §16.4, §22.3): an out-of-dialog request whose target leaves the
// domain goes only for a user of the domain who passes the 407 challenge; in-dialog requests follow their route
// set; nothing goes to a broadcast, multicast or unspecified address. On the fake network of testing.ts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SipRequest, SipResponse } from '../sip/message/message.js';
import type { Destination } from '../sip/transport/transport.js';
import {
  credentials,
  DOMAIN,
  type FakeSetup,
  fakeServer,
  flush,
  isRequest,
  isResponse,
  requestText,
} from './testing.js';

const CALLER: Destination = { transport: 'UDP', host: '192.0.2.10', port: 5070 };
const US = `<sip:${DOMAIN}:5060;lr>`;
const PSTN = 'sip:0900123456@pstn.example.net';

let seq = 0;

function request(o: { method?: string; uri: string; from: string; toTag?: string; headers?: string[] }): string {
  const n = ++seq;
  const method = o.method ?? 'INVITE';
  return requestText({
    method,
    uri: o.uri,
    via: `SIP/2.0/UDP ${CALLER.host}:${CALLER.port};branch=z9hG4bKrelay${n};rport`,
    from: `${o.from};tag=f${n}`,
    to: `<${o.uri}>${o.toTag === undefined ? '' : `;tag=${o.toTag}`}`,
    callId: `relay-${n}`,
    cseq: 1,
    headers: ['Contact: <sip:caller@192.0.2.10:5070>', ...(o.headers ?? [])],
  });
}

/** Injects a request; returns the final responses sent back and the requests forwarded. */
async function exchange(s: FakeSetup, text: string) {
  const before = s.net.sent.length;
  s.net.inject(text, CALLER);
  await flush();
  const sent = s.net.since(before);
  const responses = sent
    .filter((x) => isResponse(x.message) && x.message.status >= 200)
    .map((x) => x.message as SipResponse);
  const forwarded = sent.filter((x) => isRequest(x.message)).map((x) => ({ req: x.message as SipRequest, to: x.to }));
  return { responses, forwarded };
}

const OUTSIDER = '<sip:mallory@example.com>';
const LOCAL = `<sip:1001@${DOMAIN}>`;

describe('StatefulProxy: no open relay', () => {
  test('an outsider with our Route cannot reach another domain or a second Route host (403 Relaying Denied)', async () => {
    const s = await fakeServer();
    for (const text of [
      request({ uri: PSTN, from: OUTSIDER, headers: [`Route: ${US}`] }),
      request({ uri: `sip:1002@${DOMAIN}`, from: OUTSIDER, headers: [`Route: ${US}, <sip:198.51.100.7;lr>`] }),
      request({ method: 'MESSAGE', uri: PSTN, from: OUTSIDER, headers: [`Route: ${US}`] }),
      request({ method: 'OPTIONS', uri: PSTN, from: OUTSIDER }),
    ]) {
      const { responses, forwarded } = await exchange(s, text);
      assert.deepEqual(
        responses.map((r) => `${r.status} ${r.reason}`),
        ['403 Relaying Denied'],
      );
      assert.deepEqual(forwarded, [], 'nothing leaves');
    }
    await s.server.close();
  });

  test('a From of our domain without credentials is challenged, a wrong password refused, nothing forwarded', async () => {
    const s = await fakeServer();
    const first = await exchange(s, request({ uri: PSTN, from: LOCAL, headers: [`Route: ${US}`] }));
    assert.deepEqual(
      first.responses.map((r) => r.status),
      [407],
    );
    const challenge = first.responses[0]!.headers.getAll('Proxy-Authenticate')[0]!;
    const wrong = credentials(challenge, { user: '1001', password: 'guess', method: 'INVITE', uri: PSTN });
    const second = await exchange(
      s,
      request({ uri: PSTN, from: LOCAL, headers: [`Route: ${US}`, `Proxy-Authorization: ${wrong}`] }),
    );
    assert.deepEqual(
      second.responses.map((r) => r.status),
      [403],
    );
    assert.deepEqual([...first.forwarded, ...second.forwarded], []);
    await s.server.close();
  });

  test('a local user who authenticates as itself is relayed (Route or Request-URI), credentials consumed', async () => {
    const s = await fakeServer();
    const relayed = async (uri: string, route: string[], from = LOCAL, user = '1001') => {
      const first = await exchange(s, request({ uri, from, headers: route }));
      assert.equal(first.responses[0]?.status, 407);
      const auth = credentials(first.responses[0]!.headers.getAll('Proxy-Authenticate')[0]!, {
        user,
        password: `pw${user}`,
        method: 'INVITE',
        uri,
      });
      return exchange(s, request({ uri, from, headers: [...route, `Proxy-Authorization: ${auth}`] }));
    };
    let r = await relayed(PSTN, [`Route: ${US}`]);
    assert.deepEqual(
      r.forwarded.map((x) => [x.req.uri, x.to.host, x.to.port]),
      [[PSTN, 'pstn.example.net', 5060]],
    );
    assert.equal(r.forwarded[0]!.req.headers.get('Proxy-Authorization'), undefined);
    r = await relayed(`sip:1002@${DOMAIN}`, [`Route: ${US}, <sip:198.51.100.7:5080;lr>`]);
    assert.deepEqual(
      r.forwarded.map((x) => [x.to.host, x.to.port]),
      [['198.51.100.7', 5080]],
    );
    r = await relayed(PSTN, []); // us as outbound proxy without a Route (the Request-URI alone)
    assert.deepEqual(
      r.forwarded.map((x) => x.to.host),
      ['pstn.example.net'],
    );
    // Credentials of 1001 in a request from 1003: a user relays only as itself.
    r = await relayed(PSTN, [`Route: ${US}`], `<sip:1003@${DOMAIN}>`, '1001');
    assert.deepEqual(
      r.responses.map((x) => x.status),
      [403],
    );
    assert.deepEqual(r.forwarded, []);
    await s.server.close();
  });

  test('authenticateLocalUsers off: nothing is relayed out of the domain', async () => {
    const s = await fakeServer({ authenticateLocalUsers: false });
    const { responses, forwarded } = await exchange(s, request({ uri: PSTN, from: LOCAL, headers: [`Route: ${US}`] }));
    assert.deepEqual(
      responses.map((r) => `${r.status} ${r.reason}`),
      ['403 Relaying Denied'],
    );
    assert.deepEqual(forwarded, []);
    await s.server.close();
  });

  test('in a dialog (To tag) the route set through us is followed; an ACK without a To tag is not', async () => {
    const s = await fakeServer();
    const bye = await exchange(
      s,
      request({
        method: 'BYE',
        uri: 'sip:bob@198.51.100.9:5062',
        from: OUTSIDER,
        toTag: 'b',
        headers: [`Route: ${US}`],
      }),
    );
    assert.deepEqual(
      bye.forwarded.map((x) => [x.req.method, x.to.host, x.to.port]),
      [['BYE', '198.51.100.9', 5062]],
    );
    const notOurs = await exchange(
      s,
      request({ method: 'BYE', uri: 'sip:bob@198.51.100.9', from: OUTSIDER, toTag: 'b' }),
    );
    assert.deepEqual(
      notOurs.responses.map((r) => r.status),
      [403],
    );
    const ack = await exchange(s, request({ method: 'ACK', uri: PSTN, from: OUTSIDER, headers: [`Route: ${US}`] }));
    assert.deepEqual(ack.forwarded, [], 'an ACK cannot be challenged: without a To tag it is not relayed');
    const dialogAck = await exchange(
      s,
      request({ method: 'ACK', uri: 'sip:bob@198.51.100.9', from: OUTSIDER, toTag: 'b', headers: [`Route: ${US}`] }),
    );
    assert.deepEqual(
      dialogAck.forwarded.map((x) => x.to.host),
      ['198.51.100.9'],
    );
    await s.server.close();
  });

  test('nothing goes to a broadcast, multicast or unspecified next hop', async () => {
    const s = await fakeServer();
    for (const [uri, route] of [
      ['sip:bob@255.255.255.255', US],
      ['sip:bob@198.51.100.9', `${US}, <sip:224.0.0.1;lr>`],
      ['sip:bob@198.51.100.9;maddr=239.255.255.250', US],
      ['sip:bob@0.0.0.0:5062', US],
      ['sip:bob@[ff02::1]', US],
    ] as const) {
      const r = await exchange(
        s,
        request({ method: 'BYE', uri, from: OUTSIDER, toTag: 'b', headers: [`Route: ${route}`] }),
      );
      assert.deepEqual(r.forwarded, [], uri);
      assert.deepEqual(
        r.responses.map((x) => x.status),
        [403],
        uri,
      );
      const ack = await exchange(
        s,
        request({ method: 'ACK', uri, from: OUTSIDER, toTag: 'b', headers: [`Route: ${route}`] }),
      );
      assert.deepEqual(ack.forwarded, [], `ACK ${uri}`);
    }
    await s.server.close();
  });
});
