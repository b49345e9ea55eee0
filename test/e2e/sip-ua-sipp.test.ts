// Parley's SIP user agent against sipp, directly (no proxy) over UDP on loopback: sipp as UAC and UAS, a UAS
// that loses our first INVITE (we retransmit), a UAC that loses our first 200 (we retransmit it until the ACK),
// and a peer that never answers (Timer B -> 408, with T1 = 50 ms so 64*T1 = 3.2 s).
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { type InviteServer, type Session, startSipStack } from '../../src/sip/index.js';
import { createTimerConfig } from '../../src/sip/timers.js';
import { type Artifacts, INFO_DTMF_CALL_SCENARIO, startSipp, withArtifacts, withTimeout } from '../harness/index.js';

/** sipp's error log, for the message of a failed assertion. */
function sippErrors(path: string): string {
  return existsSync(path) ? readFileSync(path, 'utf8').slice(0, 2000) : 'sipp wrote no error log';
}

async function startUa(artifacts: Artifacts, t1?: number) {
  const stack = await startSipStack({
    listen: [{ transport: 'UDP', host: '127.0.0.1', port: 0 }],
    user: 'alice',
    domain: '127.0.0.1',
    timers: t1 === undefined ? undefined : createTimerConfig({ T1: t1 }),
  });
  artifacts.defer(() => stack.close());
  return { ua: stack.ua, address: `127.0.0.1:${stack.contact.port}`, port: stack.contact.port };
}

/**
 * A lossy hop on the loopback network between our UA and sipp: forwards datagrams both ways on real UDP
 * sockets and drops the first one our UA sends through it (a virtual-network element, not a fake peer).
 */
async function lossyRelay(artifacts: Artifacts, uaPort: number, sippPort: () => number) {
  const socket = createSocket('udp4');
  let dropped = 0;
  socket.on('message', (msg, rinfo) => {
    if (rinfo.port === uaPort) {
      if (dropped === 0) {
        dropped++;
        return;
      }
      socket.send(msg, sippPort(), '127.0.0.1');
    } else socket.send(msg, uaPort, '127.0.0.1');
  });
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  artifacts.defer(() => new Promise<void>((resolve) => socket.close(() => resolve())));
  return { port: socket.address().port, dropped: () => dropped };
}

const SDP = Buffer.from(
  'v=0\r\no=parley 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40100 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n',
);

function waitEvent<T extends unknown[]>(emitter: NodeJS.EventEmitter, name: string, ms = 10_000): Promise<T> {
  return withTimeout(once(emitter, name) as Promise<T>, ms, `event ${name}`);
}

const RESPONSE_HEADERS = `      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]`;

/** A UAS that answers 200 at once and takes the BYE (the relay in front of it loses our first INVITE). */
const UAS_ANSWERS = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="uas loses the first INVITE">
  <recv request="INVITE" />
  <send><![CDATA[
      SIP/2.0 200 OK
${RESPONSE_HEADERS}
      Contact: <sip:[local_ip]:[local_port];transport=[transport]>
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=sipp 1 1 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0
      a=rtpmap:0 PCMU/8000
    ]]></send>
  <recv request="ACK" />
  <recv request="BYE" />
  <send><![CDATA[
      SIP/2.0 200 OK
${RESPONSE_HEADERS}
      Content-Length: 0
    ]]></send>
</scenario>
`;

/**
 * A UAC whose Via names the lossy relay ([relay] key), so that our responses go through it and the first 200
 * is lost: the UAS core must retransmit the 2xx until the ACK (RFC 3261 §13.3.1.4).
 */
const UAC_VIA_RELAY = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="uac loses the first 200">
  <send retrans="500"><![CDATA[
      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[relay];branch=[branch]
      From: <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: <sip:sipp@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=sipp 1 1 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0
      a=rtpmap:0 PCMU/8000
    ]]></send>
  <recv response="100" optional="true" />
  <recv response="180" optional="true" />
  <recv response="200" rrs="true" />
  <send><![CDATA[
      ACK [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Max-Forwards: 70
      Content-Length: 0
    ]]></send>
  <pause milliseconds="200" />
  <send retrans="500"><![CDATA[
      BYE [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 2 BYE
      Max-Forwards: 70
      Content-Length: 0
    ]]></send>
  <recv response="200" />
</scenario>
`;

/** A peer that takes the INVITE and never answers. */
const UAS_NEVER_ANSWERS = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="uas never answers">
  <recv request="INVITE" />
  <pause milliseconds="5000" />
