// RFC 3261 §7.3.3 compact forms, plus the ones later RFCs added (RFC 3515 r=Refer-To, RFC 3892 b=Referred-By,
// RFC 4028 x=Session-Expires, RFC 3841 j/d, RFC 3903 ...). Names are compared case-insensitively (§7.3.1);
// the canonical spelling is used when a message is serialized.

export const COMPACT_FORMS: Readonly<Record<string, string>> = {
  i: 'Call-ID',
  m: 'Contact',
  e: 'Content-Encoding',
  l: 'Content-Length',
  c: 'Content-Type',
  f: 'From',
  s: 'Subject',
  k: 'Supported',
  t: 'To',
  v: 'Via',
  r: 'Refer-To',
  b: 'Referred-By',
  x: 'Session-Expires',
  o: 'Event',
  u: 'Allow-Events',
  a: 'Accept-Contact',
  j: 'Reject-Contact',
  d: 'Request-Disposition',
  y: 'Identity',
};

const CANONICAL = [
  'Accept',
  'Accept-Contact',
  'Accept-Encoding',
  'Accept-Language',
  'Alert-Info',
  'Allow',
  'Allow-Events',
  'Authentication-Info',
  'Authorization',
  'Call-ID',
  'Call-Info',
  'Contact',
  'Content-Disposition',
  'Content-Encoding',
  'Content-Language',
  'Content-Length',
  'Content-Type',
  'CSeq',
  'Date',
  'Error-Info',
  'Event',
  'Expires',
  'From',
  'In-Reply-To',
  'Max-Forwards',
  'Min-Expires',
  'Min-SE',
  'MIME-Version',
  'Organization',
  'P-Asserted-Identity',
  'Path',
  'Priority',
  'Proxy-Authenticate',
  'Proxy-Authorization',
  'Proxy-Require',
  'RAck',
  'Reason',
  'Record-Route',
  'Refer-To',
  'Referred-By',
  'Replaces',
  'Reply-To',
  'Require',
  'Retry-After',
  'Route',
  'RSeq',
  'Server',
  'Session-Expires',
  'Subject',
  'Subscription-State',
  'Supported',
  'Timestamp',
  'To',
  'Unsupported',
  'User-Agent',
  'Via',
  'Warning',
  'WWW-Authenticate',
];

const BY_LOWER = new Map<string, string>(CANONICAL.map((n) => [n.toLowerCase(), n]));
for (const [compact, full] of Object.entries(COMPACT_FORMS)) BY_LOWER.set(compact, full);

/** The canonical spelling of a header name: compact forms expanded, known names in their RFC case, others kept. */
export function canonicalHeaderName(name: string): string {
  return BY_LOWER.get(name.toLowerCase()) ?? name;
}

/** The lookup key of a header name: compact forms expanded, lower case. */
export function headerKey(name: string): string {
  const lower = name.toLowerCase();
  const full = lower.length === 1 ? COMPACT_FORMS[lower] : undefined;
  return full === undefined ? lower : full.toLowerCase();
}
