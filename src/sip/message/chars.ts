// Character classes of the RFC 3261 §25 ABNF, as lookup tables indexed by char code (fast, no regex).

function table(chars: string, ranges = true): Uint8Array {
  const t = new Uint8Array(128);
  if (ranges) {
    for (let c = 0x30; c <= 0x39; c++) t[c] = 1; // DIGIT
    for (let c = 0x41; c <= 0x5a; c++) t[c] = 1; // upper ALPHA
    for (let c = 0x61; c <= 0x7a; c++) t[c] = 1; // lower ALPHA
  }
  for (let i = 0; i < chars.length; i++) t[chars.charCodeAt(i)] = 1;
  return t;
}

/** token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~") */
export const TOKEN = table("-.!%*_+`'~");
/** unreserved = alphanum / mark; mark = "-" / "_" / "." / "!" / "~" / "*" / "'" / "(" / ")" */
export const UNRESERVED = table("-_.!~*'()");
/** user = 1*( unreserved / escaped / user-unreserved ); user-unreserved = "&" / "=" / "+" / "$" / "," / ";" / "?" / "/" */
export const USER = table("-_.!~*'()&=+$,;?/");
/** password = *( unreserved / escaped / "&" / "=" / "+" / "$" / "," ) */
export const PASSWORD = table("-_.!~*'()&=+$,");
/** paramchar = param-unreserved / unreserved / escaped; param-unreserved = "[" / "]" / "/" / ":" / "&" / "+" / "$" */
export const PARAMCHAR = table("-_.!~*'()[]/:&+$");
/** hname / hvalue = 1*( hnv-unreserved / unreserved / escaped ); hnv-unreserved = "[" / "]" / "/" / "?" / ":" / "+" / "$" */
export const HNV = table("-_.!~*'()[]/?:+$");
/** hostname characters (alphanum, "-", "."), plus "_" which real deployments use (DEVIATION: lenient). */
export const HOSTNAME = table('-._');
/** word = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~" / "(" / ")" / "<" / ">" / ":" / "\" / DQUOTE / "/" / "[" / "]" / "?" / "{" / "}" ) */
export const WORD = table('-.!%*_+`\'~()<>:\\"/[]?{}');
/** absoluteURI characters (RFC 2396 uric plus the scheme separator), used only to check an unknown scheme. */
export const URIC = table(";/?:@&=+$,-_.!~*'()%#[]");
export const HEX = table('abcdefABCDEF', false);
for (let c = 0x30; c <= 0x39; c++) HEX[c] = 1;
export const IPV6 = table('abcdefABCDEF:.', false);
for (let c = 0x30; c <= 0x39; c++) IPV6[c] = 1;

export const SP = 0x20;
export const HTAB = 0x09;

/** True when every char of s[from, to) is in the table (non-ASCII never is). */
export function allIn(t: Uint8Array, s: string, from = 0, to = s.length): boolean {
  if (from >= to) return false;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || t[c] !== 1) return false;
  }
  return true;
}

export function isToken(s: string): boolean {
  return allIn(TOKEN, s);
}

export function isWs(c: number): boolean {
  return c === SP || c === HTAB || c === 0x0d || c === 0x0a;
}

export function skipWs(s: string, i: number, end = s.length): number {
  while (i < end && isWs(s.charCodeAt(i))) i++;
  return i;
}

/** s[from, to) with surrounding white space removed. */
export function trimRange(s: string, from: number, to: number): string {
  while (from < to && isWs(s.charCodeAt(from))) from++;
  while (to > from && isWs(s.charCodeAt(to - 1))) to--;
  return s.slice(from, to);
}

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/**
 * Checks s against the class (with `%HH` escapes, RFC 3261 §25.1 `escaped`) and returns its unescaped text,
 * or undefined when a character is outside the class or an escape is malformed. Escaped octets are decoded
 * as UTF-8 when they form UTF-8, else each as one Latin-1 char (an escaped NUL stays a NUL).
 */
export function unescapeIn(t: Uint8Array, s: string, allowEmpty = false): string | undefined {
  if (s.length === 0) return allowEmpty ? '' : undefined;
  let pct = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      if (hexVal(s.charCodeAt(i + 1)) < 0 || hexVal(s.charCodeAt(i + 2)) < 0) return undefined;
      pct = true;
      i += 2;
    } else if (c >= 128 || t[c] !== 1) return undefined;
  }
  if (!pct) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      bytes.push(hexVal(s.charCodeAt(i + 1)) * 16 + hexVal(s.charCodeAt(i + 2)));
      i += 2;
    } else bytes.push(c);
  }
  const buf = Buffer.from(bytes);
  const text = buf.toString('utf8');
  // Valid UTF-8 exactly when decoding and encoding again gives the same octets.
  return Buffer.from(text, 'utf8').equals(buf) ? text : buf.toString('latin1');
}

const HEXDIGITS = '0123456789ABCDEF';

/** Escapes every char of s outside the class as `%HH` of its UTF-8 bytes (RFC 3261 §25.1). */
export function escapeOutside(t: Uint8Array, s: string): string {
  let i = 0;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || t[c] !== 1) break;
  }
  if (i === s.length) return s;
  let out = s.slice(0, i);
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 128 && t[c] === 1) {
      out += s[i];
      continue;
    }
    const cp = s.codePointAt(i)!;
    if (cp > 0xffff) i++;
    const bytes = Buffer.from(String.fromCodePoint(cp));
    for (const b of bytes) out += `%${HEXDIGITS[b >> 4]}${HEXDIGITS[b & 15]}`;
  }
  return out;
}
