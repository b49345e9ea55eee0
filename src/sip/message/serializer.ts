// Writes a message to bytes (RFC 3261 §7): start line, header fields as they are held (names as written,
// compact forms included), Content-Length computed from the body (§20.14: it counts octets of the body), an
// empty line, the body.

import type { SipMessage } from './message.js';

const CONTENT_LENGTH = new Set(['content-length', 'l']);

/** The start line and header section of m, with its Content-Length, up to and including the empty line. */
export function serializeHead(m: SipMessage): string {
  let out = m.kind === 'request' ? `${m.method} ${m.uri} SIP/2.0\r\n` : `SIP/2.0 ${m.status} ${m.reason}\r\n`;
  for (const f of m.headers) {
    if (CONTENT_LENGTH.has(f.name.toLowerCase())) continue;
    out += `${f.name}: ${f.value}\r\n`;
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
