// The Origin check of the WebSocket endpoint, against cross-site WebSocket hijacking (CSWSH): a page on
// another site could otherwise open `/ws` from a visitor's browser. RFC 6455 §10.2: "servers that are not
// intended to process input from any web page but only for certain sites SHOULD verify the |Origin| field".
// RFC 6454 §7: a browser sends Origin on every WebSocket handshake; a client that sends none is not a
// browser (a Node or native client), so no page can have made it, and it is let in.

export type OriginDecision = { allowed: true } | { allowed: false; reason: string };

export interface OriginPolicyOptions {
  /**
   * Origins allowed besides the server's own (`https://app.example.com`), or `*` for any.
   * Unset or empty: only pages served by this server (the Origin's host equals the request's Host).
   */
  allowedOrigins?: readonly string[];
}

/** WebSocket close code for a refused Origin: 1008 policy violation (RFC 6455 §7.4.1). */
export const ORIGIN_CLOSE_CODE = 1008;
/**
 * The close reason of a refused Origin whose text cannot be shown in it. A close frame's reason is at most 123
 * bytes (RFC 6455 §5.5) and an Origin is attacker-chosen bytes: only a short printable-ASCII one (one byte per
 * character) is named in the reason; any other is only logged.
 */
export const ORIGIN_CLOSE_REASON = 'origin not allowed (PARLEY_WS_ALLOWED_ORIGINS)';
const SHOWABLE_ORIGIN = /^[\x21-\x7e]{1,60}$/;

/** `scheme://host[:port]` in the form browsers send (RFC 6454 §6.1), or undefined if `text` is no origin. */
export function normalizeOrigin(text: string): string | undefined {
  if (text === 'null') return undefined;
  try {
    const url = new URL(text);
    return url.origin === 'null' ? undefined : url.origin;
  } catch {
    return undefined;
  }
}

export class OriginPolicy {
  readonly #any: boolean;
  readonly #allowed: Set<string>;

  constructor(opts: OriginPolicyOptions = {}) {
    const list = opts.allowedOrigins ?? [];
    this.#any = list.includes('*');
    this.#allowed = new Set(list.flatMap((o) => normalizeOrigin(o) ?? []));
  }

  /** Decides on a handshake from its Origin and Host headers. */
  check(origin: string | undefined, host: string | undefined): OriginDecision {
    if (origin === undefined) return { allowed: true };
    if (this.#any) return { allowed: true };
    const normalized = normalizeOrigin(origin);
    if (normalized !== undefined) {
      if (this.#allowed.has(normalized)) return { allowed: true };
      if (host !== undefined && sameHost(normalized, host)) return { allowed: true };
    }
    if (!SHOWABLE_ORIGIN.test(origin)) return { allowed: false, reason: ORIGIN_CLOSE_REASON };
    return { allowed: false, reason: `origin ${origin} not allowed (PARLEY_WS_ALLOWED_ORIGINS)` };
  }
}

/** The Origin names the host the request was sent to (`Host`, with a default port or not). */
function sameHost(origin: string, host: string): boolean {
  const o = new URL(origin);
  const h = normalizeOrigin(`${o.protocol}//${host}`);
  return h !== undefined && new URL(h).host === o.host;
}
