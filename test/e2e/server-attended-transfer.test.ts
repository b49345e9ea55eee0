// Attended transfer end to end (RFC 5589 §7, REFER with Replaces, RFC 3891): a page in Chromium has two calls
// through Parley and Kamailio, to 1002 and 1003, and transfers the first to the second with
// `callA.transfer(callB)`. 1002 gets a REFER whose Refer-To carries Replaces for Parley's dialog with 1003,
// calls 1003 with it; 1003 takes the new call in place of Parley's and ends that one with BYE; 1002 reports
// success by NOTIFY and Parley ends its call with 1002. Both browser calls FINISH; 1002 and 1003 talk.
// Call B is either answered by the browser (1003 called it) or placed by it.
//
// The two phones are Parley's own SIP user agent (src/sip), each registered at Kamailio, not baresip:
// baresip 1.0 (with libre 1.1) has no Replaces support (neither binary holds the header's name), so it can
// neither send an INVITE with Replaces when it follows a REFER nor honour one it receives.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { describe, type TestContext, test } from 'node:test';
import type { IncomingRefer, InviteServer, Session } from '../../src/sip/index.js';
import { startSipStack } from '../../src/sip/index.js';
import {
  type Artifacts,
  freeUdpRange,
  type Kamailio,
  launchBrowser,
  startKamailio,
  withArtifacts,
  withTimeout,
} from '../harness/index.js';
import { ensureSdkBuilt, startServerProcess } from './server-support.js';

const USERS = [
  { user: '1001', password: 'pw1001' },
  { user: '1002', password: 'pw1002' },
  { user: '1003', password: 'pw1003' },
];

/** PCMU on a port nobody reads: these phones check signalling; the media plane's packets are not listened to. */
const sdp = (port: number) =>
  Buffer.from(
    `v=0\r\no=phone 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n`,
  );

const waitEvent = <T extends unknown[]>(emitter: NodeJS.EventEmitter, name: string, what: string, ms = 15_000) =>
  withTimeout(once(emitter, name) as Promise<T>, ms, what);

async function phone(artifacts: Artifacts, kamailio: Kamailio, user: string, password: string) {
  const stack = await startSipStack({
    listen: [{ transport: 'UDP', host: '127.0.0.1', port: 0 }],
    user,
    password,
    domain: kamailio.domain,
    outboundProxy: kamailio.uri,
  });
  artifacts.defer(() => stack.close());
  const registered = waitEvent(stack.ua, 'registered', `${user} registered`);
  stack.ua.register();
  await registered;
  return stack.ua;
}

/** Registers 1001 and places call A to 1002; call B is placed to 1003 too (`outgoing`), or is 1003's call, answered. */
const PAGE = (domain: string, proxy: string, b: 'outgoing' | 'incoming') => `(async () => {
  const P = await import('/sdk/parley.mjs');
  window.events = [];
  const sipOptions = { login: '1001', password: 'pw1001', domain: '${domain}', outboundProxy: '${proxy}' };
  const session = P.createSession({ sipOptions });
  const watch = (name, call) => {
    for (const st of [...Object.values(P.CALL_STATUS), ...Object.values(P.CALL_EVENT)]) {
      call.on(st, () => window.events.push(name + ':' + st));
    }
  };
  window.incomingB = new Promise((resolve) => session.on(P.SESSION_STATUS.INCOMING_CALL, (call) => {
    watch('B', call);
    call.on(P.CALL_STATUS.ESTABLISHED, () => resolve(call));
    call.answer({ constraints: { audio: true, video: false } });
  }));
  await new Promise((resolve, reject) => {
    session.on(P.SESSION_STATUS.REGISTERED, resolve);
    session.on(P.SESSION_STATUS.FAILED, (i) => reject(new Error('FAILED ' + JSON.stringify(i))));
  });
  const place = (name, callee) => new Promise((resolve, reject) => {
    const call = session.createCall({ callee, constraints: { audio: true, video: false } });
    watch(name, call);
    call.on(P.CALL_STATUS.ESTABLISHED, () => resolve(call));
    call.on(P.CALL_STATUS.FAILED, () => reject(new Error(name + ' FAILED ' + JSON.stringify(call.getInfo()))));
    call.call();
  });
  window.callA = await place('A', '1002');
  if ('${b}' === 'outgoing') window.callB = await place('B', '1003');
  return 'ok';
})()`;

const TRANSFER = `(async () => {
  const finished = (c) => new Promise((resolve) => {
    if (['FINISH', 'FAILED'].includes(c.status())) return resolve(c.status());
    c.on('FINISH', () => resolve('FINISH'));
    c.on('FAILED', () => resolve('FAILED'));
  });
  const ends = Promise.all([finished(window.callA), finished(window.callB)]);
  await window.callA.transfer(window.callB);
  return await ends;
})()`;

