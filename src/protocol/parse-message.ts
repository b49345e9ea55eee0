// Turning an untrusted WebSocket frame into a typed message. Never throws: a frame that is not valid
// gives a ProtocolError naming the field, and the caller replies with it while the session stays up.
import type { TObject } from '@sinclair/typebox';
import { Errors } from '@sinclair/typebox/errors';
import { Check } from '@sinclair/typebox/value';
import { CLIENT_MESSAGES, type ClientMessage } from './client-messages.js';
import { type ProtocolError, protocolError } from './errors.js';
import { SERVER_MESSAGES, type ServerMessage } from './server-messages.js';

export type ParseResult<T> =
  | { ok: true; message: T }
  | { ok: false; error: ProtocolError /** the `id` of the bad message, when it had one */; inReplyTo?: string };

/** `/sipOptions/port` -> `sipOptions.port` */
const fieldOf = (path: string): string => path.replace(/^\//, '').replaceAll('/', '.');

function describe(schema: TObject, value: unknown): ProtocolError {
  const first = Errors(schema, value).First();
  if (!first) return protocolError('WS_BAD_MESSAGE', 'message does not match its schema');
  const field = fieldOf(first.path);
  if (field === '') return protocolError('WS_BAD_MESSAGE', first.message);
  const options = (first.schema.anyOf as { const?: unknown }[] | undefined)?.map((s) => s.const);
  if (options?.every((o) => typeof o === 'string')) {
    return protocolError('WS_INVALID_FIELD', `${field}: expected one of ${options.join(', ')}`, field);
  }
  return protocolError('WS_INVALID_FIELD', `${field}: ${first.message}`, field);
}

function parse<T>(data: string, schemas: Record<string, TObject>): ParseResult<T> {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch (e) {
    return { ok: false, error: protocolError('WS_BAD_MESSAGE', `not JSON: ${(e as Error).message}`) };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, error: protocolError('WS_BAD_MESSAGE', 'a message must be a JSON object') };
  }
  const record = value as Record<string, unknown>;
  const id = typeof record.id === 'string' && record.id.length <= 64 ? record.id : undefined;
  const fail = (error: ProtocolError): ParseResult<T> =>
    id === undefined ? { ok: false, error } : { ok: false, error, inReplyTo: id };
  const type = record.type;
  if (typeof type !== 'string') return fail(protocolError('WS_BAD_MESSAGE', 'type: must be a string', 'type'));
  const schema = Object.hasOwn(schemas, type) ? schemas[type] : undefined;
  if (!schema)
    return fail(
      protocolError('WS_UNKNOWN_TYPE', `type: unknown message type ${JSON.stringify(type.slice(0, 64))}`, 'type'),
    );
  if (!Check(schema, value)) return fail(describe(schema, value));
  return { ok: true, message: value as T };
}

/** Server side: a frame from the browser. */
export const parseClientMessage = (data: string): ParseResult<ClientMessage> => parse(data, CLIENT_MESSAGES);
/** SDK side: a frame from the server. */
export const parseServerMessage = (data: string): ParseResult<ServerMessage> => parse(data, SERVER_MESSAGES);
