// The REST API under /rest-api: JSON over POST, for an application's backend to start calls from the server
// and steer any call (whether a browser or a REST request started it), and to list calls and sessions.
// Bodies are validated by TypeBox's compiler against schemas.ts (an unknown property is refused by name);
// the same route table makes the OpenAPI document. Every error answers `{ error: { code, message, field? } }`
// with the status of errors.ts; a 500 only ever means a bug of ours, and is logged.
import type { Static, TSchema } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { FastifyError, FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { BindingInfo } from '../../registrar/index.js';
import type { Session } from '../session/session.js';
import { ApiKey } from './api-key.js';
import { callView, connectionView, type LocatedCall } from './call-view.js';
import { RestError, restErrorFrom } from './errors.js';
import { openApiDocument, type RouteDoc } from './openapi.js';
import {
  BindingView,
  CallIdBody,
  CallView,
  ConnectionView,
  DtmfBody,
  EmptyBody,
  FindBody,
  InjectSoundBody,
  SessionIdBody,
  type Sound,
  StartupBody,
  TransferBody,
} from './schemas.js';

export const REST_PREFIX = '/rest-api';
/** Bodies are small (the largest is /call/startup with its SIP headers); a megabyte would only be an attack. */
export const REST_BODY_LIMIT = 64 * 1024;

/** Calls started by /call/startup: the server plays the browser's part (server-calls.ts). */
export interface ServerCallsApi {
  startup(body: StartupBody): Promise<LocatedCall>;
  /** The internal sessions of those calls. */
  sessions(): Iterable<Session>;
  /** Plays a sound into a call, toward its SIP side or its browser. */
  injectSound(located: LocatedCall, sound: Sound, toward: 'sip' | 'browser'): Promise<void>;
}

export interface RestApiDeps {
  log: Logger;
  apiKey?: string | undefined;
  /** The WebSocket sessions, by id. */
  sessions: ReadonlyMap<string, Session>;
  serverCalls: ServerCallsApi;
  /** The embedded registrar, when it runs. */
  registrar?: { bindings(): BindingInfo[] } | undefined;
  version?: string;
}

interface Route extends RouteDoc {
  handler(body: unknown): Promise<unknown>;
}
function route<S extends TSchema>(
  r: Omit<RouteDoc, 'body'> & { body: S; handler: (body: Static<S>) => Promise<unknown> },
): Route {
  return { ...r, handler: (body) => r.handler(body as Static<S>) };
}

export function registerRestApi(app: FastifyInstance, deps: RestApiDeps): void {
  const routes = restRoutes(deps);
  const document = openApiDocument(routes, { prefix: REST_PREFIX, version: deps.version ?? '0.1.0' });
  const apiKey = deps.apiKey ? new ApiKey(deps.apiKey) : undefined;
  const log = deps.log.child({ part: 'rest' });

  app.register(
    async (scope) => {
      scope.removeAllContentTypeParsers();
      // An empty body is no body (`curl -X POST -H 'Content-Type: application/json'` for find_all).
      scope.addContentTypeParser(
        'application/json',
        { parseAs: 'string', bodyLimit: REST_BODY_LIMIT },
        (_req, text, done) => {
          const s = String(text);
          if (s.trim() === '') return done(null, undefined);
          try {
            done(null, JSON.parse(s));
          } catch (e) {
            done(new RestError('REST_INVALID_BODY', `body: not JSON (${(e as Error).message})`, { field: 'body' }));
          }
        },
      );
      scope.addHook('onRequest', async (req) => {
        if (apiKey && !apiKey.accepts(req.headers.authorization)) {
          throw new RestError('REST_UNAUTHORIZED', 'Authorization: Bearer <PARLEY_API_KEY> is required');
        }
      });
      scope.setErrorHandler((err: FastifyError | RestError, req, reply) => {
        const e = toRestError(err);
        if (e.code === 'REST_INTERNAL') log.error({ err, url: req.url }, 'REST request failed');
        else log.info({ url: req.url, code: e.code, field: e.field }, e.message);
        if (e.statusCode === 401) reply.header('WWW-Authenticate', 'Bearer realm="parley"');
        return reply.code(e.statusCode).send(e.toJSON());
      });
      scope.setNotFoundHandler((req, reply) =>
        reply
          .code(404)
          .send(new RestError('REST_NOT_FOUND', `no endpoint ${req.method} ${req.url.split('?')[0]}`).toJSON()),
      );
      scope.get('/openapi.json', async () => document);
      for (const r of routes) {
        const check = TypeCompiler.Compile(r.body);
        scope.post(r.path, {
          bodyLimit: REST_BODY_LIMIT,
          schema: { body: r.body },
          validatorCompiler: () => (data: unknown) => {
            const body = data === null || data === undefined ? (r.bodyOptional ? {} : data) : data;
            if (check.Check(body)) return { value: body };
            return { error: bodyError(check.Errors(body).First(), body) };
          },
          handler: async (req) => r.handler(req.body ?? {}),
        });
      }
    },
    { prefix: REST_PREFIX },
  );
}

function restRoutes(deps: RestApiDeps): Route[] {
  const { serverCalls } = deps;
  const sessions = function* (): Generator<[Session, LocatedCall['origin']]> {
    for (const s of deps.sessions.values()) yield [s, 'browser'];
    for (const s of serverCalls.sessions()) yield [s, 'rest'];
  };
  const allCalls = (): LocatedCall[] => {
    const out: LocatedCall[] = [];
    for (const [session, origin] of sessions())
      for (const call of session.calls.values()) out.push({ call, session, origin });
    return out;
  };
  const locate = (callId: string): LocatedCall => {
    const found = allCalls().find((c) => c.call.id === callId);
    if (!found) throw new RestError('REST_NOT_FOUND', `callId: no call ${callId}`, { field: 'callId' });
    return found;
  };
  /** Runs an operation of the call; its errors become REST errors; answers with the call as it is after. */
  const operate = async (callId: string, op: (located: LocatedCall) => Promise<unknown>) => {
    const located = locate(callId);
    try {
      await op(located);
    } catch (e) {
      throw restErrorFrom(e);
    }
    return callView(located);
  };
  const CallViews = Type.Array(CallView);
  return [
    route({
      path: '/call/startup',
      summary: 'Start a call from the server (no browser): it rings the callee and plays silence or a WAV.',
      body: StartupBody,
      response: CallView,
      errors: [404, 409, 413, 415, 502],
      handler: async (body) => callView(await serverCalls.startup(body)),
    }),
    route({
      path: '/call/terminate',
      summary: 'Hang up a call in any state (CANCEL, BYE, or a final response to an incoming call).',
      body: CallIdBody,
      response: CallView,
      errors: [404],
      handler: (b) => operate(b.callId, ({ call }) => call.hangup()),
    }),
    route({
      path: '/call/hold',
      summary: 'Put an established call on hold (re-INVITE sendonly); the browser sees HOLD.',
      body: CallIdBody,
      response: CallView,
      errors: [404, 409, 502],
      handler: (b) => operate(b.callId, ({ call }) => call.hold(true)),
    }),
    route({
      path: '/call/unhold',
      summary: 'Resume a held call (re-INVITE sendrecv).',
      body: CallIdBody,
      response: CallView,
      errors: [404, 409, 502],
      handler: (b) => operate(b.callId, ({ call }) => call.hold(false)),
    }),
    route({
      path: '/call/transfer',
      summary: "Blind transfer (REFER): the call's SIP peer is sent to target; progress goes to the browser.",
      body: TransferBody,
      response: CallView,
      errors: [404, 409, 502],
      handler: (b) => operate(b.callId, ({ call }) => call.transfers.transfer(b.target, undefined)),
    }),
    route({
      path: '/call/send_dtmf',
      summary: 'Send DTMF digits to the SIP side, as RFC 4733 events (RFC2833) or SIP INFO.',
      body: DtmfBody,
      response: CallView,
      errors: [404, 409, 422, 502],
      handler: (b) => operate(b.callId, ({ call }) => call.sendDtmf(b.dtmf, b.type ?? 'RFC2833', b.durationMs)),
    }),
    route({
      path: '/call/inject_sound',
      summary: 'Play a WAV file into a call, heard by its SIP side or by its browser.',
      body: InjectSoundBody,
      response: CallView,
      errors: [404, 409, 422],
      handler: (b) => operate(b.callId, (located) => serverCalls.injectSound(located, b.sound, b.toward ?? 'sip')),
    }),
    route({
      path: '/call/find',
      summary: 'Calls matching every given property; 404 when none does.',
      body: FindBody,
      response: CallViews,
      errors: [404],
      handler: async (b) => {
        const found = allCalls().filter(
          ({ call, session }) =>
            (b.callId === undefined || call.id === b.callId) &&
            (b.sessionId === undefined || session.id === b.sessionId) &&
            (b.status === undefined || call.status === b.status) &&
            (b.caller === undefined || call.caller === b.caller) &&
            (b.callee === undefined || call.callee === b.callee),
        );
        if (found.length === 0) throw new RestError('REST_NOT_FOUND', 'no call matches');
        return Promise.all(found.map(callView));
      },
    }),
    route({
      path: '/call/find_all',
      summary: 'Every current call (an empty array when there is none).',
      body: EmptyBody,
      bodyOptional: true,
      response: CallViews,
      errors: [],
      handler: () => Promise.all(allCalls().map(callView)),
    }),
    route({
      path: '/connection/find_all',
      summary: 'The WebSocket sessions (browsers) connected now.',
      body: EmptyBody,
      bodyOptional: true,
      response: Type.Array(ConnectionView),
      errors: [],
      // A session that was disconnected or is closing (its socket and unREGISTER on their way) is not connected.
      handler: async () =>
        [...deps.sessions.values()].filter((s) => !s.closing && s.status !== 'DISCONNECTED').map(connectionView),
    }),
    route({
      path: '/connection/terminate',
      summary: 'End a WebSocket session: its calls are hung up, its registration removed, the socket closed.',
      body: SessionIdBody,
      response: ConnectionView,
      errors: [404],
      handler: async (b) => {
        const session = deps.sessions.get(b.sessionId);
        if (!session)
          throw new RestError('REST_NOT_FOUND', `sessionId: no session ${b.sessionId}`, { field: 'sessionId' });
        await session.receive({ type: 'disconnect' });
        return connectionView(session);
      },
    }),
    route({
      path: '/registrar/bindings',
      summary: "The embedded registrar's current registrations (404 when it does not run).",
      body: EmptyBody,
      bodyOptional: true,
      response: Type.Array(BindingView),
      errors: [404],
      handler: async () => {
        if (!deps.registrar)
          throw new RestError('REST_NOT_AVAILABLE', 'the embedded registrar is off (PARLEY_REGISTRAR)');
        return deps.registrar.bindings();
      },
    }),
  ];
}

/** The first schema error, naming the property (`sipPort`, `sound.file`, or the unknown one). */
function bodyError(first: { path: string; message: string } | undefined, body: unknown): RestError {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return new RestError('REST_INVALID_BODY', 'body: expected a JSON object', { field: 'body' });
  }
  if (!first) return new RestError('REST_INVALID_BODY', 'body: invalid', { field: 'body' });
  const field = first.path.replace(/^\//, '').replaceAll('/', '.') || 'body';
  // TypeBox reports an unknown property at its own path with "Unexpected property".
  const message = first.message === 'Unexpected property' ? 'unknown property' : first.message;
  return new RestError('REST_INVALID_BODY', `${field}: ${message}`, { field });
}

function toRestError(err: FastifyError | RestError): RestError {
  if (err instanceof RestError) return err;
  const status = err.statusCode ?? 500;
  if (status === 413) return new RestError('REST_BODY_TOO_LARGE', `body: larger than ${REST_BODY_LIMIT} bytes`);
  if (status === 415) return new RestError('REST_UNSUPPORTED_MEDIA_TYPE', 'body: send Content-Type: application/json');
  if (status >= 400 && status < 500)
    return new RestError('REST_INVALID_BODY', `body: ${err.message}`, { field: 'body' });
  return new RestError('REST_INTERNAL', 'internal error', { cause: err });
}
