// The media of a call the server starts (/rest-api/call/startup): no browser, one RTP leg whose far end is the
// server itself (the media plane's `player` endpoint, G.711). It offers on its own, answers re-offers (hold)
// on its own, and sends silence from the moment the SIP side answers, so that the stream never stops (a
// device or a relay may hang up on a silent stream); playSound replaces it with a WAV, and silence comes
// back when a WAV played once ends. The "browser" steps of MediaSession have nothing to do here.
import type { Logger } from 'pino';
import type { LegId, MediaPlane } from '../../media/media-plane.js';
import type {
  MediaDirection,
  MediaMetrics,
  MediaPort,
  MediaSession,
  MediaSessionHandlers,
  MediaSessionOptions,
  MediaSessionStats,
} from '../ports.js';
import { offeredDirection } from '../wiring/media-plane-port.js';

/** The "browser answer" a call from the server gets; nothing reads it. */
const NO_BROWSER_ANSWER = 'v=0 no browser';

export class PlayerMediaPort implements MediaPort {
  readonly #plane: MediaPlane;
  readonly #log: Logger;
  readonly #byLeg = new Map<LegId, PlayerMediaSession>();

  constructor(plane: MediaPlane, log: Logger) {
    this.#plane = plane;
    this.#log = log;
    plane.on('dtmf', (e) => this.#byLeg.get(e.legId)?.onDtmf(e.digit, e.durationMs));
    plane.on('playEnded', (e) => this.#byLeg.get(e.legId)?.onPlayEnded());
    plane.on('failed', (e) => this.#byLeg.get(e.legId)?.onFailed(e.code, e.reason));
  }

  async createSession(options: MediaSessionOptions, handlers: MediaSessionHandlers): Promise<MediaSession> {
    const leg = await this.#plane.createRtpLeg({ endpoint: 'player' });
    const session = new PlayerMediaSession(
      this.#plane,
      leg,
      handlers,
      this.#log.child({ callId: options.callId }),
      () => this.#byLeg.delete(leg),
    );
    this.#byLeg.set(leg, session);
    return session;
  }

  metrics(): MediaMetrics {
    return { sessions: this.#byLeg.size, packetsForwarded: 0, packetsLost: 0 };
  }
}

class PlayerMediaSession implements MediaSession {
  readonly #plane: MediaPlane;
  readonly #leg: LegId;
  readonly #handlers: MediaSessionHandlers;
  readonly #log: Logger;
  readonly #onClose: () => void;
  #answered = false;
  #closing: Promise<void> | undefined;

  constructor(plane: MediaPlane, leg: LegId, handlers: MediaSessionHandlers, log: Logger, onClose: () => void) {
    this.#plane = plane;
    this.#leg = leg;
    this.#handlers = handlers;
    this.#log = log;
    this.#onClose = onClose;
  }

  /** There is no browser offer: the player offers G.711 on its own. */
  async offerFromWebRtc(): Promise<string> {
    return this.#plane.createOffer(this.#leg);
  }

  async answerFromRtp(sdp: string): Promise<string> {
    await this.#plane.applyAnswer(this.#leg, sdp);
    if (!this.#answered) {
      this.#answered = true;
      await this.#silence();
    }
    return NO_BROWSER_ANSWER;
  }

  async offerFromRtp(): Promise<string> {
    throw Object.assign(new Error('a call from the server takes no incoming call'), { code: 'MEDIA_BAD_STATE' });
  }

  async answerFromWebRtc(): Promise<string> {
    throw Object.assign(new Error('a call from the server has no browser'), { code: 'MEDIA_BAD_STATE' });
  }

  async createRtpOffer(options: { direction: MediaDirection }): Promise<string> {
    return this.#plane.update(this.#leg, { direction: options.direction });
  }

  async applyRtpAnswer(sdp: string): Promise<void> {
    await this.#plane.applyAnswer(this.#leg, sdp);
  }

  async reofferFromRtp(sdp: string): Promise<{ sdp: string; remoteDirection: MediaDirection }> {
    await this.#plane.applyOffer(this.#leg, sdp);
    return { sdp: await this.#plane.createAnswer(this.#leg), remoteDirection: offeredDirection(sdp) };
  }

  async addWebRtcCandidate(): Promise<void> {
    // No browser, no candidates.
  }

  async sendDtmf(digits: string, durationMs: number): Promise<void> {
    // The media plane generates RFC 4733 events only on bridged legs for now; a player leg answers false.
    const sent = await this.#plane.sendDtmf(this.#leg, digits, durationMs);
    if (!sent) {
      throw Object.assign(
        new Error(
          'RFC 4733 digits cannot be sent on a call from the server (no telephone-event stream); use type INFO',
        ),
        { code: 'MEDIA_NO_DTMF' },
      );
    }
  }

  async playSound(toward: 'sip' | 'browser', sound: { wav: Uint8Array; loop: boolean }): Promise<void> {
    if (toward === 'browser') {
      throw Object.assign(new Error('a call from the server has no browser'), { code: 'MEDIA_BAD_STATE' });
    }
    await this.#plane.play(this.#leg, { type: 'wav', data: sound.wav }, { loop: sound.loop });
  }

  async stats(): Promise<MediaSessionStats> {
    const s = await this.#plane.getStats(this.#leg);
    const audioCodec = s.streams.find((x) => x.kind === 'audio')?.codec;
    return {
      ...(audioCodec ? { audioCodec } : {}),
      packetsFromWebRtc: 0,
      packetsFromRtp: s.streams.reduce((n, x) => n + x.packetsReceived, 0),
      packetsLost: s.streams.reduce((n, x) => n + x.packetsLost, 0),
    };
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#onClose();
      await this.#plane.closeLeg(this.#leg);
    })();
    return this.#closing;
  }

  onDtmf(digit: string, durationMs: number): void {
    this.#handlers.onDtmf(digit, durationMs);
  }

  onPlayEnded(): void {
    if (!this.#closing) void this.#silence();
  }

  onFailed(code: string, reason: string): void {
    this.#log.warn({ code, reason }, 'player leg failed');
    this.#handlers.onStateChange('failed');
  }

  async #silence(): Promise<void> {
    try {
      await this.#plane.play(this.#leg, { type: 'silence' });
    } catch (e) {
      this.#log.warn({ err: e }, 'silence could not be played on the player leg');
    }
  }
}
