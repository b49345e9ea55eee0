// One call answered by a service number, from INVITE to BYE:
//
//   INVITE(offer) ─▶ endpoint leg: applyOffer, createAnswer ─▶ 200(answer) ─▶ ACK ... re-INVITE/UPDATE answered
//        │                 └─ no common codec ─▶ 488 (RFC 3264 §6: the answerer cannot use any offered format)
//        └─ offerless INVITE (RFC 3261 §13.2.1): tone offers G.711 in the 200, the ACK brings the answer;
//           echo has nothing to offer (it mirrors what it is sent) and answers 488
//   BYE / CANCEL / plane failure ─▶ leg closed
//
// tone: 440 Hz until a digit arrives (RFC 4733 event or SIP INFO, RFC 6086), then the digit's dual tone
// (~200 ms), digits in the order received, then 440 Hz again.

import type { MediaPlane, MediaSource } from '../media/index.js';
import type { InviteServer, Session } from '../sip/index.js';
import type { Logger } from '../sip/transport/logger.js';

export type ServiceKind = 'echo' | 'tone';

export const TONE_HZ = 440;
export const DIGIT_TONE_MS = 200;

export class ServiceCall {
  legId: string | undefined;
  #session: Session | undefined;
  #digits: string[] = [];
  #speaking = false;
  #closed = false;

  constructor(
    readonly kind: ServiceKind,
    readonly media: MediaPlane,
    readonly log: Logger,
    readonly onClosed: (call: ServiceCall) => void,
  ) {}

  async answer(invite: InviteServer): Promise<void> {
    invite.once('canceled', () => void this.close('canceled'));
    const offer = invite.offer;
    if (offer.length === 0 && this.kind === 'echo') {
      invite.reject(488, 'Echo needs an offer');
      this.close('offerless INVITE');
      return;
    }
    let body: string;
    try {
      this.legId = await this.media.createRtpLeg({ endpoint: this.kind === 'echo' ? 'echo' : 'player' });
      if (offer.length === 0) body = await this.media.createOffer(this.legId);
      else {
        await this.media.applyOffer(this.legId, offer.toString('utf8'));
        body = await this.media.createAnswer(this.legId);
      }
    } catch (e) {
      const status = (e as { sipStatus?: unknown }).sipStatus;
      this.log.info({ err: e, service: this.kind }, 'service call refused');
      invite.reject(typeof status === 'number' ? status : 500);
      if (this.#closed) this.#releaseLeg();
      else this.close('negotiation failed');
      return;
    }
    if (this.#closed) {
      // CANCEL arrived while the leg was being made: close() ran before legId was known.
      this.#releaseLeg();
      return;
    }
    const session = invite.accept(Buffer.from(body));
    if (session === undefined) {
      this.close('not accepted');
      return;
    }
    this.#session = session;
    session.on('terminated', (info) => this.close(info.reason));
    session.on('ackAnswer', (answer) => {
      const leg = this.legId;
      if (leg === undefined) return;
      this.media.applyAnswer(leg, answer.toString('utf8')).then(
        () => this.#startTone(),
        (err: unknown) => {
          this.log.warn({ err }, 'the answer in the ACK is unusable: hanging up');
          void session.bye();
        },
      );
    });
    session.on('offer', (o) => {
      const leg = this.legId;
      if (leg === undefined || o.body.length === 0) {
        o.reject(488);
        return;
      }
      this.media
        .applyOffer(leg, o.body.toString('utf8'))
        .then(() => this.media.createAnswer(leg))
        .then(
          (answer) => o.accept(Buffer.from(answer)),
          (err: unknown) => {
            this.log.info({ err }, 're-offer refused');
            const status = (err as { sipStatus?: unknown }).sipStatus;
            o.reject(typeof status === 'number' ? status : 488);
          },
        );
    });
    session.on('info', (info) => {
      if (info.dtmf !== undefined) this.digit(info.dtmf.tone);
    });
    if (offer.length > 0) this.#startTone();
  }

  #startTone(): void {
    if (this.kind !== 'tone') return;
    this.#play({ type: 'tone', frequencyHz: TONE_HZ }, true);
  }

  /** A digit received (RFC 4733 or INFO): the tone service plays it back in band. */
  digit(d: string): void {
    if (this.kind !== 'tone' || this.#closed) return;
    this.#digits.push(d);
    if (!this.#speaking) this.#next();
  }

  /** The digit's sound ended: the next digit, or the tone again. */
  played(): void {
    this.#speaking = false;
    this.#next();
  }

  #next(): void {
    const d = this.#digits.shift();
    if (d === undefined) {
      this.#startTone();
      return;
    }
    this.#speaking = true;
    this.#play({ type: 'dtmf', digits: d, toneMs: DIGIT_TONE_MS, gapMs: 40 }, false);
  }

  #play(source: MediaSource, loop: boolean): void {
    const leg = this.legId;
    if (leg === undefined || this.#closed) return;
    this.media.play(leg, source, { loop }).catch((err: unknown) => {
      this.#speaking = false;
      this.log.warn({ err, legId: leg }, 'the tone service cannot play');
    });
  }

  /** Ends the call's media (the SIP side ended or is ending). Idempotent. */
  close(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.log.debug({ service: this.kind, reason }, 'service call ended');
    this.#releaseLeg();
    this.onClosed(this);
  }

  #releaseLeg(): void {
    const leg = this.legId;
    if (leg === undefined) return;
    this.media.closeLeg(leg).catch((err: unknown) => this.log.warn({ err, legId: leg }, 'closing the leg failed'));
  }

  /** Hangs up (BYE) and closes. */
  async hangup(): Promise<void> {
    const s = this.#session;
    if (s !== undefined && s.state !== 'Terminated') await s.bye();
    this.close('hung up');
  }
}
