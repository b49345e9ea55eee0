// Bencode (BEP 3), the encoding of rtpengine's NG control protocol: byte strings `<len>:<bytes>`,
// integers `i<n>e`, lists `l...e`, dictionaries `d...e` with keys sorted as raw strings. Strings are
// decoded as UTF-8 text: NG messages carry SDP and flags, not binary.

export type BencodeValue = string | number | BencodeValue[] | { [key: string]: BencodeValue };

export function bencode(value: BencodeValue): Buffer {
  const parts: Buffer[] = [];
  const put = (v: BencodeValue): void => {
    if (typeof v === 'string') {
      const bytes = Buffer.from(v, 'utf8');
      parts.push(Buffer.from(`${bytes.length}:`), bytes);
    } else if (typeof v === 'number') {
      if (!Number.isInteger(v)) throw new RangeError(`bencode: not an integer: ${v}`);
      parts.push(Buffer.from(`i${v}e`));
    } else if (Array.isArray(v)) {
      parts.push(Buffer.from('l'));
      for (const item of v) put(item);
      parts.push(Buffer.from('e'));
    } else {
      parts.push(Buffer.from('d'));
      for (const key of Object.keys(v).sort()) {
        const item = v[key];
        if (item === undefined) continue;
        put(key);
        put(item);
      }
      parts.push(Buffer.from('e'));
    }
  };
  put(value);
  return Buffer.concat(parts);
}

export type BdecodeResult = { ok: true; value: BencodeValue } | { ok: false; code: 'BENCODE_INVALID'; at: number };

/** Decodes one value that spans all of `buf`; malformed input is an error result, never a throw. */
export function bdecode(buf: Buffer): BdecodeResult {
  let pos = 0;
  const fail = (): never => {
    throw new BdecodeFailure(pos);
  };
  const readUntil = (terminator: number): string => {
    const end = buf.indexOf(terminator, pos);
    if (end < 0) fail();
    const text = buf.toString('latin1', pos, end);
    pos = end + 1;
    return text;
  };
  const value = (depth: number): BencodeValue => {
    if (depth > 64) fail();
    const c = buf[pos];
    if (c === 0x69 /* i */) {
      pos++;
      const text = readUntil(0x65 /* e */);
      if (!/^-?\d+$/.test(text)) fail();
      return Number(text);
    }
    if (c === 0x6c /* l */) {
      pos++;
      const list: BencodeValue[] = [];
      while (buf[pos] !== 0x65) {
        if (pos >= buf.length) fail();
        list.push(value(depth + 1));
      }
      pos++;
      return list;
    }
    if (c === 0x64 /* d */) {
      pos++;
      const dict: { [key: string]: BencodeValue } = Object.create(null); // no __proto__ surprises
      while (buf[pos] !== 0x65) {
        if (pos >= buf.length) fail();
        const key = value(depth + 1);
        if (typeof key !== 'string') fail();
        dict[key as string] = value(depth + 1);
      }
      pos++;
      return dict;
    }
    if (c !== undefined && c >= 0x30 && c <= 0x39) {
      const text = readUntil(0x3a /* : */);
      if (!/^\d+$/.test(text)) fail();
      const len = Number(text);
      if (pos + len > buf.length) fail();
      const s = buf.toString('utf8', pos, pos + len);
      pos += len;
      return s;
    }
    return fail();
  };
  try {
    const v = value(0);
    if (pos !== buf.length) fail();
    return { ok: true, value: v };
  } catch (err) {
    if (err instanceof BdecodeFailure) return { ok: false, code: 'BENCODE_INVALID', at: err.at };
    throw err;
  }
}

class BdecodeFailure extends Error {
  constructor(readonly at: number) {
    super(`bencode: invalid at byte ${at}`);
  }
}
