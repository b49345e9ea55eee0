// Writes a message to bytes (RFC 3261 §7): start line, header fields as they are held (names as written,
// compact forms included), Content-Length computed from the body (§20.14: it counts octets of the body), an
// empty line, the body.

import type { SipMessage } from './message.js';

const CONTENT_LENGTH = new Set(['content-length', 'l']);

// A value holding CR or LF would end the field early and let text become another header (header injection
// from a display name, a reason or an application header): line breaks are written as one SP, which is what
// folding means anyway (RFC 3261 §7.3.1).
function oneLine(s: string): string {
  return s.indexOf('\r') < 0 && s.indexOf('\n') < 0 ? s : s.replace(/[\r\n]+[ \t]*/g, ' ');
}

/** The start line and header section of m, with its Content-Length, up to and including the empty line. */
export function serializeHead(m: SipMessage): string {
  let out =
    m.kind === 'request' ? `${m.method} ${oneLine(m.uri)} SIP/2.0\r\n` : `SIP/2.0 ${m.status} ${oneLine(m.reason)}\r\n`;
  for (const f of m.headers) {
    if (CONTENT_LENGTH.has(f.name.toLowerCase())) continue;
    out += `${oneLine(f.name)}: ${oneLine(f.value)}\r\n`;
  }
  return `${out}Content-Length: ${m.body.length}\r\n\r\n`;
}

export function serializeMessage(m: SipMessage): Buffer {
  const head = serializeHead(m);
  if (m.body.length === 0) return Buffer.from(head, 'utf8');
  const headBytes = Buffer.byteLength(head, 'utf8');
  const out = Buffer.allocUnsafe(headBytes + m.body.length);
  out.write(head, 0, 'utf8');
  m.body.copy(out, headBytes);
  return out;
}
