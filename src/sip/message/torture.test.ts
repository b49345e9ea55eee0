// RFC 4475 (SIP torture tests) and RFC 5118 (IPv6 torture tests), from the byte-exact fixtures in
// test/fixtures/sip. Valid messages parse; invalid ones are refused with the error a UAS answers from.
// Messages that are well formed but semantically wrong (§3.2-§3.3) parse, and the layer that judges them
// gets what it needs (416 for an unknown scheme, the branch for the transaction layer...).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { SipErrorCode } from '../errors.js';
import { parseAuthHeader } from './auth-header.js';
import { parseCSeq } from './cseq.js';
import { splitHeaderList } from './header-list.js';
import type { SipMessage } from './message.js';
import { parseNameAddr } from './name-addr.js';
import { parseMessage } from './parser.js';
import { serializeMessage } from './serializer.js';
import { StreamParser } from './stream-parser.js';
import { parseUri } from './uri.js';
import { parseVia } from './via.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures/sip');
const load = (set: string, name: string): Buffer => readFileSync(join(root, set, `${name}.dat`));

interface Refused {
  code: SipErrorCode;
  field?: string;
  status?: number;
}

function parsed(buf: Buffer): SipMessage {
  const r = parseMessage(buf);
  assert.ok(r.ok, r.ok ? '' : `${r.error.code}: ${r.error.message}`);
  return r.value;
}

/** A valid message also survives serialize → parse with the same start line, headers and body. */
function roundTrips(m: SipMessage): void {
  const again = parsed(serializeMessage(m));
  assert.equal(again.kind, m.kind);
  assert.deepEqual(
    [...again.headers].filter((f) => !/^(content-length|l)$/i.test(f.name)),
    [...[...m.headers].filter((f) => !/^(content-length|l)$/i.test(f.name))],
  );
  assert.deepEqual(again.body, m.body);
}

