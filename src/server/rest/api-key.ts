// `Authorization: Bearer <key>` (RFC 6750 §2.1) against PARLEY_API_KEY. Both sides are hashed to SHA-256
// first, so that timingSafeEqual compares equal lengths and the time taken says nothing about the key.
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

export class ApiKey {
  readonly #expected: Buffer;

  constructor(key: string) {
    this.#expected = digest(key);
  }

  /** True when the header carries the key; any other header (missing, another scheme, another key) is false. */
  accepts(authorization: string | undefined): boolean {
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? '');
    const given = digest(m?.[1] ?? '');
    // Compared even when the header is malformed, so that the answer takes the same time either way.
    return timingSafeEqual(given, this.#expected) && m !== null;
  }
}