async function attendedTransfer(t: TestContext, b: 'outgoing' | 'incoming'): Promise<void> {
  await withArtifacts(t, async (artifacts) => {
    ensureSdkBuilt();
    const kamailio = await startKamailio(artifacts, { users: USERS });
    artifacts.defer(() => kamailio.stop());
    const transferee = await phone(artifacts, kamailio, '1002', 'pw1002');
    const target = await phone(artifacts, kamailio, '1003', 'pw1003');

    // 1002 answers, and follows a REFER: INVITE to the Refer-To target with its Replaces and Referred-By.
    const aAtTransferee = new Promise<Session>((resolve) =>
      transferee.once('invite', (inv: InviteServer) => {
        const s = inv.accept(sdp(40_100));
        if (s) resolve(s);
      }),
    );
    const followed = aAtTransferee.then(
      (session) =>
        new Promise<{ refer: IncomingRefer; joined: Session }>((resolve, reject) => {
          session.once('refer', (refer: IncomingRefer) => {
            if (refer.replaces === undefined) return reject(new Error(`REFER without Replaces: ${refer.target}`));
            refer.accept();
            const headers: [string, string][] = [['Replaces', refer.replaces]];
            if (refer.referredBy) headers.push(['Referred-By', refer.referredBy]);
            const inv = transferee.invite(refer.target, sdp(40_102), { headers });
            inv.once('accepted', (joined: Session) => {
              refer.notify(200, 'OK');
              resolve({ refer, joined });
            });
            inv.once('failed', (f: { status: number }) => {
              refer.notify(f.status, 'Failed');
              reject(new Error(`the INVITE with Replaces failed: ${f.status}`));
            });
          });
        }),
    );
    // 1003 answers every INVITE: Parley's call B (outgoing case), and the one that replaces call B.
    const targetInvites: InviteServer[] = [];
    const bAtTargetAnswered = new Promise<Session>((resolve) => {
      target.on('invite', (inv: InviteServer) => {
        targetInvites.push(inv);
        const s = inv.accept(sdp(40_104 + 2 * targetInvites.length));
        if (s && b === 'outgoing' && targetInvites.length === 1) resolve(s);
      });
    });

    const media = await freeUdpRange(200);
    const server = await startServerProcess({
      PARLEY_MEDIA_PORTS: `${media.min}-${media.max}`,
      PARLEY_LOG_LEVEL: 'debug',
    });
    artifacts.defer(async () => {
      assert.equal(await server.stop(), 0);
    });
    artifacts.defer(() => writeFileSync(artifacts.path('parley.log'), server.output()));
    const browser = await launchBrowser(artifacts, 'chromium');
    artifacts.defer(() => browser.close());
    await browser.page.goto(server.url.href);

    const proxy = `${kamailio.host}:${kamailio.port}`;
    assert.equal(await browser.page.evaluate<string>(PAGE(kamailio.domain, proxy, b)), 'ok');
    let bSession: Session;
    if (b === 'outgoing') {
      bSession = await withTimeout(bAtTargetAnswered, 5000, 'call B at 1003');
    } else {
      const call = target.invite('1001', sdp(40_104));
      [bSession] = await waitEvent<[Session]>(call, 'accepted', "1003's call to the browser answered");
      await browser.page.evaluate('window.incomingB.then((c) => { window.callB = c; })');
    }
    const bEnded = waitEvent(bSession, 'terminated', 'call B at 1003 ended');

    const endings = await browser.page.evaluate<string[]>(TRANSFER);
    assert.deepEqual(endings, ['FINISH', 'FINISH'], 'both browser calls FINISH');
    const { refer, joined } = await withTimeout(followed, 10_000, '1002 followed the REFER');
    await bEnded;

    // The REFER named 1003's side of call B: 1003 matched it and took the new call in its place.
    const replacing = targetInvites.find((inv) => inv.replaces !== undefined);
    assert.equal(replacing?.replaces, bSession, "1003's INVITE with Replaces names Parley's call B");
    assert.match(refer.referredBy ?? '', /sip:1001@/, 'Referred-By is the browser account (RFC 3892)');
    // 1002 and 1003 now share a confirmed dialog, with each other.
    assert.equal(joined.state, 'Confirmed');
    assert.match(joined.dialog.remoteUri, /sip:1003@/);
    const events = await browser.page.evaluate<string[]>('window.events');
    assert.ok(events.includes('A:TRANSFER_SUCCEEDED'), `the browser saw the transfer succeed: ${events.join(' ')}`);
    await joined.bye();
  });
}

describe('attended transfer from the browser (REFER with Replaces) between two phones', { timeout: 200_000 }, () => {
  test(
    'call B answered in the browser: the phones end up together and both browser calls FINISH',
    { timeout: 90_000 },
    (t) => attendedTransfer(t, 'incoming'),
  );
  test(
    'call B placed by the browser: the phones end up together and both browser calls FINISH',
    { timeout: 90_000 },
    (t) => attendedTransfer(t, 'outgoing'),
  );
});
