// Parsing and formatting of the digest auth-params (RFC 7616 §3.3, §3.4; RFC 3261 §25.1 for quoted-string).
//   challenge   = "Digest" LWS digest-cln *(COMMA digest-cln)
//   digest-cln  = token "=" ( token / quoted-string )
// Parsing untrusted text never throws: it returns undefined for what it cannot read.

export interface AuthParams {
  /** `Digest` as written; compare case-insensitively. */
  scheme: string;
  /** Parameter names lower-cased; quoted values unquoted and unescaped. */
  params: Map<string, string>;
}

const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/;
const MAX_VALUE_LENGTH = 8 * 1024;

/** Parses one challenge or credentials value (`Digest realm="x", nonce="y"`). */
export function parseAuthParams(value: string): AuthParams | undefined {
  if (value.length > MAX_VALUE_LENGTH) return undefined;
  const s = value.trim();
  const sp = s.search(/[ \t]/);
  const scheme = sp < 0 ? s : s.slice(0, sp);
  if (!TOKEN.test(scheme)) return undefined;
  const params = new Map<string, string>();
  let i = sp < 0 ? s.length : sp;
  const skipWs = () => {
    while (i < s.length && (s[i] === ' ' || s[i] === '\t' || s[i] === '\r' || s[i] === '\n')) i++;
  };
  skipWs();
  while (i < s.length) {
    const nameStart = i;
    while (i < s.length && s[i] !== '=' && s[i] !== ',' && s[i] !== ' ' && s[i] !== '\t') i++;
    const name = s.slice(nameStart, i).toLowerCase();
    if (!TOKEN.test(name)) return undefined;
    skipWs();
    if (s[i] !== '=') return undefined;
    i++;
    skipWs();
    let v = '';
    if (s[i] === '"') {
      i++;
      let closed = false;
      while (i < s.length) {
        const c = s[i]!;
        if (c === '\\' && i + 1 < s.length) {
          v += s[i + 1];
          i += 2;
        } else if (c === '"') {
          i++;
          closed = true;
          break;
        } else {
          v += c;
          i++;
        }
      }
      if (!closed) return undefined;
    } else {
      const start = i;
      while (i < s.length && s[i] !== ',' && s[i] !== ' ' && s[i] !== '\t') i++;
      v = s.slice(start, i);
      if (v.length === 0) return undefined;
    }
    if (params.has(name)) return undefined; // RFC 7616 §3.3: each parameter at most once
    params.set(name, v);
    skipWs();
    if (i < s.length) {
      if (s[i] !== ',') return undefined;
      i++;
      skipWs();
    }
  }
  return { scheme, params };
}

/** A quoted-string with `"` and `\` escaped (RFC 3261 §25.1 quoted-pair). */
export function quote(v: string): string {
  return `"${v.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/**
 * Formats `Digest a="x", b=y`: the names in `unquoted` are written as tokens (algorithm, qop in credentials,
 * nc, stale), the others quoted, as RFC 7616 §3.4 requires for credentials.
 */
export function formatAuthParams(
  scheme: string,
  params: ReadonlyArray<[string, string]>,
  unquoted: ReadonlySet<string>,
): string {
  return `${scheme} ${params.map(([k, v]) => `${k}=${unquoted.has(k) ? v : quote(v)}`).join(', ')}`;
}
