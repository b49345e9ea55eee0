// Parses one SIP message from a buffer (RFC 3261 §7, §18.3). Never throws on untrusted bytes: every
// failure is a SipError with a stable code, the header it concerns (`field`), and `status: 400` (505 for a
// version) when the message is a request that can be answered. Structured header values are left as strings
// except the ones checked here (§8.1.1 mandatory headers); the functions of this folder parse them on demand.

import { err, ok, type Result, SipError, type SipErrorCode } from '../errors.js';
import { isWs, TOKEN, WORD } from './chars.js';
import { parseCSeq } from './cseq.js';
import { splitHeaderList } from './header-list.js';
import { COMPACT_FORMS } from './header-names.js';
import { type HeaderField, Headers } from './headers.js';
import { type SipMessage, SipRequest, SipResponse } from './message.js';
import { checkNameAddr } from './name-addr.js';
import { DEFAULT_PARSE_LIMITS, type ParseLimits } from './types.js';
import { isAbsoluteUri, parseUri } from './uri.js';
import { parseVia } from './via.js';

/** The parsed start line and header fields, before the body is attached. */
export interface ParsedHead {
  /** The message with an empty body. */
  message: SipMessage;
  /** Content-Length when present (validated), else undefined. */
  contentLength: number | undefined;
}

const CR = 0x0d;
const LF = 0x0a;

/**
 * Where the header section that starts at `from` ends: the first line break followed by an empty line.
 * `headEnd` is the index of that line break (the head text is [from, headEnd)), `bodyStart` the first body
 * byte. Lines may end in CRLF or, as a DEVIATION for robustness that most stacks share, in a bare LF.
 * Scanning starts at `scanFrom` (a stream framer passes where its previous scan stopped).
 */
export function findHeadEnd(
  buf: Buffer,
  from: number,
  scanFrom = from,
): { headEnd: number; bodyStart: number } | undefined {
  let i = buf.indexOf(LF, scanFrom);
  while (i >= 0) {
    const n = buf[i + 1];
    if (n === LF) return { headEnd: i, bodyStart: i + 2 };
    if (n === CR && buf[i + 2] === LF) return { headEnd: i, bodyStart: i + 3 };
    if (n === undefined || (n === CR && i + 2 >= buf.length)) return undefined;
    i = buf.indexOf(LF, i + 1);
  }
  return undefined;
}

class Fail {
  constructor(
    readonly code: SipErrorCode,
    readonly message: string,
    readonly field?: string,
    readonly status?: number,
  ) {}
}

function fail(isRequest: boolean, code: SipErrorCode, message: string, field?: string, status?: number): Fail {
  return new Fail(code, message, field, status ?? (isRequest ? 400 : undefined));
}

function toError(f: Fail): SipError {
  const opts: { status?: number; field?: string } = {};
  if (f.status !== undefined) opts.status = f.status;
  if (f.field !== undefined) opts.field = f.field;
  return new SipError(f.code, f.message, opts);
}

function headerKeyOf(lowerName: string): string {
  if (lowerName.length === 1) {
    const full = COMPACT_FORMS[lowerName];
    if (full !== undefined) return full.toLowerCase();
  }
  return lowerName;
}

function isTokenRange(s: string, from: number, to: number): boolean {
  if (from >= to) return false;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || TOKEN[c] !== 1) return false;
  }
  return true;
}

