// npm run bench:sip — parses (and serializes) a realistic INVITE with SDP and its 200 OK, and prints messages
// per second for Parley, JsSIP and SIP.js side by side in the same run (warm-up, then interleaved rounds,
// median reported). JsSIP and SIP.js are given the message already decoded to a string (their best case:
// they parse strings); Parley is given the Buffer a socket delivers.
import { createRequire } from 'node:module';
import { LoggerFactory, Parser as SipJsParser } from 'sip.js/lib/core/index.js';
import { parseCSeq } from '../../src/sip/message/cseq.js';
import { splitHeaderList } from '../../src/sip/message/header-list.js';
import type { SipMessage } from '../../src/sip/message/message.js';
import { parseNameAddr } from '../../src/sip/message/name-addr.js';
import { parseMessage } from '../../src/sip/message/parser.js';
import { serializeMessage } from '../../src/sip/message/serializer.js';
import { parseVia } from '../../src/sip/message/via.js';

const require = createRequire(import.meta.url);
const JsSipParser = require('jssip/lib/Parser.js') as { parseMessage: (data: string, ua: unknown) => unknown };

const SDP = [
  'v=0',
  'o=- 4858392847 2 IN IP4 198.51.100.23',
  's=-',
  'c=IN IP4 198.51.100.23',
  't=0 0',
  'm=audio 40376 RTP/AVP 111 0 8 9 101',
  'a=rtpmap:111 opus/48000/2',
  'a=fmtp:111 minptime=10;useinbandfec=1',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:9 G722/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-16',
  'a=ptime:20',
  'a=sendrecv',
  'm=video 40378 RTP/AVP 96 97',
  'a=rtpmap:96 VP8/90000',
  'a=rtpmap:97 H264/90000',
  'a=fmtp:97 profile-level-id=42e01f;packetization-mode=1',
  'a=rtcp-fb:96 nack pli',
  'a=sendrecv',
  '',
].join('\r\n');

const INVITE = [
  'INVITE sip:1003@pbx.example.com;transport=udp SIP/2.0',
  'Via: SIP/2.0/UDP 203.0.113.10:5060;branch=z9hG4bK-524287-1-0f3eb40b11f97a9c;rport',
  'Via: SIP/2.0/TCP 192.0.2.44:5060;branch=z9hG4bKnashds7;received=192.0.2.44',
  'Via: SIP/2.0/UDP 198.51.100.23:5062;branch=z9hG4bK776asdhds;rport=5062;received=198.51.100.23',
  'Record-Route: <sip:203.0.113.10;lr;ftag=as7d9f0a8>',
  'Record-Route: <sip:192.0.2.44;transport=tcp;lr>',
  'Max-Forwards: 68',
  'From: "Alice Liddell" <sip:1001@pbx.example.com>;tag=as7d9f0a8',
  'To: <sip:1003@pbx.example.com>',
  'Call-ID: 3c26700e7c6e-8f9a2b1c4d5e@198.51.100.23',
  'CSeq: 102 INVITE',
  'Contact: <sip:1001@198.51.100.23:5062;transport=udp;ob>;+sip.instance="<urn:uuid:00000000-0000-1000-8000-000A95A0E128>"',
  'Allow: INVITE, ACK, CANCEL, BYE, NOTIFY, REFER, MESSAGE, OPTIONS, INFO, UPDATE, PRACK, SUBSCRIBE',
  'Supported: replaces, norefersub, timer, 100rel, outbound, path',
  'Session-Expires: 1800;refresher=uac',
  'Min-SE: 90',
  'User-Agent: Parley-bench/1.0',
  'Allow-Events: talk, hold, refer',
  'P-Asserted-Identity: "Alice Liddell" <sip:1001@pbx.example.com>',
  'Content-Type: application/sdp',
  `Content-Length: ${Buffer.byteLength(SDP)}`,
  '',
  SDP,
].join('\r\n');

const OK = [
  'SIP/2.0 200 OK',
  'Via: SIP/2.0/UDP 203.0.113.10:5060;branch=z9hG4bK-524287-1-0f3eb40b11f97a9c;rport=5060;received=203.0.113.10',
  'Via: SIP/2.0/TCP 192.0.2.44:5060;branch=z9hG4bKnashds7;received=192.0.2.44',
  'Via: SIP/2.0/UDP 198.51.100.23:5062;branch=z9hG4bK776asdhds;rport=5062;received=198.51.100.23',
  'Record-Route: <sip:203.0.113.10;lr;ftag=as7d9f0a8>',
  'Record-Route: <sip:192.0.2.44;transport=tcp;lr>',
  'From: "Alice Liddell" <sip:1001@pbx.example.com>;tag=as7d9f0a8',
  'To: <sip:1003@pbx.example.com>;tag=8321234356',
  'Call-ID: 3c26700e7c6e-8f9a2b1c4d5e@198.51.100.23',
  'CSeq: 102 INVITE',
  'Contact: <sip:1003@192.0.2.77:5060;transport=udp>',
  'Allow: INVITE, ACK, CANCEL, BYE, NOTIFY, REFER, OPTIONS, INFO, UPDATE',
  'Supported: replaces, timer',
  'Require: timer',
  'Session-Expires: 1800;refresher=uac',
  'Server: Example PBX 18.2',
  'Content-Type: application/sdp',
  `Content-Length: ${Buffer.byteLength(SDP)}`,
  '',
  SDP,
].join('\r\n');

