// The HTTP side of Parley: fastify with /health, /metrics, the WebSocket endpoint /ws, the SDK at /sdk/ and
// the phone page at /. It owns the live sessions; `close()` hangs up every call and removes every
// registration before the sockets go.
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Logger } from 'pino';
import type { CallStatus } from '../../protocol/common.js';
import type { BindingInfo } from '../../registrar/index.js';
import type { Call } from '../call/call.js';
import type { ParleyConfig } from '../config/settings.js';
import { Metrics } from '../metrics.js';
import type { MediaPort, SipPort } from '../ports.js';
import { BackendIntegration } from '../rest/backend-integration.js';
import { MediaLimit } from '../session/media-limit.js';
import { Session } from '../session/session.js';
import { type DemoAccounts, registerDemoAccounts } from './demo-accounts.js';
import { OriginPolicy } from './origin-policy.js';
import { registerStaticFiles, type StaticDirs } from './static-files.js';
import { WsEndpoint } from './ws-endpoint.js';

export interface ParleyServerDeps {
  log: Logger;
  sip: SipPort;
  media: MediaPort;
  dirs: StaticDirs;
  /** Media for the calls the REST API starts, with no browser (src/server/rest/player-media-port.ts). */
  playerMedia?: MediaPort;
  /** The embedded registrar, for /rest-api/registrar/bindings. */
  registrar?: { bindings(): BindingInfo[] };
  /** The embedded registrar's generated demo accounts, offered to the phone page on this machine. */
  demoAccounts?: () => DemoAccounts | undefined;
}

/** Request lines are off: /metrics scrapes and SDK downloads are not events worth a line each. */
const buildFastify = (log: Logger): FastifyInstance =>
  Fastify({
    loggerInstance: log as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
  });

export class ParleyServer {
  readonly app: FastifyInstance;
  readonly sessions = new Map<string, Session>();
  readonly metrics: Metrics;
  /** The REST API, the calls it starts, and the webhooks (src/server/rest, src/server/webhooks). */
  readonly backend: BackendIntegration;
  readonly #config: ParleyConfig;
  readonly #deps: ParleyServerDeps;
  #ws: WsEndpoint | undefined;
  /** Open media sessions over every session (PARLEY_MAX_MEDIA_SESSIONS). */
  readonly mediaLimit: MediaLimit;
  #ready = false;
  #closing: Promise<void> | undefined;

  constructor(config: ParleyConfig, deps: ParleyServerDeps) {
    this.#config = config;
    this.#deps = deps;
    this.mediaLimit = new MediaLimit(config.maxMediaSessions);
    this.metrics = new Metrics(() => this.sessions.values(), deps.media);
    this.app = buildFastify(deps.log);
    this.app.get('/health', (_req, reply) =>
      this.#ready
        ? reply.send({ status: 'ok', sessions: this.sessions.size })
        : reply.code(503).send({ status: this.#closing ? 'stopping' : 'starting' }),
    );
    this.app.get('/metrics', (_req, reply) =>
      reply.type('text/plain; version=0.0.4; charset=utf-8').send(this.metrics.render()),
    );
    registerDemoAccounts(this.app, deps.demoAccounts ?? (() => undefined));
    registerStaticFiles(this.app, deps.dirs);
    this.backend = new BackendIntegration(this.app, config, {
      log: deps.log,
      sip: deps.sip,
      playerMedia: deps.playerMedia,
      registrar: deps.registrar,
      sessions: this.sessions,
      onCallStatus: (call, status) => this.#countCall(call, status),
      mediaLimit: this.mediaLimit,
    });
  }

  #countCall(call: Call, status: CallStatus): void {
    if (status === (call.incoming ? 'RING' : 'PENDING')) {
      this.metrics.callsStarted.inc({ direction: call.incoming ? 'incoming' : 'outgoing' });
    }
    if (call.ended) this.metrics.callsEnded.inc({ status });
  }

  /** Listens on the configured host and port; resolves with the URL to open. */
  async listen(): Promise<URL> {
    const { log, sip, media } = this.#deps;
    const config = this.#config;
    this.#ws = new WsEndpoint(this.app.server, {
      path: '/ws',
      maxPayload: config.wsMaxPayload,
      messagesPerSecond: config.wsMessagesPerSecond,
      pingIntervalMs: config.wsPingIntervalMs,
      maxSessions: config.wsMaxSessions,
      maxSessionsPerIp: config.wsMaxSessionsPerIp,
      origins: new OriginPolicy({ allowedOrigins: config.wsAllowedOrigins ?? [] }),
      log,
      metrics: this.metrics,
      createSession: (transport) => {
        const gate = this.backend.gate;
        const session: Session = new Session(
          this.backend.transport(transport, () => session),
          {
            sip,
            media,
            log,
            onCallStatus: (call, status) => this.#countCall(call, status),
            maxCallsPerSession: config.maxCallsPerSession,
            mediaLimit: this.mediaLimit,
            ...(gate ? { gate } : {}),
          },
        );
        this.sessions.set(session.id, session);
        return session;
      },
      onSessionClosed: (session) => this.sessions.delete(session.id),
    });
    await this.app.listen({ host: config.httpHost, port: config.httpPort });
    const address = this.app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.httpPort;
    const host = config.httpHost.includes(':') ? `[${config.httpHost}]` : config.httpHost;
    this.#ready = true;
    return new URL(`http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}/`);
  }

  /** Graceful stop: every session closed (calls hung up, registrations removed), then the sockets. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#ready = false;
    const sessions = [...this.sessions.values()];
    await Promise.all([...sessions.map((s) => s.close('server shutting down')), this.backend.close()]);
    this.#ws?.close();
    await this.app.close();
  }
}