function parseStartLine(line: string): SipMessage | Fail {
  const sp1 = line.indexOf(' ');
  const sp2 = line.lastIndexOf(' ');
  if (sp1 <= 0 || (sp2 === sp1 && !line.startsWith('SIP/'))) {
    return fail(false, 'SIP_PARSE_BAD_START_LINE', `bad start line: ${line.slice(0, 100)}`);
  }
  if (line.startsWith('SIP/')) {
    // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase (§7.2); the reason may be empty.
    const version = line.slice(0, sp1);
    if (version !== 'SIP/2.0')
      return fail(false, 'SIP_PARSE_BAD_VERSION', `unsupported version ${version.slice(0, 20)}`);
    const codeEnd = line.indexOf(' ', sp1 + 1);
    const codeText = line.slice(sp1 + 1, codeEnd < 0 ? line.length : codeEnd);
    if (!/^[1-6]\d\d$/.test(codeText))
      return fail(false, 'SIP_PARSE_BAD_STATUS', `bad status code ${codeText.slice(0, 20)}`);
    const reason = codeEnd < 0 ? '' : line.slice(codeEnd + 1);
    return new SipResponse(Number(codeText), reason);
  }
  // Request-Line = Method SP Request-URI SP SIP-Version CRLF (§7.1): single spaces, no white space in the URI.
  const method = line.slice(0, sp1);
  if (!isTokenRange(line, 0, sp1)) return fail(false, 'SIP_PARSE_BAD_METHOD', `bad method ${method.slice(0, 40)}`);
  const version = line.slice(sp2 + 1);
  const uri = line.slice(sp1 + 1, sp2);
  if (!/^SIP\/\d+\.\d+$/i.test(version) || uri.length === 0 || /[\s]/.test(uri)) {
    return fail(true, 'SIP_PARSE_BAD_START_LINE', `bad request line: ${line.slice(0, 200)}`, 'Request-URI');
  }
  if (version.toUpperCase() !== 'SIP/2.0') {
    // §8.2.2.1 ... a request with a version the UAS does not support is answered 505.
    return fail(true, 'SIP_PARSE_BAD_VERSION', `unsupported version ${version}`, undefined, 505);
  }
  const lower = uri.slice(0, 5).toLowerCase();
  if (lower.startsWith('sip:') || lower.startsWith('sips:')) {
    const u = parseUri(uri);
    if (!u.ok) return fail(true, u.error.code, u.error.message, 'Request-URI');
    // RFC 3261 §19.1.5 / RFC 4475 §3.1.2.10: headers are not allowed in a Request-URI.
    if (u.value.headers.size > 0) return fail(true, 'SIP_PARSE_BAD_URI', 'headers in the Request-URI', 'Request-URI');
  } else if (!isAbsoluteUri(uri)) {
    return fail(true, 'SIP_PARSE_BAD_URI', `bad Request-URI ${uri.slice(0, 100)}`, 'Request-URI');
  }
  return new SipRequest(method, uri);
}

/** Parses the header section text (start line and header lines, without the empty line). */
export function parseHead(head: string, limits: ParseLimits): ParsedHead | SipError {
  let lineEnd = head.indexOf('\n');
  if (lineEnd < 0) lineEnd = head.length;
  const startLine = head.slice(0, lineEnd > 0 && head.charCodeAt(lineEnd - 1) === CR ? lineEnd - 1 : lineEnd);
  if (startLine.length > limits.maxHeaderLineBytes) {
    return new SipError('SIP_PARSE_TOO_LARGE', 'start line too long');
  }
  const start = parseStartLine(startLine);
  if (start instanceof Fail) return toError(start);
  const isRequest = start.kind === 'request';
  const fields: HeaderField[] = [];
  const keys: string[] = [];
  let pos = lineEnd + 1;
  const len = head.length;
  while (pos < len) {
    let end = head.indexOf('\n', pos);
    if (end < 0) end = len;
    const textEnd = end > pos && head.charCodeAt(end - 1) === CR ? end - 1 : end;
    if (textEnd - pos > limits.maxHeaderLineBytes) {
      return toError(fail(isRequest, 'SIP_PARSE_TOO_LARGE', 'header line too long'));
    }
    const c0 = head.charCodeAt(pos);
    if (c0 === 0x20 || c0 === 0x09) {
      // §7.3.1 line folding: a continuation line is the previous value, joined by one SP.
      const last = fields.length - 1;
      if (last < 0) return toError(fail(isRequest, 'SIP_PARSE_BAD_HEADER', 'continuation line before any header'));
      const more = head.slice(pos, textEnd).trim();
      const f = fields[last]!;
      if (more.length > 0) f.value = f.value.length === 0 ? more : `${f.value} ${more}`;
      if (f.value.length > limits.maxHeaderLineBytes) {
        return toError(fail(isRequest, 'SIP_PARSE_TOO_LARGE', 'folded header too long', f.name));
      }
    } else {
      const colon = head.indexOf(':', pos);
      if (colon < 0 || colon >= textEnd) {
        return toError(
          fail(
            isRequest,
            'SIP_PARSE_BAD_HEADER',
            `header line without ":": ${head.slice(pos, Math.min(textEnd, pos + 60))}`,
          ),
        );
      }
      let nameEnd = colon;
      while (nameEnd > pos && isWs(head.charCodeAt(nameEnd - 1))) nameEnd--;
      if (!isTokenRange(head, pos, nameEnd)) {
        return toError(
          fail(isRequest, 'SIP_PARSE_BAD_HEADER', `bad header name: ${head.slice(pos, Math.min(colon, pos + 60))}`),
        );
      }
      if (fields.length >= limits.maxHeaderCount) {
        return toError(
          fail(isRequest, 'SIP_PARSE_TOO_MANY_HEADERS', `more than ${limits.maxHeaderCount} header fields`),
        );
      }
      let vs = colon + 1;
      while (vs < textEnd && isWs(head.charCodeAt(vs))) vs++;
      let ve = textEnd;
      while (ve > vs && isWs(head.charCodeAt(ve - 1))) ve--;
      const name = head.slice(pos, nameEnd);
      fields.push({ name, value: head.slice(vs, ve) });
      keys.push(headerKeyOf(name.toLowerCase()));
    }
    pos = end + 1;
  }
  start.headers = new Headers(fields, keys);
  const checked = checkHeaders(start, fields, keys);
  if (checked instanceof Fail) return toError(checked);
  return { message: start, contentLength: checked };
}

