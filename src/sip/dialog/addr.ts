// A small reading of name-addr / addr-spec values (RFC 3261 §20.10, §25.1) for what dialogs need: the URI
// text, the header parameters (tag), and the URI parameters (lr). It keeps the URI text as written, so a route
// set is sent back byte for byte as it was received (RFC 3261 §12.1.2).
// DEVIATION: adapter until the message layer's parseNameAddr is committed; it parses only what dialogs read.

export interface Addr {
  /** The display name as written (quoted or not), or '' when none. */
  display: string;
  /** The URI without the angle brackets. */
  uri: string;
  /** Header parameters after the URI (tag, expires...), names lower-cased. */
  params: Map<string, string | null>;
}

function parseParams(s: string): Map<string, string | null> | undefined {
  const out = new Map<string, string | null>();
  if (s.trim() === '') return out;
  // Parameters may hold quoted strings with ';' inside.
  const parts: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quoted && c === '\\') {
      cur += c + (s[i + 1] ?? '');
      i++;
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (c === ';' && !quoted) {
      parts.push(cur);
      cur = '';
    } else cur += c;
  }
  if (quoted) return undefined;
  parts.push(cur);
  if (parts[0]!.trim() !== '') return undefined;
  for (const p of parts.slice(1)) {
    const eq = p.indexOf('=');
    const name = (eq < 0 ? p : p.slice(0, eq)).trim().toLowerCase();
    if (name === '') return undefined;
    out.set(name, eq < 0 ? null : p.slice(eq + 1).trim());
  }
  return out;
}

/** Reads `"Bob" <sip:bob@x;lr>;tag=1` or `sip:bob@x;tag=1`; undefined when it is not one. */
export function parseAddr(value: string): Addr | undefined {
  const v = value.trim();
  const lt = findUnquoted(v, '<');
  if (lt >= 0) {
    const gt = v.indexOf('>', lt);
    if (gt < 0) return undefined;
    const params = parseParams(v.slice(gt + 1));
    const uri = v.slice(lt + 1, gt).trim();
    if (params === undefined || uri === '') return undefined;
    return { display: v.slice(0, lt).trim(), uri, params };
  }
  // RFC 3261 §20.10: in an addr-spec, parameters after the URI are header parameters.
  const semi = v.indexOf(';');
  const uri = semi < 0 ? v : v.slice(0, semi);
  const params = parseParams(semi < 0 ? '' : v.slice(semi));
  if (params === undefined || uri === '' || /[\s,]/.test(uri)) return undefined;
  return { display: '', uri, params };
}

function findUnquoted(s: string, ch: string): number {
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quoted && c === '\\') i++;
    else if (c === '"') quoted = !quoted;
    else if (c === ch && !quoted) return i;
  }
  return -1;
}

/** Always the name-addr form: `"display" <uri>;params`. */
export function formatAddr(a: Addr): string {
  let params = '';
  for (const [k, v] of a.params) params += v === null ? `;${k}` : `;${k}=${v}`;
  return `${a.display === '' ? '' : `${a.display} `}<${a.uri}>${params}`;
}

/** The URI parameters of a SIP URI (`sip:p.example.com;lr;transport=tcp`), names lower-cased. */
export function uriParams(uri: string): Map<string, string | null> {
  const q = uri.indexOf('?');
  const body = q < 0 ? uri : uri.slice(0, q);
  const semi = body.indexOf(';');
  return (semi < 0 ? undefined : parseParams(body.slice(semi))) ?? new Map();
}

/** The URI with its parameters and headers removed where §12.2.1.1 says a strict router's URI is used. */
export function isLooseRouter(uri: string): boolean {
  return uriParams(uri).has('lr');
}

/** Splits a header value that holds a comma-separated list of name-addrs (Record-Route, Route, Contact). */
export function splitAddrList(value: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  let angle = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (quoted && c === '\\') {
      cur += c + (value[i + 1] ?? '');
      i++;
      continue;
    }
    if (c === '"') quoted = !quoted;
    else if (!quoted && c === '<') angle = true;
    else if (!quoted && c === '>') angle = false;
    if (c === ',' && !quoted && !angle) {
      if (cur.trim() !== '') out.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  if (cur.trim() !== '') out.push(cur.trim());
  return out;
}

/** The tag parameter of a From or To value. */
export function tagOf(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const t = parseAddr(value)?.params.get('tag');
  return t === null ? undefined : t;
}
