// Diagnostics channels (node:diagnostics_channel) on the WebSocket endpoint's messages, for benchmarks and
// tracing tools: each publishes `{ at, sessionId, message }` with `at` from performance.now(). With no
// subscriber, publishing is skipped (one `hasSubscribers` check per message).
import { channel } from 'node:diagnostics_channel';
import type { ClientMessage } from '../../protocol/client-messages.js';
import type { ServerMessage } from '../../protocol/server-messages.js';

export interface WsTraceIn {
  /** When the frame arrived, before it was parsed and validated. */
  at: number;
  sessionId: string;
  message: ClientMessage;
}

export interface WsTraceOut {
  /** When the message was handed to the socket. */
  at: number;
  sessionId: string;
  message: ServerMessage;
}

/** A valid client message, with its arrival time. */
export const wsTraceIn = channel('parley:ws:in');
/** A message sent to a browser. */
export const wsTraceOut = channel('parley:ws:out');