const SIP_DATE =
  /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;
const SINGLE = ['to', 'from', 'call-id', 'cseq', 'max-forwards'];
const FIELD_NAMES: Record<string, string> = {
  to: 'To',
  from: 'From',
  'call-id': 'Call-ID',
  cseq: 'CSeq',
  'max-forwards': 'Max-Forwards',
  via: 'Via',
};

function isCallId(v: string): boolean {
  // callid = word [ "@" word ]
  const at = v.indexOf('@');
  if (at >= 0 && v.indexOf('@', at + 1) >= 0) return false;
  if (v.length === 0 || at === 0 || at === v.length - 1) return false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (i !== at && (c >= 128 || WORD[c] !== 1)) return false;
  }
  return true;
}

/** Checks the §8.1.1 mandatory headers and Content-Length; returns Content-Length (or undefined). */
function checkHeaders(m: SipMessage, fields: HeaderField[], keys: string[]): number | undefined | Fail {
  const isRequest = m.kind === 'request';
  const idx: Record<string, number> = {};
  let contentLength: number | undefined;
  let sawVia = false;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const v = fields[i]!.value;
    if (k === 'via') {
      sawVia = true;
      const r = parseVia(v);
      if (!r.ok) return fail(isRequest, 'SIP_PARSE_BAD_VIA', r.error.message, 'Via');
    } else if (k === 'content-length') {
      if (!/^\d{1,10}$/.test(v))
        return fail(
          isRequest,
          'SIP_PARSE_BAD_CONTENT_LENGTH',
          `bad Content-Length ${v.slice(0, 30)}`,
          'Content-Length',
        );
      const n = Number(v);
      // RFC 4475 §3.1.2.? (mcl01): conflicting Content-Length values cannot be framed.
      if (contentLength !== undefined && contentLength !== n) {
        return fail(isRequest, 'SIP_PARSE_BAD_CONTENT_LENGTH', 'several Content-Length values', 'Content-Length');
      }
      contentLength = n;
    } else if (k === 'contact') {
      // RFC 3261 §20.10: "*" or a list of name-addr / addr-spec (RFC 4475 §3.1.2.13 regbadct).
      if (v !== '*') {
        for (const el of splitHeaderList(v)) {
          const e = checkNameAddr(el, 'Contact');
          if (e !== undefined) return fail(isRequest, e.code, e.message, 'Contact');
        }
      }
    } else if (k === 'date') {
      // RFC 3261 §20.17: SIP-date = rfc1123-date, always in GMT (RFC 4475 §3.1.2.12 baddate).
      if (!SIP_DATE.test(v)) return fail(isRequest, 'SIP_PARSE_BAD_HEADER', `bad Date ${v.slice(0, 40)}`, 'Date');
    } else if (SINGLE.includes(k)) {
      if (idx[k] !== undefined)
        return fail(isRequest, 'SIP_PARSE_BAD_HEADER', `several ${FIELD_NAMES[k]} header fields`, FIELD_NAMES[k]);
      idx[k] = i;
    }
  }
  if (!sawVia) return fail(isRequest, 'SIP_PARSE_MISSING_HEADER', 'no Via header field', 'Via');
  for (const k of ['from', 'to', 'call-id', 'cseq']) {
    if (idx[k] === undefined)
      return fail(isRequest, 'SIP_PARSE_MISSING_HEADER', `no ${FIELD_NAMES[k]} header field`, FIELD_NAMES[k]);
  }
  for (const k of ['from', 'to']) {
    const e = checkNameAddr(fields[idx[k]!]!.value, FIELD_NAMES[k]!);
    if (e !== undefined) return fail(isRequest, e.code, e.message, FIELD_NAMES[k]);
  }
  if (!isCallId(fields[idx['call-id']!]!.value))
    return fail(isRequest, 'SIP_PARSE_BAD_HEADER', 'bad Call-ID', 'Call-ID');
  const cseq = parseCSeq(fields[idx.cseq!]!.value);
  if (!cseq.ok) return fail(isRequest, 'SIP_PARSE_BAD_CSEQ', cseq.error.message, 'CSeq');
  // §8.2: the CSeq method must match the request method (RFC 4475 §3.1.2.17/18, mismatch01/02).
  if (isRequest && cseq.value.method !== m.method) {
    return fail(true, 'SIP_PARSE_BAD_CSEQ', `CSeq method ${cseq.value.method} is not ${m.method}`, 'CSeq');
  }
  const mf = idx['max-forwards'];
  if (mf !== undefined) {
    // Max-Forwards = 1*DIGIT, in practice 0-255 (RFC 4475 §3.1.2.4 scalarlg).
    const v = fields[mf]!.value;
    if (!/^\d{1,9}$/.test(v) || Number(v) > 255)
      return fail(isRequest, 'SIP_PARSE_BAD_HEADER', 'bad Max-Forwards', 'Max-Forwards');
  }
  return contentLength;
}

