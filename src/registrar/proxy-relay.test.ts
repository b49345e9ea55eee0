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
  register,
  requestText,
} from './testing.js';

const CALLER: Destination = { transport: 'UDP', host: '192.0.2.10', port: 5070 };
const DESK: Destination = { transport: 'UDP', host: '192.0.2.20', port: 5080 };
const US = `<sip:${DOMAIN}:5060;lr>`;
const PSTN = 'sip:0900123456@pstn.example.net';

let seq = 0;

function request(o: {
  method?: string;
  uri: string;
  from: string;
  toTag?: string;
  callId?: string;
  headers?: string[];
}): string {
  const n = ++seq;
  const method = o.method ?? 'INVITE';
  return requestText({
    method,
    uri: o.uri,
    via: `SIP/2.0/UDP ${CALLER.host}:${CALLER.port};branch=z9hG4bKrelay${n};rport`,
    from: `${o.from};tag=f${n}`,
    to: `<${o.uri}>${o.toTag === undefined ? '' : `;tag=${o.toTag}`}`,
    callId: o.callId ?? `relay-${n}`,
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

/**
 * A dialog recorded through us: an outsider calls 1002 (registered at 192.0.2.20:5080) with `callId`; returns
 * the Record-Route value the proxy put in, which the caller's in-dialog requests carry as their Route.
 */
async function recordedDialog(s: FakeSetup, callId: string): Promise<string> {
  if (s.server.bindings().length === 0) {
    await register(s, { user: '1002', contacts: ['<sip:1002@192.0.2.20:5080>'], from: DESK });
  }
  const { forwarded } = await exchange(s, request({ uri: `sip:1002@${DOMAIN}`, from: OUTSIDER, callId }));
  const rr = forwarded[0]?.req.headers.get('Record-Route');
  assert.ok(rr !== undefined && /;dlg=/.test(rr), 'the INVITE was record-routed with a dialog token');
  return rr;
}

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

  test('in a dialog, only the route set we recorded for it leaves the domain; a To tag alone opens nothing', async () => {
    const s = await fakeServer();
    const route = await recordedDialog(s, 'dialog-1');
    const callee = 'sip:bob@198.51.100.9:5062';
    const inDialog = (method: string, callId: string, r: string) =>
      exchange(s, request({ method, uri: callee, from: OUTSIDER, toTag: 'b', callId, headers: [`Route: ${r}`] }));
    const bye = await inDialog('BYE', 'dialog-1', route);
    assert.deepEqual(
      bye.forwarded.map((x) => [x.req.method, x.to.host, x.to.port]),
      [['BYE', '198.51.100.9', 5062]],
    );
    assert.equal(bye.forwarded[0]!.req.headers.get('Route'), undefined, 'our value is removed (§16.4)');
    const ack = await inDialog('ACK', 'dialog-1', route);
    assert.deepEqual(
      ack.forwarded.map((x) => x.to.host),
      ['198.51.100.9'],
    );
    // A made-up dialog: a To tag and our plain Route, or our recorded value under another Call-ID.
    for (const [callId, r] of [
      ['made-up', US],
      ['made-up', route],
    ] as const) {
      const invite = await inDialog('INVITE', callId, r);
      assert.deepEqual(
        invite.responses.map((x) => `${x.status} ${x.reason}`),
        ['403 Relaying Denied'],
      );
      assert.deepEqual(invite.forwarded, []);
      assert.deepEqual((await inDialog('ACK', callId, r)).forwarded, []);
      const next = await inDialog('INVITE', callId, `${r}, <sip:198.51.100.7;lr>`);
      assert.deepEqual(next.forwarded, [], 'nor through a second Route host');
    }
    // An ACK cannot be challenged: without a To tag it is not relayed at all.
    const bare = await exchange(s, request({ method: 'ACK', uri: PSTN, from: OUTSIDER, headers: [`Route: ${US}`] }));
    assert.deepEqual(bare.forwarded, []);
    await s.server.close();
  });

  test('nothing goes to a broadcast, multicast or unspecified next hop', async () => {
    const s = await fakeServer();
    const us = await recordedDialog(s, 'dialog-2');
    for (const [uri, route] of [
      ['sip:bob@255.255.255.255', us],
      ['sip:bob@198.51.100.9', `${us}, <sip:224.0.0.1;lr>`],
      ['sip:bob@198.51.100.9;maddr=239.255.255.250', us],
      ['sip:bob@0.0.0.0:5062', us],
      ['sip:bob@[ff02::1]', us],
    ] as const) {
      const dialog = { from: OUTSIDER, toTag: 'b', callId: 'dialog-2', headers: [`Route: ${route}`] };
      const r = await exchange(s, request({ method: 'BYE', uri, ...dialog }));
      assert.deepEqual(r.forwarded, [], uri);
      assert.deepEqual(
        r.responses.map((x) => `${x.status} ${x.reason}`),
        ['403 Destination Not Allowed'],
        uri,
      );
      const ack = await exchange(s, request({ method: 'ACK', uri, ...dialog }));
      assert.deepEqual(ack.forwarded, [], `ACK ${uri}`);
    }
    // The same dialog to an ordinary address does go (the refusals above are the addresses').
    const ok = await exchange(
      s,
      request({
        method: 'BYE',
        uri: 'sip:bob@198.51.100.9',
        from: OUTSIDER,
        toTag: 'b',
        callId: 'dialog-2',
        headers: [`Route: ${us}`],
      }),
    );
    assert.equal(ok.forwarded.length, 1);
    await s.server.close();
  });
});
