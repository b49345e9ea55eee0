import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createResponse } from '../sip/message/builders.js';
import type { SipRequest, SipResponse } from '../sip/message/message.js';
import { serializeMessage } from '../sip/message/serializer.js';
import type { Destination } from '../sip/transport/transport.js';
import { routeUsersTo } from './local-service.js';
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
  type Sent,
} from './testing.js';

const CALLER: Destination = { transport: 'UDP', host: '192.0.2.10', port: 5070 };
const DESK: Destination = { transport: 'UDP', host: '192.0.2.20', port: 5080 };
const MOBILE: Destination = { transport: 'UDP', host: '192.0.2.21', port: 5090 };
const AOR_1002 = `sip:1002@${DOMAIN}:5060`;

let seq = 0;

interface Call {
  /** The INVITE as the caller sent it (with credentials). */
  text: string;
  callId: string;
  branch: string;
  /** The INVITEs the proxy sent, one per branch, by destination port. */
  branches: Map<number, SipRequest>;
}

/** Registers 1002 at the desk and on the mobile (and 1001 at the caller's address). */
async function setup(opts: Parameters<typeof fakeServer>[0] = {}): Promise<FakeSetup> {
  const s = await fakeServer(opts);
  await register(s, { user: '1001', contacts: ['<sip:1001@192.0.2.10:5070>'], from: CALLER });
  await register(s, { user: '1002', contacts: ['<sip:1002@192.0.2.20:5080>'], from: DESK, callId: 'desk' });
  await register(s, { user: '1002', contacts: ['<sip:1002@192.0.2.21:5090>'], from: MOBILE, callId: 'mobile' });
  return s;
}

function inviteText(o: {
  to?: string;
  from?: string;
  callId: string;
  branch: string;
  cseq: number;
  headers?: string[];
}) {
  return requestText({
    method: 'INVITE',
    uri: o.to ?? AOR_1002,
    via: `SIP/2.0/UDP 192.0.2.10:5070;branch=${o.branch};rport`,
    from: o.from ?? `<sip:1001@${DOMAIN}:5060>;tag=caller`,
    to: `<${o.to ?? AOR_1002}>`,
    callId: o.callId,
    cseq: o.cseq,
    headers: ['Contact: <sip:1001@192.0.2.10:5070>', 'Content-Type: application/sdp', ...(o.headers ?? [])],
    body: 'v=0\r\n',
  });
}

/** The caller's INVITE: 407 first, then again with Proxy-Authorization; returns the forwarded branches. */
async function call(s: FakeSetup, to = AOR_1002): Promise<Call> {
  const callId = `call-${++seq}`;
  let before = s.net.sent.length;
  s.net.inject(inviteText({ to, callId, branch: `z9hG4bKc${seq}a`, cseq: 1 }), CALLER);
  await flush();
  const challenge = upstream(s.net.since(before)).find((r) => r.status === 407);
  assert.ok(challenge, 'the INVITE is challenged with 407');
  ackUpstream(s, challenge, `z9hG4bKc${seq}a`);
  const value = challenge.headers.getAll('Proxy-Authenticate')[0]!;
  const auth = credentials(value, { user: '1001', password: 'pw1001', method: 'INVITE', uri: to });
  const branch = `z9hG4bKc${seq}b`;
  const text = inviteText({ to, callId, branch, cseq: 2, headers: [`Proxy-Authorization: ${auth}`] });
  before = s.net.sent.length;
  s.net.inject(text, CALLER);
  await flush();
  const branches = new Map<number, SipRequest>();
  for (const x of s.net.since(before))
    if (isRequest(x.message) && x.message.method === 'INVITE') branches.set(x.to.port, x.message);
  return { text, callId, branch, branches };
}

