// The media session of one call, as the call sees it: opened once, candidates the browser trickled before it
// existed kept and delivered in order (RFC 8838 §4: they may come at once), closed once.
import type { Logger } from 'pino';
import type { IceCandidate } from '../../protocol/common.js';
import type { MediaPort, MediaSession, MediaSessionHandlers } from '../ports.js';
import type { MediaLimit } from '../session/media-limit.js';

export class CallMedia {
  readonly #callId: string;
  readonly #log: Logger;
  #session: MediaSession | undefined;
  #early: (IceCandidate | null)[] = [];
  #closing: Promise<void> | undefined;
  readonly #limit: MediaLimit | undefined;
  #release: (() => void) | undefined;

  constructor(callId: string, log: Logger, limit?: MediaLimit) {
    this.#callId = callId;
    this.#log = log;
    this.#limit = limit;
  }

  get session(): MediaSession | undefined {
    return this.#session;
  }

  /** Creates the session (rejects as the port does); undefined when the call was closed meanwhile. */
  async open(
    port: MediaPort,
    handlers: MediaSessionHandlers,
    options: { outgoing?: boolean } = {},
  ): Promise<MediaSession | undefined> {
    if (this.#limit) {
      this.#release = this.#limit.acquire();
      if (!this.#release) {
        throw Object.assign(new Error(`${this.#limit.max} media sessions are open: Service Unavailable`), {
          code: 'MEDIA_LIMIT_REACHED',
        });
      }
    }
    let session: MediaSession;
    try {
      session = await port.createSession(
        { callId: this.#callId, ...(options.outgoing ? { outgoing: true } : {}) },
        handlers,
      );
    } catch (e) {
      this.#release?.();
      throw e;
    }
    this.#session = session;
    if (this.#closing) {
      await this.#closeSession(session);
      return undefined;
    }
    for (const c of this.#early.splice(0)) await session.addWebRtcCandidate(c);
    return session;
  }

  async addCandidate(candidate: IceCandidate | null): Promise<void> {
    if (this.#closing) return;
    if (!this.#session) this.#early.push(candidate);
    else await this.#session.addWebRtcCandidate(candidate);
  }

  /** Closes the session, now or as soon as it exists. Idempotent; a failure is logged. */
  close(): Promise<void> {
    // Before a session exists (open() awaiting createSession), open() closes it and gives the slot back.
    this.#closing ??= this.#session ? this.#closeSession(this.#session) : Promise.resolve();
    return this.#closing;
  }

  async #closeSession(session: MediaSession): Promise<void> {
    try {
      await session.close();
    } catch (e) {
      this.#log.error({ callId: this.#callId, err: e }, 'closing the media session failed');
    } finally {
      this.#release?.();
    }
  }
}