</scenario>
`;

describe('SIP user agent with sipp', { timeout: 120_000 }, () => {
  test('sipp UAC calls us: 180, 200, ACK, then its BYE ends the session', { timeout: 30_000 }, (t) =>
    withArtifacts(t, async (artifacts) => {
      const { ua, address } = await startUa(artifacts);
      const ended = new Promise<string>((resolve) =>
        ua.once('invite', (inv: InviteServer) => {
          inv.progress(180);
          inv.accept(SDP)?.once('terminated', (i) => resolve(i.by));
        }),
      );
      const uac = await startSipp(artifacts, {
        scenario: { builtin: 'uac' },
        remote: address,
        service: 'alice',
        extraArgs: ['-d', '200'],
      });
      artifacts.defer(() => uac.stop());
      const r = await uac.result;
      assert.equal(r.exitCode, 0, sippErrors(r.errorsLog));
      assert.equal(r.stats?.successful, 1);
      assert.equal(await withTimeout(ended, 5000, 'terminated'), 'remote');
    }),
  );

  test('we call a sipp UAS: 180, 200, ACK, our BYE', { timeout: 30_000 }, (t) =>
    withArtifacts(t, async (artifacts) => {
      const { ua } = await startUa(artifacts);
      const uas = await startSipp(artifacts, { scenario: { builtin: 'uas' } });
      artifacts.defer(() => uas.stop());
      const call = ua.invite(`sip:service@${uas.address}`, SDP);
      const progress = waitEvent<[{ status: number }]>(call, 'progress');
      const [session] = await waitEvent<[Session]>(call, 'accepted');
      assert.equal((await progress)[0].status, 180);
      await session.bye();
      const r = await uas.result;
      assert.equal(r.exitCode, 0, sippErrors(r.errorsLog));
      assert.equal(r.stats?.successful, 1);
    }),
  );

  test('our first INVITE is lost on the way to a sipp UAS: the retransmission gets through', { timeout: 30_000 }, (t) =>
    withArtifacts(t, async (artifacts) => {
      const { ua, port } = await startUa(artifacts, 100);
      const uas = await startSipp(artifacts, { scenario: UAS_ANSWERS });
      artifacts.defer(() => uas.stop());
      const relay = await lossyRelay(artifacts, port, () => uas.port);
      const call = ua.invite(`sip:service@127.0.0.1:${relay.port}`, SDP);
      const [session] = await waitEvent<[Session]>(call, 'accepted');
      assert.equal(relay.dropped(), 1);
      await session.bye();
      const r = await uas.result;
      assert.equal(r.exitCode, 0, sippErrors(r.errorsLog));
      assert.equal(r.stats?.successful, 1);
    }),
  );

  test(
    'our first 200 is lost on the way to a sipp UAC: we retransmit it until the ACK (§13.3.1.4)',
    { timeout: 30_000 },
    (t) =>
      withArtifacts(t, async (artifacts) => {
        const { ua, port } = await startUa(artifacts, 100);
        const ended = new Promise<string>((resolve) =>
          ua.once('invite', (inv: InviteServer) => {
            inv.accept(SDP)?.once('terminated', (i) => resolve(i.by));
          }),
        );
        let sippPort = 0;
        const relay = await lossyRelay(artifacts, port, () => sippPort);
        const uac = await startSipp(artifacts, {
          scenario: UAC_VIA_RELAY,
          remote: `127.0.0.1:${port}`,
          service: 'alice',
          keys: { relay: String(relay.port) },
        });
        sippPort = uac.port;
        artifacts.defer(() => uac.stop());
        const r = await uac.result;
        assert.equal(r.exitCode, 0, sippErrors(r.errorsLog));
        assert.equal(r.stats?.successful, 1);
        assert.equal(relay.dropped(), 1);
        assert.equal(await withTimeout(ended, 5000, 'BYE after the ACK'), 'remote');
      }),
  );

  test('a peer that never answers: Timer B gives 408 (T1 = 50 ms)', { timeout: 30_000 }, (t) =>
    withArtifacts(t, async (artifacts) => {
      const { ua } = await startUa(artifacts, 50);
      const uas = await startSipp(artifacts, { scenario: UAS_NEVER_ANSWERS });
      artifacts.defer(() => uas.stop());
      const call = ua.invite(`sip:service@${uas.address}`, SDP);
      const started = performance.now();
      const [f] = await waitEvent<[{ status: number; code?: string }]>(call, 'failed');
      assert.equal(f.status, 408);
      assert.equal(f.code, 'SIP_TIMEOUT');
      // Timer B = 64*T1 = 3.2 s; this is a protocol check, not a performance measure.
      assert.ok(performance.now() - started >= 3000);
    }),
  );

  test('sipp sends DTMF by INFO (application/dtmf-relay) in a call to us', { timeout: 30_000 }, (t) =>
    withArtifacts(t, async (artifacts) => {
      const { ua, address } = await startUa(artifacts);
      const info = new Promise<{ tone: string; duration: number } | undefined>((resolve) =>
        ua.once('invite', (inv: InviteServer) => {
          inv.accept(SDP)?.once('info', (i) => resolve(i.dtmf));
        }),
      );
      const uac = await startSipp(artifacts, {
        scenario: INFO_DTMF_CALL_SCENARIO,
        remote: address,
        service: 'alice',
        keys: { signal: '9' },
      });
      artifacts.defer(() => uac.stop());
      assert.deepEqual(await withTimeout(info, 10_000, 'INFO'), { tone: '9', duration: 160 });
      const r = await uac.result;
      assert.equal(r.exitCode, 0, sippErrors(r.errorsLog));
    }),
  );
});
