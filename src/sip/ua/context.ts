// What every part of the user agent shares: the network below it, the clock its timers run on, the logger,
// the digest client, and the identity it acts for.
import type { Clock } from '../clock.js';
import type { TimerConfig } from '../timers.js';
import type { Logger } from '../transport/logger.js';
import type { ChallengeAnswerer } from './bound-credentials.js';
import type { UaNetwork } from './network.js';

export interface UaContext {
  network: UaNetwork;
  clock: Clock;
  timers: TimerConfig;
  logger: Logger;
  /** Answers 401/407 challenges where the account's credentials belong; undefined without a password. */
  auth: ChallengeAnswerer | undefined;
  /** Our address-of-record as a From value without tag: `"Alice" <sip:alice@example.com>`. */
  from: string;
  /** Our AOR URI: `sip:alice@example.com`. */
  aor: string;
  /** Our Contact value: `<sip:alice@192.0.2.1:5060;transport=udp>`. */
  contact: string;
  /** Route values put on requests outside a dialog (outbound proxy, RFC 3261 §8.1.2). */
  routes: string[];
  /** User-Agent header value. */
  userAgent: string;
}

/** RFC 3261 §20.5, RFC 3262, RFC 3311, RFC 3515: the methods this UA handles. */
export const ALLOWED_METHODS = 'INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE, REFER, NOTIFY, PRACK';
/** RFC 3261 §20.37 option tags this UA supports. */
export const SUPPORTED = 'replaces, timer, 100rel';