const VALID_4475: Record<string, (m: SipMessage) => void> = {
  wsinv: (m) => {
    assert.ok(m.kind === 'request' && m.method === 'INVITE');
    const to = parseNameAddr(m.headers.get('To')!);
    assert.ok(to.ok && to.value.params.get('tag') === '1918181833n');
    const from = parseNameAddr(m.headers.get('From')!);
    assert.ok(from.ok);
    assert.equal(from.value.displayName, 'J Rosenberg \\"');
    assert.equal(from.value.params.get('tag'), '98asjd8');
    assert.equal(m.headers.get('Max-Forwards'), '0068');
    const cseq = parseCSeq(m.headers.get('CSeq')!);
    assert.ok(cseq.ok && cseq.value.seq === 9 && cseq.value.method === 'INVITE');
    const vias = m.headers.getAll('Via').flatMap((v) => {
      const r = parseVia(v);
      assert.ok(r.ok);
      return r.value;
    });
    assert.deepEqual(
      vias.map((v) => [v.protocol, v.transport, v.host, v.params.get('branch')]),
      [
        ['SIP/2.0', 'UDP', '192.0.2.2', '390skdjuw'],
        ['SIP/2.0', 'TCP', 'spindle.example.com', 'z9hG4bK9ikj8'],
        ['SIP/2.0', 'UDP', '192.168.255.111', 'z9hG4bK30239'],
      ],
    );
    assert.equal(m.headers.get('Subject'), '');
    assert.equal(m.headers.get('NewFangledHeader'), 'newfangled value continued newfangled value');
    assert.equal(m.headers.get('UnknownHeaderWithUnusualValue'), ';;,,;;,;');
    const contact = parseNameAddr(m.headers.get('Contact')!);
    assert.ok(contact.ok);
    assert.equal(contact.value.displayName, 'Quoted string ""');
    assert.deepEqual(
      [...contact.value.params],
      [
        ['newparam', 'newvalue'],
        ['secondparam', null],
        ['q', '0.33'],
      ],
    );
    assert.equal(m.body.length, 150);
  },
  intmeth: (m) => {
    assert.ok(m.kind === 'request');
    assert.equal(m.method, "!interesting-Method0123456789_*+`.%indeed'~");
    const uri = parseUri(m.uri);
    assert.ok(uri.ok);
    assert.equal(uri.value.user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
    assert.equal(uri.value.password, "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
    const to = parseNameAddr(m.headers.get('To')!);
    assert.ok(to.ok);
    assert.equal(to.value.displayName, 'BEL:\x07 NUL:\x00 DEL:\x7f');
    const from = parseNameAddr(m.headers.get('From')!);
    assert.ok(from.ok);
    assert.equal(from.value.displayName, "token1~` token2'+_ token3*%!.-");
    assert.equal(from.value.params.get("fromparam''~+*_!.-%"), '"работающий"');
    assert.equal(from.value.params.get('tag'), "_token~1'+`*%!-.");
    assert.equal(m.headers.get('Call-ID'), 'intmeth.word%ZK-!.*_+\'@word`~)(><:\\/"][?}{');
    assert.equal(m.headers.get("extensionHeader-!.%*+_`'~"), '\ufeff大停電');
  },
  esc01: (m) => {
    const ruri = parseUri((m as { uri: string }).uri);
    assert.ok(ruri.ok && ruri.value.user === 'sips:user@example.com' && ruri.value.host === 'example.net');
    const to = parseNameAddr(m.headers.get('To')!);
    assert.ok(to.ok && to.value.uri.user === 'user');
    const from = parseNameAddr(m.headers.get('From')!);
    assert.ok(from.ok && from.value.uri.user === 'I have spaces');
    const contact = parseNameAddr(m.headers.get('Contact')!);
    assert.ok(contact.ok && contact.value.uri.user === 'caller');
    // Parameters keep their escaped form (RFC 3261 §19.1.4 compares them unescaped).
    assert.deepEqual(
      [...contact.value.uri.params],
      [
        ['%6c%72', null],
        ['n%61me', 'v%61lue%25%34%31'],
      ],
    );
  },
  escnull: (m) => {
    const to = parseNameAddr(m.headers.get('To')!);
    assert.ok(to.ok && to.value.uri.user === 'null-\x00-null');
    const contacts = m.headers.getAll('Contact').map((c) => parseNameAddr(c));
    assert.deepEqual(
      contacts.map((c) => c.ok && c.value.uri.user),
      ['\x00', '\x00\x00'],
    );
  },
  esc02: (m) => {
    assert.ok(m.kind === 'request' && m.method === 'RE%47IST%45R');
    const to = parseNameAddr(m.headers.get('To')!);
    assert.ok(to.ok && to.value.displayName === '%Z%45');
    assert.equal(m.headers.getAll('Contact').length, 2);
    assert.equal(m.headers.get('C%6Fntact'), '<sip:alias2@host2.example.com>');
  },
  lwsdisp: (m) => {
    const from = parseNameAddr(m.headers.get('From')!);
    assert.ok(from.ok && from.value.displayName === 'caller' && from.value.params.get('tag') === '323');
  },
  longreq: (m) => {
    assert.equal(m.headers.getAll('Via').length, 34);
    const to = parseNameAddr(m.headers.get('To')!);
    assert.ok(to.ok && to.value.uri.port === 6000);
    assert.equal(to.value.displayName, `I have a user name of ${'extreme'.repeat(10)} proportion`);
    const from = parseNameAddr(m.headers.get('From')!);
    assert.ok(from.ok && from.value.params.get('tag') === `12${'982'.repeat(50)}424`);
  },
  dblreq: (m) => {
    assert.ok(m.kind === 'request' && m.method === 'REGISTER');
    assert.equal(m.body.length, 0);
  },
  semiuri: (m) => {
    const uri = parseUri((m as { uri: string }).uri);
    assert.ok(uri.ok && uri.value.user === 'user;par=u@example.net' && uri.value.host === 'example.com');
    assert.equal(uri.value.params.size, 0);
    assert.equal(splitHeaderList(m.headers.get('Accept')!).length, 6);
  },
  transports: (m) => {
    assert.deepEqual(
      m.headers.getAll('Via').map((v) => {
        const r = parseVia(v);
        return r.ok && r.value[0]!.transport;
      }),
      ['UDP', 'SCTP', 'TLS', 'UNKNOWN', 'TCP'],
    );
  },
  mpart01: (m) => {
    assert.equal(m.body.length, 553);
    assert.ok(m.body.includes(Buffer.from([0x00])));
  },
  unreason: (m) => {
    assert.ok(m.kind === 'response' && m.status === 200);
    assert.equal(m.reason, '= 2**3 * 5**2 но сто девяносто девять - простое');
  },
  noreason: (m) => {
    assert.ok(m.kind === 'response' && m.status === 100 && m.reason === '');
  },
  // §3.2-§3.4: well formed, judged above the parser.
  badbranch: (m) => {
    const via = parseVia(m.headers.get('Via')!);
    assert.ok(via.ok && via.value[0]!.params.get('branch') === 'z9hG4bK');
  },
  unkscm: (m) => {
    const u = parseUri((m as { uri: string }).uri);
    assert.ok(!u.ok && u.error.code === 'SIP_PARSE_UNSUPPORTED_URI_SCHEME' && u.error.status === 416);
  },
  novelsc: (m) => {
    const u = parseUri((m as { uri: string }).uri);
    assert.ok(!u.ok && u.error.status === 416);
  },
  unksm2: (m) => {
    const to = parseNameAddr(m.headers.get('To')!);
    assert.ok(!to.ok && to.error.code === 'SIP_PARSE_UNSUPPORTED_URI_SCHEME');
  },
  bext01: (m) => assert.equal(splitHeaderList(m.headers.get('Require')!).length, 2),
  invut: (m) => assert.equal(m.headers.get('Content-Type'), 'application/unknownformat'),
  regaut01: (m) => {
    const a = parseAuthHeader(m.headers.get('Authorization')!);
    assert.ok(a.ok && a.value.scheme === 'NoOneKnowsThisScheme' && a.value.params.get('opaque-data') === 'here');
  },
  bcast: (m) => assert.equal(m.headers.getAll('Via').length, 2),
  zeromf: (m) => assert.equal(m.headers.get('Max-Forwards'), '0'),
  cparam01: (m) => {
    const c = parseNameAddr(m.headers.get('Contact')!);
    assert.ok(c.ok && c.value.params.has('unknownparam') && c.value.uri.params.size === 0);
  },
  cparam02: (m) => {
    const c = parseNameAddr(m.headers.get('Contact')!);
    assert.ok(c.ok && c.value.uri.params.has('unknownparam') && c.value.params.size === 0);
  },
  regescrt: (m) => {
    const c = parseNameAddr(m.headers.get('Contact')!);
    assert.ok(c.ok && c.value.uri.headers.get('Route') === '<sip:sip.example.com>');
  },
  sdp01: (m) => assert.equal(m.headers.get('Accept'), 'text/nobodyKnowsThis'),
  inv2543: (m) => {
    assert.ok(!m.headers.has('Max-Forwards'));
    assert.ok(m.body.toString().startsWith('v=0'));
  },
};

const INVALID_4475: Record<string, Refused> = {
  badinv01: { code: 'SIP_PARSE_BAD_VIA', field: 'Via', status: 400 },
  clerr: { code: 'SIP_PARSE_INCOMPLETE', field: 'Content-Length', status: 400 },
  ncl: { code: 'SIP_PARSE_BAD_CONTENT_LENGTH', field: 'Content-Length', status: 400 },
  scalar02: { code: 'SIP_PARSE_BAD_CSEQ', field: 'CSeq', status: 400 },
  scalarlg: { code: 'SIP_PARSE_BAD_CSEQ', field: 'CSeq' },
  quotbal: { code: 'SIP_PARSE_BAD_NAME_ADDR', field: 'To', status: 400 },
  ltgtruri: { code: 'SIP_PARSE_BAD_URI', field: 'Request-URI', status: 400 },
  lwsruri: { code: 'SIP_PARSE_BAD_START_LINE', field: 'Request-URI', status: 400 },
  lwsstart: { code: 'SIP_PARSE_BAD_START_LINE', field: 'Request-URI', status: 400 },
  trws: { code: 'SIP_PARSE_BAD_START_LINE', field: 'Request-URI', status: 400 },
  escruri: { code: 'SIP_PARSE_BAD_URI', field: 'Request-URI', status: 400 },
  baddate: { code: 'SIP_PARSE_BAD_HEADER', field: 'Date', status: 400 },
  regbadct: { code: 'SIP_PARSE_BAD_NAME_ADDR', field: 'Contact', status: 400 },
  badaspec: { code: 'SIP_PARSE_BAD_URI', field: 'To', status: 400 },
  baddn: { code: 'SIP_PARSE_BAD_NAME_ADDR', field: 'From', status: 400 },
  badvers: { code: 'SIP_PARSE_BAD_VERSION', status: 505 },
  mismatch01: { code: 'SIP_PARSE_BAD_CSEQ', field: 'CSeq', status: 400 },
  mismatch02: { code: 'SIP_PARSE_BAD_CSEQ', field: 'CSeq', status: 400 },
  bigcode: { code: 'SIP_PARSE_BAD_STATUS' },
  insuf: { code: 'SIP_PARSE_MISSING_HEADER', field: 'From', status: 400 },
  multi01: { code: 'SIP_PARSE_BAD_HEADER', field: 'CSeq', status: 400 },
  mcl01: { code: 'SIP_PARSE_BAD_CONTENT_LENGTH', field: 'Content-Length', status: 400 },
};

function refused(buf: Buffer, want: Refused): void {
  const r = parseMessage(buf);
  assert.ok(!r.ok, 'parsed, but should be refused');
  assert.equal(r.error.code, want.code, r.error.message);
  assert.equal(r.error.field, want.field);
  assert.equal(r.error.status, want.status);
}

describe('RFC 4475 torture messages', () => {
  test('every fixture is covered by this test', () => {
    const files = readdirSync(join(root, 'rfc4475'))
      .filter((f) => f.endsWith('.dat'))
      .map((f) => f.slice(0, -4))
      .sort();
    assert.deepEqual(files, [...Object.keys(VALID_4475), ...Object.keys(INVALID_4475)].sort());
  });
  for (const [name, check] of Object.entries(VALID_4475)) {
    test(`${name} parses, reads as the RFC describes and round-trips`, () => {
      const m = parsed(load('rfc4475', name));
      check(m);
      roundTrips(m);
    });
  }
  test('the valid messages framed from a TCP stream one byte at a time read the same as from datagrams', () => {
    for (const name of Object.keys(VALID_4475)) {
      const buf = load('rfc4475', name);
      // RFC 3261 §18.3: Content-Length is mandatory on streams; inv2543 (RFC 2543 style) has none.
      if (name === 'inv2543') continue;
      const s = new StreamParser();
      const got = [];
      for (let i = 0; i < buf.length; i++) got.push(...s.push(buf.subarray(i, i + 1)));
      const first = got[0];
      assert.ok(first?.ok, name);
      assert.deepEqual(serializeMessage(first.value), serializeMessage(parsed(buf)), name);
    }
  });
  for (const [name, want] of Object.entries(INVALID_4475)) {
    test(`${name} is refused with ${want.code}${want.field ? ` on ${want.field}` : ''}`, () => {
      refused(load('rfc4475', name), want);
    });
  }
});

const VALID_5118: Record<string, (m: SipMessage) => void> = {
  'ipv6-good': (m) => {
    const u = parseUri((m as { uri: string }).uri);
    assert.ok(u.ok && u.value.host === '[2001:db8::10]' && u.value.port === undefined);
  },
  'port-ambiguous': (m) => {
    const u = parseUri((m as { uri: string }).uri);
    assert.ok(u.ok && u.value.host === '[2001:db8::10:5070]' && u.value.port === undefined);
  },
  'port-unambiguous': (m) => {
    const u = parseUri((m as { uri: string }).uri);
    assert.ok(u.ok && u.value.host === '[2001:db8::10]' && u.value.port === 5070);
  },
  'via-received-param-with-delim': (m) => {
    const v = parseVia(m.headers.get('Via')!);
    assert.ok(v.ok && v.value[0]!.params.get('received') === '[2001:db8::9:255]');
  },
  'via-received-param-no-delim': (m) => {
    const v = parseVia(m.headers.get('Via')!);
    assert.ok(v.ok && v.value[0]!.params.get('received') === '2001:db8::9:255');
  },
  'ipv6-in-sdp': (m) => assert.ok(m.body.toString().includes('c=IN IP6 2001:db8::20')),
  'mult-ip-in-header': (m) => {
    const hosts = m.headers.getAll('Via').map((v) => {
      const r = parseVia(v);
      return r.ok && `${r.value[0]!.host}:${r.value[0]!.port ?? ''}`;
    });
    assert.deepEqual(hosts, ['[2001:db8::9:1]:6050', '192.0.2.1:', '[2001:db8::9:255]:']);
  },
  'mult-ip-in-sdp': (m) => assert.ok(m.body.toString().includes('c=IN IP6 2001:db8::1')),
  'ipv4-mapped-ipv6': (m) => {
    const v = parseVia(m.headers.get('Via')!);
    assert.ok(v.ok && v.value[0]!.host === '[::ffff:192.0.2.10]' && v.value[0]!.port === 19823);
  },
  'ipv6-correct-abnf-2-colons': (m) => {
    const u = parseUri((m as { uri: string }).uri);
    assert.ok(u.ok && u.value.host === '[2001:db8::192.0.2.1]');
  },
};

const INVALID_5118: Record<string, Refused> = {
  'ipv6-bad': { code: 'SIP_PARSE_BAD_URI', field: 'Request-URI', status: 400 },
  // RFC 5954 §4.1 corrected the RFC 3261 ABNF: "2001:db8:::192.0.2.1" is not an IPv6 address.
  'ipv6-bug-abnf-3-colons': { code: 'SIP_PARSE_BAD_URI', field: 'Request-URI', status: 400 },
};

describe('RFC 5118 IPv6 torture messages', () => {
  test('every fixture is covered by this test', () => {
    const files = readdirSync(join(root, 'rfc5118'))
      .filter((f) => f.endsWith('.dat'))
      .map((f) => f.slice(0, -4))
      .sort();
    assert.deepEqual(files, [...Object.keys(VALID_5118), ...Object.keys(INVALID_5118)].sort());
  });
  for (const [name, check] of Object.entries(VALID_5118)) {
    test(`${name} parses and round-trips`, () => {
      const m = parsed(load('rfc5118', name));
      check(m);
      roundTrips(m);
    });
  }
  for (const [name, want] of Object.entries(INVALID_5118)) {
    test(`${name} is refused with ${want.code}`, () => refused(load('rfc5118', name), want));
  }
});
