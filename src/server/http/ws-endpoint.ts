// The WebSocket endpoint `/ws`: one Session per socket. Frames are limited in size (maxPayload: a larger one
// closes the socket with 1009, RFC 6455 §7.4.1) and in rate (a token bucket: WS_RATE_LIMITED, the session
// stays up). Keep-alive: a ping frame every interval (browsers answer pings themselves, RFC 6455 §5.5.2);
// a socket that has not answered the previous ping is terminated, and its session closed: calls hung up,
// registration removed. The Origin is checked before any session exists (origin-policy.ts): a refused one
// gets close code 1008 with a reason (naming the origin only when it is short printable ASCII: a close reason is
// at most 123 bytes, RFC 6455 §5.5, and `ws` throws past that; the origin is logged). Sessions are limited in number, in all and per IP address:
// one more is closed with 1013 Try Again Later (RFC 6455 §7.4.1, IANA registry) and a reason.
import type { IncomingMessage, Server } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import { parseClientMessage } from '../../protocol/parse-message.js';
import type { ServerMessage } from '../../protocol/server-messages.js';
import type { Metrics } from '../metrics.js';
import { RateLimiter } from '../session/rate-limiter.js';
import type { Session, SessionTransport } from '../session/session.js';
import { ORIGIN_CLOSE_CODE, type OriginPolicy } from './origin-policy.js';
import { type WsTraceIn, type WsTraceOut, wsTraceIn, wsTraceOut } from './ws-trace.js';

export interface WsEndpointOptions {
  path: string;
  maxPayload: number;
  messagesPerSecond: number;
  pingIntervalMs: number;
  origins: OriginPolicy;
  /** WebSocket sessions open at once, in all and from one IP address. */
  maxSessions: number;
  maxSessionsPerIp: number;
  log: Logger;
  metrics: Metrics;
  createSession(transport: SessionTransport): Session;
  /** Called once the session has closed (calls hung up, account closed). */
  onSessionClosed(session: Session): void;
}

/** RFC 6455 §7.4.2 / IANA WebSocket close codes: 1013 Try Again Later. */
export const TRY_AGAIN_LATER = 1013;

export class WsEndpoint {
  readonly #wss: WebSocketServer;
  readonly #opts: WsEndpointOptions;
  readonly #server: Server;
  readonly #onUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  /** Open sessions by remote IP address. */
  readonly #perIp = new Map<string, number>();
  #open = 0;

  constructor(server: Server, opts: WsEndpointOptions) {
    this.#opts = opts;
    this.#server = server;
    this.#wss = new WebSocketServer({ noServer: true, maxPayload: opts.maxPayload });
    this.#onUpgrade = (req, socket, head) => {
      // A client may reset the connection at any moment: without a listener that 'error' would be uncaught.
      socket.on('error', (e) =>
        opts.log.debug({ err: e, remoteAddress: req.socket.remoteAddress }, 'upgrade socket error'),
      );
      const path = (req.url ?? '').split('?')[0];
      if (path !== opts.path) {
        socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      const decision = opts.origins.check(req.headers.origin, req.headers.host);
      this.#wss.handleUpgrade(req, socket, head, (ws) => {
        if (!decision.allowed) {
          opts.metrics.wsErrors.inc({ code: 'WS_ORIGIN_REFUSED' });
          opts.log.warn({ origin: req.headers.origin, remoteAddress: req.socket.remoteAddress }, decision.reason);
          return this.#refuse(ws, ORIGIN_CLOSE_CODE, decision.reason);
        }
        const ip = req.socket.remoteAddress ?? '';
        const fromIp = this.#perIp.get(ip) ?? 0;
        if (this.#open >= opts.maxSessions || fromIp >= opts.maxSessionsPerIp) {
          const perIp = fromIp >= opts.maxSessionsPerIp;
          opts.metrics.wsErrors.inc({ code: 'WS_TOO_MANY_SESSIONS' });
          opts.log.warn(
            { remoteAddress: ip, open: this.#open, fromIp },
            perIp ? 'too many sessions from one address' : 'too many sessions',
          );
          return this.#refuse(
            ws,
            TRY_AGAIN_LATER,
            perIp
              ? 'too many sessions from this address (PARLEY_WS_MAX_SESSIONS_PER_IP)'
              : 'too many sessions (PARLEY_WS_MAX_SESSIONS)',
          );
        }
        this.#open++;
        this.#perIp.set(ip, fromIp + 1);
        ws.once('close', () => {
          this.#open--;
          const n = (this.#perIp.get(ip) ?? 1) - 1;
          if (n <= 0) this.#perIp.delete(ip);
          else this.#perIp.set(ip, n);
        });
        this.#accept(ws, req);
      });
    };
    server.on('upgrade', this.#onUpgrade);
  }

