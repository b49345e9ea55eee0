// Webhook signatures: HMAC-SHA256 (RFC 2104 with SHA-256) of the exact body bytes under the shared secret,
// sent as `X-Parley-Signature: sha256=<hex>`. The body carries its own `timestamp` and a unique `id`, so
// the signature covers them too: a receiver checks the signature, then refuses a timestamp older than a few
// minutes (replay) and an id it has seen (duplicate delivery).
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-parley-signature';
export const TIMESTAMP_HEADER = 'x-parley-timestamp';
export const EVENT_HEADER = 'x-parley-event';
export const DELIVERY_HEADER = 'x-parley-delivery';

export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/** True when `header` is the signature of `body` under `secret` (constant-time comparison). */
export function verifySignature(secret: string, body: string, header: string | undefined): boolean {
  const expected = Buffer.from(signBody(secret, body), 'utf8');
  const given = Buffer.from(header ?? '', 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
