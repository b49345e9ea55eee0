// message/sipfrag bodies of NOTIFY for REFER (RFC 3420, RFC 3515 §2.4.5): the status line of the referred
// request's response, e.g. "SIP/2.0 180 Ringing".

export function formatSipfrag(status: number, reason: string): Buffer {
  return Buffer.from(`SIP/2.0 ${status} ${reason}\r\n`);
}

export function parseSipfrag(body: Buffer): { status: number; reason: string } | undefined {
  const line = body.toString('utf8').split(/\r?\n/)[0] ?? '';
  const m = /^SIP\/2\.0\s+(\d{3})\s*(.*)$/.exec(line.trim());
  if (m === null) return undefined;
  return { status: Number(m[1]), reason: m[2]!.trim() };
}
