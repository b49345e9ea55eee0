// Netstring framing (djb: "<length>:<bytes>,") as baresip's ctrl_tcp speaks it. A decoder of
// untrusted bytes: it returns an error value on a malformed frame instead of throwing.

export const NETSTRING_MAX = 1 << 20;

export function encodeNetstring(payload: string): Buffer {
  const body = Buffer.from(payload, 'utf8');
  return Buffer.concat([Buffer.from(`${body.length}:`, 'ascii'), body, Buffer.from(',', 'ascii')]);
}

export type NetstringResult = { ok: true; frames: Buffer[]; rest: Buffer } | { ok: false; error: string };

/** Splits `buf` into complete frames; `rest` is an incomplete tail to prepend to the next chunk. */
export function decodeNetstrings(buf: Buffer, max = NETSTRING_MAX): NetstringResult {
  const frames: Buffer[] = [];
  let offset = 0;
  while (offset < buf.length) {
    const colon = buf.indexOf(0x3a, offset);
    if (colon === -1) {
      if (buf.length - offset > 10) return { ok: false, error: 'length prefix longer than 10 digits' };
      break;
    }
    const digits = buf.toString('ascii', offset, colon);
    if (!/^(0|[1-9][0-9]{0,9})$/.test(digits))
      return { ok: false, error: `bad length prefix ${JSON.stringify(digits)}` };
    const len = Number(digits);
    if (len > max) return { ok: false, error: `frame of ${len} bytes exceeds ${max}` };
    const end = colon + 1 + len;
    if (end + 1 > buf.length) break;
    if (buf[end] !== 0x2c) return { ok: false, error: 'frame not terminated by a comma' };
    frames.push(buf.subarray(colon + 1, end));
    offset = end + 1;
  }
  return { ok: true, frames, rest: buf.subarray(offset) };
}