  /** Closes a socket that gets no session; `reason` is fixed ASCII, well under 123 bytes. */
  #refuse(ws: WebSocket, code: number, reason: string): void {
    ws.on('error', (e) => this.#opts.log.debug({ err: e }, 'refused websocket error'));
    try {
      ws.close(code, reason);
    } catch (e) {
      this.#opts.log.error({ err: e }, 'closing a refused websocket failed');
      ws.terminate();
    }
  }

  #accept(ws: WebSocket, req: IncomingMessage): void {
    const { metrics } = this.#opts;
    let sessionId = '';
    const send = (m: ServerMessage) => {
      if (m.type === 'error') metrics.wsErrors.inc({ code: m.code });
      if (ws.readyState !== WebSocket.OPEN) return;
      ws.send(JSON.stringify(m));
      if (wsTraceOut.hasSubscribers) {
        wsTraceOut.publish({ at: performance.now(), sessionId, message: m } satisfies WsTraceOut);
      }
    };
    const session = this.#opts.createSession({ send, close: (code, reason) => ws.close(code, reason) });
    sessionId = session.id;
    session.log.info({ remoteAddress: req.socket.remoteAddress, origin: req.headers.origin }, 'websocket open');
    const limiter = new RateLimiter({
      perSecond: this.#opts.messagesPerSecond,
      burst: this.#opts.messagesPerSecond * 2,
    });
    let alive = true;
    const keepAlive = setInterval(() => {
      if (!alive) {
        session.log.info('no pong since the last ping: the browser is gone');
        ws.terminate();
        return;
      }
      alive = false;
      ws.ping();
    }, this.#opts.pingIntervalMs);
    ws.on('pong', () => {
      alive = true;
    });
    ws.on('message', (data: RawData, isBinary: boolean) => {
      const at = wsTraceIn.hasSubscribers ? performance.now() : 0;
      alive = true;
      if (!limiter.take()) {
        send({
          type: 'error',
          code: 'WS_RATE_LIMITED',
          message: `more than ${this.#opts.messagesPerSecond} messages per second; message dropped`,
        });
        return;
      }
      if (isBinary) {
        send({
          type: 'error',
          code: 'WS_BAD_MESSAGE',
          message: 'binary frames are not part of the protocol; send JSON text',
        });
        return;
      }
      const parsed = parseClientMessage(rawText(data));
      if (!parsed.ok) {
        metrics.wsMessages.inc({ type: 'invalid' });
        send({
          type: 'error',
          ...parsed.error,
          ...(parsed.inReplyTo !== undefined ? { inReplyTo: parsed.inReplyTo } : {}),
        });
        return;
      }
      metrics.wsMessages.inc({ type: parsed.message.type });
      if (wsTraceIn.hasSubscribers) {
        wsTraceIn.publish({ at, sessionId: session.id, message: parsed.message } satisfies WsTraceIn);
      }
      session.receive(parsed.message).catch((e: unknown) => session.log.error({ err: e }, 'session.receive failed'));
    });
    ws.on('error', (e) => session.log.warn({ err: e }, 'websocket error'));
    ws.on('close', (code, reason) => {
      clearInterval(keepAlive);
      session.log.info({ code, reason: reason.toString() }, 'websocket closed');
      session
        .close('websocket closed')
        .catch((e: unknown) => session.log.error({ err: e }, 'closing the session failed'))
        .finally(() => this.#opts.onSessionClosed(session));
    });
  }

  /** Closes every socket (1001 going away) and stops accepting new ones. */
  close(): void {
    this.#server.off('upgrade', this.#onUpgrade);
    for (const ws of this.#wss.clients) ws.close(1001, 'server shutting down');
    this.#wss.close();
  }
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}
