// Identifiers from the browser's CSPRNG. crypto.getRandomValues exists in every context, secure or not
// (crypto.randomUUID only in secure contexts, and a page served over plain http on a LAN address is not one).

export function randomId(): string {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40; // RFC 9562 §5.4: version 4
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80; // variant 10
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
