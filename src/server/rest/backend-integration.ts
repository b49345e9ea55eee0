// What an application's backend gets from a Parley server: the REST API (rest-api.ts), the calls it starts
// (server-calls.ts) and the webhooks (../webhooks). ParleyServer composes this once; it hands every new
// WebSocket session the webhook gate and a transport that reports the session's messages as events.
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { CallStatus } from '../../protocol/common.js';
import type { BindingInfo } from '../../registrar/index.js';
import type { Call } from '../call/call.js';
import type { ParleyConfig } from '../config/settings.js';
import type { MediaPort, SipPort } from '../ports.js';
import type { MediaLimit } from '../session/media-limit.js';
import type { Session, SessionGate, SessionTransport } from '../session/session.js';
import { createWebhooks, type Webhooks } from '../webhooks/webhooks.js';
import { registerRestApi } from './rest-api.js';
import { ServerCalls } from './server-calls.js';
import { SoundLibrary } from './sound-library.js';

export interface BackendIntegrationDeps {
  log: Logger;
  sip: SipPort;
  /** Media for calls with no browser (player-media-port.ts); without it, /call/startup answers 422. */
  playerMedia?: MediaPort | undefined;
  registrar?: { bindings(): BindingInfo[] } | undefined;
  /** The WebSocket sessions, by id. */
  sessions: ReadonlyMap<string, Session>;
  /** Every call status change of a server-side call (metrics). */
  onCallStatus(call: Call, status: CallStatus): void;
  /** The server-wide cap on open media sessions, which REST calls count against too. */
  mediaLimit?: MediaLimit;
}

export class BackendIntegration {
  readonly serverCalls: ServerCalls;
  readonly #webhooks: Webhooks | undefined;

  constructor(app: FastifyInstance, config: ParleyConfig, deps: BackendIntegrationDeps) {
    this.#webhooks = createWebhooks(config, deps.log);
    this.serverCalls = new ServerCalls({
      sip: deps.sip,
      media: deps.playerMedia,
      sounds: new SoundLibrary(config.soundsDir),
      log: deps.log,
      onMessage: (session, m) => this.#webhooks?.events.onMessage(session, 'rest', m),
      onCallStatus: deps.onCallStatus,
      callIdInUse: (id) => [...deps.sessions.values()].some((s) => s.calls.has(id)),
      ...(deps.mediaLimit ? { mediaLimit: deps.mediaLimit } : {}),
    });
    registerRestApi(app, {
      log: deps.log,
      apiKey: config.apiKey,
      sessions: deps.sessions,
      serverCalls: this.serverCalls,
      registrar: deps.registrar,
    });
  }

  /** For a browser's session: the backend decides its connect and its calls. */
  get gate(): SessionGate | undefined {
    return this.#webhooks?.gate;
  }

  /** The browser's transport, with every message also reported as a webhook event. */
  transport(inner: SessionTransport, session: () => Session | undefined): SessionTransport {
    const events = this.#webhooks?.events;
    if (!events) return inner;
    return {
      send: (m) => {
        const s = session();
        if (s) events.onMessage(s, 'browser', m);
        inner.send(m);
      },
      close: (code, reason) => inner.close(code, reason),
    };
  }

  /** Server-side calls hung up, webhooks stopped. Idempotent. */
  async close(): Promise<void> {
    await this.serverCalls.close();
    this.#webhooks?.close();
  }
}
