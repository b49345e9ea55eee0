// SDES-SRTP (RFC 4568) in an RTP leg's offer/answer: the a=crypto lines we offer or answer, the keys we
// offered (until the answer picks one by tag), and the SRTP contexts set on the leg.

import type { MediaDescription, SessionDescription } from '../sdp/index.js';
import { MediaError } from './errors.js';
import type { StreamKind } from './media-leg.js';
import type { RtpLeg } from './rtp-leg.js';
import { findSuite, newCrypto, parseInlineKey, SDES_SUITES, type SdesCrypto, sdesSrtp } from './sdes-srtp.js';

export class SdesNegotiation {
  /** The master keys we put in our last offer, per m= index and crypto tag. */
  readonly #offeredKeys = new Map<string, Buffer>();

  /** SRTP was negotiated on this leg (either way): later offers keep it (a re-offer must not drop to RTP/AVP). */
  #inUse = false;

  /** @param offer whether our offers carry a=crypto (RTP/SAVP); offers received with a=crypto are always honoured */
  constructor(readonly offer: boolean) {}

  /**
   * RFC 4568 §5.1.1: one a=crypto per suite we accept, each with a fresh key (§7.1.4 allows new keys in a
   * re-offer). Offered when configured, and in every re-offer once SRTP is in use on the leg. The stream
   * drops what arrives until it is keyed by the answer.
   */
  offerCrypto(leg: RtpLeg, kind: StreamKind, index: number): SdesCrypto[] {
    if (!this.offer && !this.#inUse) return [];
    leg.setSrtp(kind, 'pending');
    return SDES_SUITES.map((suite, i) => {
      const { crypto, keySalt } = newCrypto(i + 1, suite);
      this.#offeredKeys.set(`${index}:${crypto.tag}`, keySalt);
      return crypto;
    });
  }

  /** RFC 4568 §5.1.2: answer the first offered suite we support, same tag, our own key; SRTP starts now. */
  answerCrypto(leg: RtpLeg, kind: StreamKind, offered: MediaDescription | undefined): SdesCrypto[] {
    if (offered === undefined || offered.crypto.length === 0) {
      leg.setSrtp(kind, undefined);
      return [];
    }
    for (const c of offered.crypto) {
      const suite = findSuite(c.suite);
      const theirs = suite === undefined ? undefined : parseInlineKey(c.keyParams, suite);
      if (suite === undefined || theirs === undefined) continue;
      const { crypto, keySalt } = newCrypto(c.tag, suite);
      leg.setSrtp(kind, sdesSrtp(suite, keySalt, theirs));
      this.#inUse = true;
      return [crypto];
    }
    throw new MediaError(
      'MEDIA_BAD_SDP',
      `no SRTP crypto suite in common: the offer has ${offered.crypto.map((c) => c.suite).join(', ')}`,
      { sipStatus: 488 },
    );
  }

  /** The answer's a=crypto picks one of ours by tag and brings its key. */
  fromAnswer(leg: RtpLeg, answer: SessionDescription): void {
    answer.media.forEach((m, index) => {
      if (m.kind !== 'audio' && m.kind !== 'video') return;
      const chosen = m.crypto[0];
      const suite = chosen === undefined ? undefined : findSuite(chosen.suite);
      const ours = chosen === undefined ? undefined : this.#offeredKeys.get(`${index}:${chosen.tag}`);
      const theirs = suite === undefined || chosen === undefined ? undefined : parseInlineKey(chosen.keyParams, suite);
      const keyed = suite && ours && theirs ? sdesSrtp(suite, ours, theirs) : undefined;
      leg.setSrtp(m.kind, keyed);
      if (keyed !== undefined) this.#inUse = true;
    });
  }
}
