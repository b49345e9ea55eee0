// fast-check generators of SIP values and whole messages, shared by the property tests of this folder.
import fc from 'fast-check';
import { formatCSeq } from './cseq.js';
import { Headers } from './headers.js';
import { type SipMessage, SipRequest, SipResponse } from './message.js';
import { formatNameAddr } from './name-addr.js';
import type { NameAddr, Params, SipUri, Via } from './types.js';
import { formatUri } from './uri.js';
import { formatVia } from './via.js';

export const token = fc.stringMatching(/^[A-Za-z0-9\-.!%*_+`'~]{1,12}$/);
const lowerToken = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,9}$/);
const paramValue = fc.stringMatching(/^[A-Za-z0-9\-_.!~*'()[\]/:&+$]{1,12}$/);
/** Text without CR or LF (which no header value can hold unfolded). */
const lineText = fc.string({ unit: 'grapheme', maxLength: 20 }).map((s) => s.replace(/[\r\n]/g, ''));

export const host = fc.oneof(
  fc.domain(),
  fc.ipV4(),
  fc.ipV6().map((a) => `[${a}]`),
);

function mapOf<V>(keys: fc.Arbitrary<string>, values: fc.Arbitrary<V>, max: number): fc.Arbitrary<Map<string, V>> {
  return fc.uniqueArray(fc.tuple(keys, values), { maxLength: max, selector: ([k]) => k }).map((e) => new Map(e));
}

export const sipUri = (withHeaders = true): fc.Arbitrary<SipUri> =>
  fc
    .record({
      scheme: fc.constantFrom('sip' as const, 'sips' as const),
      user: fc.option(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }), { nil: undefined }),
      password: fc.option(fc.string({ unit: 'grapheme', maxLength: 8 }), { nil: undefined }),
      host,
      port: fc.option(fc.integer({ min: 0, max: 65535 }), { nil: undefined }),
      params: mapOf(lowerToken, fc.option(paramValue, { nil: null }), 3) as fc.Arbitrary<Params>,
      headers: withHeaders
        ? mapOf(fc.stringMatching(/^[A-Za-z]{1,8}$/), fc.string({ unit: 'grapheme', maxLength: 12 }), 2)
        : fc.constant(new Map<string, string>()),
    })
    .map((u) => {
      const uri: SipUri = { scheme: u.scheme, host: u.host, params: u.params, headers: u.headers };
      if (u.user !== undefined) {
        uri.user = u.user;
        if (u.password !== undefined) uri.password = u.password;
      }
      if (u.port !== undefined) uri.port = u.port;
      return uri;
    });

const headerParamValue = fc.oneof(
  token,
  lineText.map((s) => `"${s.replace(/["\\]/g, '')}"`),
);

export const nameAddr: fc.Arbitrary<NameAddr> = fc
  .record({
    displayName: fc.option(
      lineText.filter((s) => s.length > 0),
      { nil: undefined },
    ),
    uri: sipUri(),
    params: mapOf(lowerToken, fc.option(headerParamValue, { nil: null }), 3) as fc.Arbitrary<Params>,
  })
  .map((r) => {
    const na: NameAddr = { uri: r.uri, params: r.params };
    if (r.displayName !== undefined) na.displayName = r.displayName;
    return na;
  });

const VALIDATED_VIA_PARAMS = new Set(['received', 'maddr', 'rport', 'ttl']);
export const via: fc.Arbitrary<Via> = fc
  .record({
    transport: fc.constantFrom('UDP', 'TCP', 'TLS', 'WS', 'WSS', 'SCTP'),
    host,
    port: fc.option(fc.integer({ min: 0, max: 65535 }), { nil: undefined }),
    branch: token.map((t) => `z9hG4bK${t}`),
    params: mapOf(
      lowerToken.filter((k) => !VALIDATED_VIA_PARAMS.has(k) && k !== 'branch'),
      fc.option(token, { nil: null }),
      2,
    ),
  })
  .map((r) => {
    const params: Params = new Map([['branch', r.branch], ...r.params]);
    const v: Via = { protocol: 'SIP/2.0', transport: r.transport, host: r.host, params };
    if (r.port !== undefined) v.port = r.port;
    return v;
  });

// Names the parser checks (mandatory headers, Contact, Date, Content-Length) are generated from structure.
const CHECKED = new Set([
  'via',
  'v',
  'from',
  'f',
  'to',
  't',
  'call-id',
  'i',
  'cseq',
  'max-forwards',
  'content-length',
  'l',
  'contact',
  'm',
  'date',
]);
const extraHeader = fc.tuple(
  token.filter((n) => !CHECKED.has(n.toLowerCase())),
  lineText.map((s) => s.trim()),
);
const callId = fc.stringMatching(/^[A-Za-z0-9\-.!%*_+`'~()<>:\\"/[\]?{}]{1,20}(@[A-Za-z0-9.-]{1,12})?$/);

export const sipMessage: fc.Arbitrary<SipMessage> = fc
  .record({
    request: fc.boolean(),
    method: token,
    ruri: sipUri(false),
    status: fc.integer({ min: 100, max: 699 }),
    reason: lineText,
    vias: fc.array(via, { minLength: 1, maxLength: 3 }),
    from: nameAddr,
    to: nameAddr,
    callId,
    seq: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    maxForwards: fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined }),
    contacts: fc.array(nameAddr, { maxLength: 2 }),
    extra: fc.array(extraHeader, { maxLength: 5 }),
    body: fc.uint8Array({ maxLength: 200 }),
  })
  .map((r) => {
    const h = new Headers();
    for (const v of r.vias) h.append('Via', formatVia(v));
    h.append('From', formatNameAddr(r.from));
    h.append('To', formatNameAddr(r.to));
    h.append('Call-ID', r.callId);
    h.append('CSeq', formatCSeq({ seq: r.seq, method: r.method }));
    if (r.maxForwards !== undefined) h.append('Max-Forwards', String(r.maxForwards));
    for (const c of r.contacts) h.append('Contact', formatNameAddr(c));
    for (const [n, v] of r.extra) h.append(n, v);
    const body = Buffer.from(r.body);
    return r.request
      ? new SipRequest(r.method, formatUri(r.ruri), h, body)
      : new SipResponse(r.status, r.reason, h, body);
  });