/**
 * Parses one message from a datagram or a framed buffer. RFC 3261 §18.3: with a Content-Length, bytes past
 * the body are discarded and a shorter body is an error (400 for a request); without one, the body is the
 * rest of the buffer. CRLFs before the start line are ignored (§7.5).
 */
export function parseMessage(buf: Buffer, limits: ParseLimits = DEFAULT_PARSE_LIMITS): Result<SipMessage> {
  if (buf.length > limits.maxMessageBytes) {
    return err(
      new SipError('SIP_PARSE_TOO_LARGE', `message of ${buf.length} bytes is over ${limits.maxMessageBytes}`, {
        status: 513,
      }),
    );
  }
  let from = 0;
  while (from < buf.length && (buf[from] === CR || buf[from] === LF)) from++;
  if (from === buf.length) return err(new SipError('SIP_PARSE_INCOMPLETE', 'empty message'));
  const end = findHeadEnd(buf, from);
  if (end === undefined) {
    const firstLine = buf.toString('utf8', from, Math.min(buf.length, from + 200));
    return err(
      new SipError(
        'SIP_PARSE_INCOMPLETE',
        'no empty line after the headers',
        firstLine.startsWith('SIP/') ? {} : { status: 400 },
      ),
    );
  }
  const head = parseHead(buf.toString('utf8', from, end.headEnd), limits);
  if (head instanceof SipError) return err(head);
  const m = head.message;
  if (head.contentLength === undefined) {
    m.body = end.bodyStart < buf.length ? Buffer.from(buf.subarray(end.bodyStart)) : Buffer.alloc(0);
  } else {
    const bodyEnd = end.bodyStart + head.contentLength;
    if (bodyEnd > buf.length) {
      const opts: { status?: number; field: string } = { field: 'Content-Length' };
      if (m.kind === 'request') opts.status = 400;
      return err(new SipError('SIP_PARSE_INCOMPLETE', `body shorter than Content-Length ${head.contentLength}`, opts));
    }
    m.body = head.contentLength === 0 ? Buffer.alloc(0) : Buffer.from(buf.subarray(end.bodyStart, bodyEnd));
  }
  return ok(m);
}