const inviteBuf = Buffer.from(INVITE);
const okBuf = Buffer.from(OK);
const sipJsLogger = new LoggerFactory().getLogger('sip.parser');
sipJsLogger.level = 0;
const fakeUa = {};

let sink = 0;

function parley(buf: Buffer): SipMessage {
  const r = parseMessage(buf);
  if (!r.ok) throw r.error;
  return r.value;
}

/** Parley parse plus reading the typed headers JsSIP and SIP.js build eagerly (Via, From, To, CSeq, Contact). */
function parleyTyped(buf: Buffer): void {
  const m = parley(buf);
  const h = m.headers;
  for (const v of h.getAll('Via')) if (parseVia(v).ok) sink++;
  if (parseNameAddr(h.get('From')!).ok) sink++;
  if (parseNameAddr(h.get('To')!).ok) sink++;
  if (parseCSeq(h.get('CSeq')!).ok) sink++;
  for (const c of h.getAll('Contact')) for (const e of splitHeaderList(c)) if (parseNameAddr(e).ok) sink++;
}

const cases: Array<{ name: string; run: () => void }> = [];
for (const [label, buf, text] of [
  ['INVITE', inviteBuf, INVITE],
  ['200 OK', okBuf, OK],
] as const) {
  cases.push({
    name: `Parley  parse           ${label}`,
    run: () => {
      sink += parley(buf).headers.size;
    },
  });
  cases.push({ name: `Parley  parse+typed     ${label}`, run: () => parleyTyped(buf) });
  cases.push({
    name: `Parley  parse+serialize ${label}`,
    run: () => {
      sink += serializeMessage(parley(buf)).length;
    },
  });
  cases.push({
    name: `JsSIP   parse           ${label}`,
    run: () => {
      if (JsSipParser.parseMessage(text, fakeUa) === undefined) throw new Error('JsSIP failed');
    },
  });
  cases.push({
    name: `SIP.js  parse           ${label}`,
    run: () => {
      if (SipJsParser.parseMessage(text, sipJsLogger) === undefined) throw new Error('SIP.js failed');
    },
  });
}

function measure(run: () => void, ms: number): number {
  let n = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(ms) * 1_000_000n;
  let now = start;
  while (now < end) {
    for (let i = 0; i < 200; i++) run();
    n += 200;
    now = process.hrtime.bigint();
  }
  return (n * 1e9) / Number(now - start);
}

const ROUNDS = Number(process.env.ROUNDS ?? 7);
const ROUND_MS = Number(process.env.ROUND_MS ?? 300);
for (const c of cases) measure(c.run, 200); // warm-up: JIT every path first
const results = new Map<string, number[]>(cases.map((c) => [c.name, []]));
for (let r = 0; r < ROUNDS; r++) for (const c of cases) results.get(c.name)!.push(measure(c.run, ROUND_MS));

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`node ${process.version}, ${ROUNDS} rounds of ${ROUND_MS} ms, median messages/second`);
console.log(`INVITE ${inviteBuf.length} bytes, 200 OK ${okBuf.length} bytes\n`);
for (const label of ['INVITE', '200 OK']) {
  const row = (p: string) => median(results.get(`${p}${label}`)!);
  const parleyParse = row('Parley  parse           ');
  const jssip = row('JsSIP   parse           ');
  const sipjs = row('SIP.js  parse           ');
  const best = Math.max(jssip, sipjs);
  for (const c of cases.filter((x) => x.name.endsWith(label))) {
    console.log(
      `${c.name.padEnd(34)} ${Math.round(median(results.get(c.name)!))
        .toLocaleString('en')
        .padStart(10)}/s`,
    );
  }
  console.log(`  Parley parse vs the faster of JsSIP/SIP.js: ${(parleyParse / best).toFixed(1)}x`);
  console.log(`  Parley parse+typed vs the faster:          ${(row('Parley  parse+typed     ') / best).toFixed(1)}x\n`);
}
if (sink === 42) console.log('');