/** The ACK a UAC sends for a non-2xx final response (same branch as its INVITE, §17.1.1.3). */
function ackUpstream(s: FakeSetup, response: SipResponse, branch: string): void {
  s.net.inject(
    requestText({
      method: 'ACK',
      uri: AOR_1002,
      via: `SIP/2.0/UDP 192.0.2.10:5070;branch=${branch};rport`,
      from: response.headers.get('From')!,
      to: response.headers.get('To')!,
      callId: response.headers.get('Call-ID')!,
      cseq: Number.parseInt(response.headers.get('CSeq')!, 10),
    }),
    CALLER,
  );
}

/** A UAS answering one branch: a response built from the request it received, sent from its address. */
async function reply(s: FakeSetup, request: SipRequest, status: number, from: Destination, toTag: string) {
  const r = createResponse(request, status, undefined, {
    toTag,
    headers: [['Contact', `<sip:1002@${from.host}:${from.port}>`]],
  });
  s.net.inject(serializeMessage(r).toString('utf8'), from);
  await flush();
}

function upstream(sent: Sent[]): SipResponse[] {
  return sent.filter((x) => x.to.port === CALLER.port && isResponse(x.message)).map((x) => x.message as SipResponse);
}

function requestsTo(sent: Sent[], d: Destination, method: string): SipRequest[] {
  return sent
    .filter((x) => x.to.host === d.host && x.to.port === d.port && isRequest(x.message) && x.message.method === method)
    .map((x) => x.message as SipRequest);
}

