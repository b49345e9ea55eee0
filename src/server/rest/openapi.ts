// The OpenAPI 3.1 document of the REST API, made from the same route table and TypeBox schemas that
// validate the requests (TypeBox schemas are JSON Schema, which OpenAPI 3.1 uses as it is), so that the
// document cannot drift from what the server accepts. Served at /rest-api/openapi.json.
import type { TSchema } from '@sinclair/typebox';
import { ErrorBody } from './schemas.js';

export interface RouteDoc {
  path: string;
  summary: string;
  description?: string;
  body: TSchema;
  /** The body may be left out (`find_all`). */
  bodyOptional?: boolean;
  response: TSchema;
  /** Error statuses the route answers with besides 400 and 401. */
  errors: number[];
}

const ERROR_TEXT: Record<number, string> = {
  400: 'Invalid body: `error.field` names the property.',
  401: 'Missing or wrong `Authorization: Bearer <key>` (PARLEY_API_KEY is set).',
  404: 'Unknown id, nothing matches, or the feature is off.',
  409: 'Conflict: the id is in use, or the call is not in a state that allows this.',
  413: 'Body too large.',
  415: 'Body is not application/json.',
  422: 'The media plane cannot do it.',
  502: 'The SIP side refused or did not answer: `error.sipStatus` says.',
};

/** JSON Schema without TypeBox's symbol keys (JSON.stringify drops them; this makes it explicit). */
const plain = (s: TSchema): unknown => JSON.parse(JSON.stringify(s));

export function openApiDocument(routes: RouteDoc[], opts: { prefix: string; version: string }): unknown {
  const errorResponse = (status: number) => ({
    description: ERROR_TEXT[status] ?? 'Error',
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  });
  const paths: Record<string, unknown> = {};
  for (const r of routes) {
    const statuses = [...new Set([400, 401, ...r.errors])].sort((a, b) => a - b);
    paths[`${opts.prefix}${r.path}`] = {
      post: {
        operationId: r.path.slice(1).replaceAll('/', '_'),
        summary: r.summary,
        ...(r.description ? { description: r.description } : {}),
        requestBody: {
          required: !r.bodyOptional,
          content: { 'application/json': { schema: plain(r.body) } },
        },
        responses: {
          200: { description: 'OK', content: { 'application/json': { schema: plain(r.response) } } },
          ...Object.fromEntries(statuses.map((s) => [s, errorResponse(s)])),
        },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Parley REST API',
      version: opts.version,
      description:
        'Call management for Parley, the WebRTC-SIP call server: start calls from the server, steer any call ' +
        '(hold, transfer, DTMF, sounds, hangup), list calls and WebSocket sessions. JSON over POST. ' +
        'See docs/rest-api.md for examples and the webhooks.',
    },
    security: [{ bearer: [] }],
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'PARLEY_API_KEY; required only when the server has one configured.',
        },
      },
      schemas: { Error: plain(ErrorBody) },
    },
    paths,
  };
}