describe('StatefulProxy (RFC 3261 §16) on a fake network', () => {
  test('a local caller is challenged with 407 (SHA-256, MD5), then the INVITE is forked to every contact', async () => {
    const s = await setup();
    const before = s.net.sent.length;
    const c = await call(s);
    assert.deepEqual([...c.branches.keys()].sort(), [DESK.port, MOBILE.port]);
    for (const [port, inv] of c.branches) {
      assert.equal(inv.uri, port === DESK.port ? 'sip:1002@192.0.2.20:5080' : 'sip:1002@192.0.2.21:5090');
      const vias = inv.headers.getAll('Via');
      assert.match(vias[0]!, /^SIP\/2\.0\/UDP 127\.0\.0\.1:5060;branch=z9hG4bK/);
      assert.match(vias[1]!, /192\.0\.2\.10:5070;branch=z9hG4bKc\d+b/);
      const rr = inv.headers.getAll('Record-Route');
      assert.equal(rr.length, 1);
      assert.match(rr[0]!, /^<sip:127\.0\.0\.1:5060;lr;dlg=[\w-]{22}>$/, 'with the dialog token of the Call-ID');
      assert.equal(inv.headers.get('Max-Forwards'), '69');
      assert.equal(inv.headers.get('Proxy-Authorization'), undefined, 'our credentials are consumed');
      assert.equal(inv.body.toString(), 'v=0\r\n', 'the SDP passes untouched');
    }
    const up = upstream(s.net.since(before));
    const challenge = up.find((r) => r.status === 407)!;
    assert.deepEqual(
      challenge.headers.getAll('Proxy-Authenticate').map((v) => /algorithm=([\w-]+)/.exec(v)?.[1]),
      ['SHA-256', 'MD5'],
    );
    assert.deepEqual(
      up.map((r) => r.status),
      [100, 407, 100],
    );
    await s.server.close();
  });

  test('180 goes upstream without our Via; the first 200 wins and the other ringing branch gets CANCEL', async () => {
    const s = await setup();
    const c = await call(s);
    let before = s.net.sent.length;
    await reply(s, c.branches.get(DESK.port)!, 180, DESK, 'desk');
    await reply(s, c.branches.get(MOBILE.port)!, 180, MOBILE, 'mobile');
    const ringing = upstream(s.net.since(before));
    assert.deepEqual(
      ringing.map((r) => r.status),
      [180, 180],
    );
    assert.equal(ringing[0]!.headers.getAll('Via').length, 1, 'only the caller’s Via is left');
    assert.match(ringing[0]!.headers.get('Via')!, /192\.0\.2\.10:5070/);

    before = s.net.sent.length;
    await reply(s, c.branches.get(MOBILE.port)!, 200, MOBILE, 'mobile');
    const after = s.net.since(before);
    assert.deepEqual(
      upstream(after).map((r) => r.status),
      [200],
    );
    const cancels = requestsTo(after, DESK, 'CANCEL');
    assert.equal(cancels.length, 1);
    assert.equal(requestsTo(after, MOBILE, 'CANCEL').length, 0);
    const desk = c.branches.get(DESK.port)!;
    // §9.1: same Request-URI, Call-ID, From, To, CSeq number and top Via as the INVITE being cancelled.
    assert.equal(cancels[0]!.uri, desk.uri);
    assert.equal(cancels[0]!.headers.get('Via'), desk.headers.getAll('Via')[0]);
    assert.equal(cancels[0]!.headers.get('CSeq'), '2 CANCEL');
    assert.equal(cancels[0]!.headers.get('Reason'), 'SIP;cause=200;text="Call completed elsewhere"');

    // The desk's 487 is acknowledged by the proxy (§17.1.1.3) and does not reach the caller.
    before = s.net.sent.length;
    await reply(s, desk, 487, DESK, 'desk');
    const end = s.net.since(before);
    assert.deepEqual(upstream(end), []);
    assert.equal(requestsTo(end, DESK, 'ACK').length, 1);
    assert.equal(s.server.bindings().length, 3);
    await s.server.close();
  });

  test('§9.1: a branch without a provisional response is cancelled only once its 180 arrives', async () => {
    const s = await setup();
    const c = await call(s);
    await reply(s, c.branches.get(MOBILE.port)!, 200, MOBILE, 'mobile');
    assert.equal(requestsTo(s.net.sent, DESK, 'CANCEL').length, 0, 'not before a provisional');
    const before = s.net.sent.length;
    await reply(s, c.branches.get(DESK.port)!, 180, DESK, 'desk');
    assert.equal(requestsTo(s.net.since(before), DESK, 'CANCEL').length, 1);
    assert.deepEqual(upstream(s.net.since(before)), [], 'a 180 after the 200 is not forwarded');
    await s.server.close();
  });

  test('every branch fails: the best response goes upstream once (486 before 480, any 6xx first)', async () => {
    const s = await setup();
    let c = await call(s);
    let before = s.net.sent.length;
    await reply(s, c.branches.get(DESK.port)!, 486, DESK, 'desk');
    assert.deepEqual(upstream(s.net.since(before)), [], 'nothing until every branch answered');
    await reply(s, c.branches.get(MOBILE.port)!, 480, MOBILE, 'mobile');
    assert.deepEqual(
      upstream(s.net.since(before)).map((r) => r.status),
      [486],
    );

    c = await call(s);
    before = s.net.sent.length;
    await reply(s, c.branches.get(DESK.port)!, 180, DESK, 'desk');
    await reply(s, c.branches.get(MOBILE.port)!, 603, MOBILE, 'mobile');
    // §16.7 step 5: a 6xx cancels the other branches; their 487 does not outrank it.
    assert.equal(requestsTo(s.net.since(before), DESK, 'CANCEL').length, 1);
    await reply(s, c.branches.get(DESK.port)!, 487, DESK, 'desk');
    assert.deepEqual(
      upstream(s.net.since(before)).map((r) => r.status),
      [180, 603],
    );
    await s.server.close();
  });

  test('§16.10: the caller’s CANCEL is answered 200, cancels every ringing branch, and the 487 goes back', async () => {
    const s = await setup();
    const c = await call(s);
    await reply(s, c.branches.get(DESK.port)!, 180, DESK, 'desk');
    await reply(s, c.branches.get(MOBILE.port)!, 180, MOBILE, 'mobile');
    let before = s.net.sent.length;
    s.net.inject(
      requestText({
        method: 'CANCEL',
        uri: AOR_1002,
        via: `SIP/2.0/UDP 192.0.2.10:5070;branch=${c.branch};rport`,
        from: `<sip:1001@${DOMAIN}:5060>;tag=caller`,
        to: `<${AOR_1002}>`,
        callId: c.callId,
        cseq: 2,
      }),
      CALLER,
    );
    await flush();
    let sent = s.net.since(before);
    assert.deepEqual(
      upstream(sent).map((r) => `${r.status} ${r.headers.get('CSeq')}`),
      ['200 2 CANCEL'],
    );
    assert.equal(requestsTo(sent, DESK, 'CANCEL').length, 1);
    assert.equal(requestsTo(sent, MOBILE, 'CANCEL').length, 1);
    before = s.net.sent.length;
    await reply(s, c.branches.get(DESK.port)!, 487, DESK, 'desk');
    await reply(s, c.branches.get(MOBILE.port)!, 487, MOBILE, 'mobile');
    sent = s.net.since(before);
    assert.deepEqual(
      upstream(sent).map((r) => `${r.status} ${r.headers.get('CSeq')}`),
      ['487 2 INVITE'],
    );
    await s.server.close();
  });

  test('after the caller’s CANCEL, a branch that never rang and times out does not turn the 487 into 408', async () => {
    const s = await setup();
    const c = await call(s);
    await reply(s, c.branches.get(MOBILE.port)!, 180, MOBILE, 'mobile');
    s.net.inject(
      requestText({
        method: 'CANCEL',
        uri: AOR_1002,
        via: `SIP/2.0/UDP 192.0.2.10:5070;branch=${c.branch};rport`,
        from: `<sip:1001@${DOMAIN}:5060>;tag=caller`,
        to: `<${AOR_1002}>`,
        callId: c.callId,
        cseq: 2,
      }),
      CALLER,
    );
    await flush();
    const before = s.net.sent.length;
    await reply(s, c.branches.get(MOBILE.port)!, 487, MOBILE, 'mobile');
    assert.equal(requestsTo(s.net.sent, DESK, 'CANCEL').length, 0, 'the silent desk cannot be cancelled (§9.1)');
    s.clock.tick(64 * 500); // Timer B: the desk's branch ends as 408
    assert.deepEqual(
      upstream(s.net.since(before)).map((r) => r.status),
      [487],
    );
    await s.server.close();
  });

  test('a CANCEL for no known INVITE is 481', async () => {
    const s = await setup();
    const before = s.net.sent.length;
    s.net.inject(
      requestText({
        method: 'CANCEL',
        uri: AOR_1002,
        via: 'SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bKnothing;rport',
        from: `<sip:1001@${DOMAIN}>;tag=x`,
        to: `<${AOR_1002}>`,
        callId: 'none',
        cseq: 1,
      }),
      CALLER,
    );
    await flush();
    assert.deepEqual(
      upstream(s.net.since(before)).map((r) => r.status),
      [481],
    );
    await s.server.close();
  });

  test('§16.8 Timer C: a branch ringing for longer than Timer C is cancelled', async () => {
    const s = await setup({ timerC: 181_000 });
    const c = await call(s);
    await reply(s, c.branches.get(DESK.port)!, 180, DESK, 'desk');
    await reply(s, c.branches.get(MOBILE.port)!, 486, MOBILE, 'mobile');
    s.clock.tick(180_999);
    assert.equal(requestsTo(s.net.sent, DESK, 'CANCEL').length, 0);
    s.clock.tick(1);
    assert.equal(requestsTo(s.net.sent, DESK, 'CANCEL').length, 1);
    await s.server.close();
  });

  test('404 for an unknown user, 480 for a user without a binding, 483, 420, 403 for another domain', async () => {
    const s = await setup();
    const statusOf = async (text: string) => {
      const before = s.net.sent.length;
      s.net.inject(text, CALLER);
      await flush();
      return upstream(s.net.since(before))
        .map((r) => r.status)
        .filter((x) => x !== 100);
    };
    const from = '<sip:alice@example.com>;tag=ext'; // a caller of another domain is not challenged
    const msg = (to: string, headers: string[] = []) =>
      inviteText({ to, from, callId: `x${++seq}`, branch: `z9hG4bKx${seq}`, cseq: 1, headers });
    assert.deepEqual(await statusOf(msg(`sip:9999@${DOMAIN}`)), [404]);
    assert.deepEqual(await statusOf(msg(`sip:1003@${DOMAIN}`)), [480]);
    assert.deepEqual(await statusOf(msg(`sip:1002@${DOMAIN}`, ['Proxy-Require: foo'])), [420]);
    assert.deepEqual(await statusOf(msg('sip:bob@example.com')), [403]);
    const zero = msg(`sip:1002@${DOMAIN}`).replace('Max-Forwards: 70', 'Max-Forwards: 0');
    assert.deepEqual(await statusOf(zero), [483]);
    await s.server.close();
  });

  test('a local user calling as someone else is refused with 403 after authenticating', async () => {
    const s = await setup();
    const before = s.net.sent.length;
    s.net.inject(
      inviteText({ from: `<sip:1003@${DOMAIN}>;tag=f`, callId: 'pose', branch: 'z9hG4bKp1', cseq: 1 }),
      CALLER,
    );
    await flush();
    const challenge = upstream(s.net.since(before)).find((r) => r.status === 407)!;
    const auth = credentials(challenge.headers.getAll('Proxy-Authenticate')[0]!, {
      user: '1001',
      password: 'pw1001',
      method: 'INVITE',
      uri: AOR_1002,
    });
    const b2 = s.net.sent.length;
    s.net.inject(
      inviteText({
        from: `<sip:1003@${DOMAIN}>;tag=f`,
        callId: 'pose',
        branch: 'z9hG4bKp2',
        cseq: 2,
        headers: [`Proxy-Authorization: ${auth}`],
      }),
      CALLER,
    );
    await flush();
    assert.deepEqual(
      upstream(s.net.since(b2))
        .map((r) => r.status)
        .filter((x) => x !== 100),
      [403],
    );
    await s.server.close();
  });

  test('in-dialog: the ACK for the 2xx and the BYE follow the Record-Route to the callee’s registered flow', async () => {
    const s = await setup();
    const c = await call(s);
    await reply(s, c.branches.get(MOBILE.port)!, 200, MOBILE, 'mobile');
    const dialog = (method: string, branch: string, cseq: number) =>
      requestText({
        method,
        uri: 'sip:1002@192.0.2.21:5090',
        via: `SIP/2.0/UDP 192.0.2.10:5070;branch=${branch};rport`,
        from: `<sip:1001@${DOMAIN}:5060>;tag=caller`,
        to: `<${AOR_1002}>;tag=mobile`,
        callId: c.callId,
        cseq,
        headers: ['Route: <sip:127.0.0.1:5060;lr>'],
      });
    let before = s.net.sent.length;
    s.net.inject(dialog('ACK', 'z9hG4bKack1', 2), CALLER);
    s.net.inject(dialog('ACK', 'z9hG4bKack1', 2), CALLER); // a retransmission
    await flush();
    const acks = requestsTo(s.net.since(before), MOBILE, 'ACK');
    assert.equal(acks.length, 2);
    assert.equal(acks[0]!.headers.get('Route'), undefined, 'our Route value is removed (§16.4)');
    assert.equal(acks[0]!.headers.get('Max-Forwards'), '69');
    assert.equal(acks[0]!.headers.getAll('Via')[0], acks[1]!.headers.getAll('Via')[0], 'stateless: same branch');

    before = s.net.sent.length;
    s.net.inject(dialog('BYE', 'z9hG4bKbye1', 3), CALLER);
    await flush();
    const byes = requestsTo(s.net.since(before), MOBILE, 'BYE');
    assert.equal(byes.length, 1);
    await reply(s, byes[0]!, 200, MOBILE, 'mobile');
    assert.deepEqual(
      upstream(s.net.since(before)).map((r) => `${r.status} ${r.headers.get('CSeq')}`),
      ['200 3 BYE'],
    );
    await s.server.close();
  });

  test('an INVITE that arrives over TCP and leaves over UDP is record-routed twice (one value per transport)', async () => {
    const s = await setup();
    const tcpCaller: Destination = { transport: 'TCP', host: '192.0.2.10', port: 40000 };
    s.net.emit('connectionOpened', 'conn-1', tcpCaller);
    const before = s.net.sent.length;
    s.net.inject(
      requestText({
        method: 'INVITE',
        uri: AOR_1002,
        via: 'SIP/2.0/TCP 192.0.2.10:40000;branch=z9hG4bKtcp1',
        from: '<sip:alice@example.com>;tag=t',
        to: `<${AOR_1002}>`,
        callId: 'tcp-call',
        cseq: 1,
      }),
      { ...tcpCaller, connectionId: 'conn-1' },
    );
    await flush();
    const inv = requestsTo(s.net.since(before), DESK, 'INVITE')[0]!;
    const token = /;dlg=([\w-]+)>/.exec(inv.headers.get('Record-Route') ?? '')?.[1];
    assert.ok(token);
    assert.deepEqual(inv.headers.getAll('Record-Route'), [
      `<sip:127.0.0.1:5060;lr;dlg=${token}>`,
      `<sip:127.0.0.1:5060;transport=tcp;lr;dlg=${token}>`,
    ]);
    await s.server.close();
  });

  test('a 2xx retransmitted after the transactions ended is forwarded statelessly (§16.7); a foreign one dropped', async () => {
    const s = await setup();
    const c = await call(s);
    const mobile = c.branches.get(MOBILE.port)!;
    await reply(s, mobile, 200, MOBILE, 'mobile');
    s.clock.tick(64 * 500 + 1); // Timers M and L (64*T1): both transactions are gone
    let before = s.net.sent.length;
    await reply(s, mobile, 200, MOBILE, 'mobile');
    const again = upstream(s.net.since(before));
    assert.deepEqual(
      again.map((r) => r.status),
      [200],
    );
    assert.equal(again[0]!.headers.getAll('Via').length, 1);
    const foreign = createResponse(mobile, 200, undefined, { toTag: 'm' });
    foreign.headers.removeFirst('Via');
    before = s.net.sent.length;
    s.net.inject(serializeMessage(foreign).toString('utf8'), MOBILE);
    await flush();
    assert.deepEqual(s.net.since(before), []);
    await s.server.close();
  });

  test('a contact registered over TCP is reached on its connection while open, else at its own address', async () => {
    const s = await fakeServer();
    const flow: Destination = { transport: 'TCP', host: '192.0.2.30', port: 41000 };
    s.net.emit('connectionOpened', 'conn-7', flow);
    await register(s, {
      user: '1002',
      contacts: ['<sip:1002@192.0.2.30:5062;transport=tcp>'],
      from: { ...flow, connectionId: 'conn-7' },
    });
    const dest = async () => {
      const before = s.net.sent.length;
      s.net.inject(
        inviteText({ from: '<sip:alice@example.com>;tag=x', callId: `tcp${++seq}`, branch: `z9hG4bKt${seq}`, cseq: 1 }),
        CALLER,
      );
      await flush();
      const sent = s.net.since(before).find((x) => isRequest(x.message) && x.message.method === 'INVITE');
      return sent?.to;
    };
    assert.deepEqual(await dest(), flow);
    s.net.emit('connectionClosed', 'conn-7', flow);
    assert.deepEqual(await dest(), { transport: 'TCP', host: '192.0.2.30', port: 5062 });
    await s.server.close();
  });

  test('a local service takes the requests for its numbers', async () => {
    const gateway: Destination = { transport: 'UDP', host: '127.0.0.1', port: 5090 };
    const s = await setup({ services: [routeUsersTo('echo', ['600'], (u) => `sip:${u}@127.0.0.1:5090`)] });
    const c = await call(s, `sip:600@${DOMAIN}:5060`);
    assert.deepEqual([...c.branches.keys()], [gateway.port]);
    assert.equal(c.branches.get(gateway.port)!.uri, 'sip:600@127.0.0.1:5090');
    await s.server.close();
  });
});
