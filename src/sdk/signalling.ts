// The WebSocket to the server: typed messages out, validated messages in (a server message that does not
// match the shared schema is reported on the console and dropped), and request/response by `id`.
import type { ClientMessage } from '../protocol/client-messages.js';
import { parseServerMessage } from '../protocol/parse-message.js';
import type { ServerMessage } from '../protocol/server-messages.js';
import { ParleyError } from './errors.js';

type Pending = { resolve: () => void; reject: (e: ParleyError) => void; timer: ReturnType<typeof setTimeout> };
type Outgoing = ClientMessage extends infer M ? (M extends { id?: string } ? Omit<M, 'id'> : never) : never;

export interface SignallingHandlers {
  onOpen(): void;
  onMessage(message: ServerMessage): void;
  onClose(code: number, reason: string, opened: boolean): void;
}

export class Signalling {
  readonly #ws: WebSocket;
  readonly #pending = new Map<string, Pending>();
  readonly #requestTimeoutMs: number;
  #next = 1;
  #opened = false;

  constructor(url: string, handlers: SignallingHandlers, requestTimeoutMs: number) {
    this.#requestTimeoutMs = requestTimeoutMs;
    this.#ws = new WebSocket(url);
    this.#ws.onopen = () => {
      this.#opened = true;
      handlers.onOpen();
    };
    this.#ws.onmessage = (ev: MessageEvent) => {
      if (typeof ev.data !== 'string') return console.warn('parley: binary message from the server ignored');
      const parsed = parseServerMessage(ev.data);
      if (!parsed.ok) return console.warn('parley: invalid message from the server ignored:', parsed.error.message);
      const m = parsed.message;
      if (m.type === 'ack') this.#settle(m.inReplyTo);
      if (m.type === 'error' && m.inReplyTo !== undefined) {
        this.#settle(
          m.inReplyTo,
          new ParleyError('SERVER_ERROR', m.message, { serverCode: m.code, ...(m.field ? { field: m.field } : {}) }),
        );
      }
      handlers.onMessage(m);
    };
    this.#ws.onclose = (ev: CloseEvent) => {
      for (const id of [...this.#pending.keys()])
        this.#settle(id, new ParleyError('SESSION_NOT_READY', 'the connection to the server closed'));
      handlers.onClose(ev.code, ev.reason, this.#opened);
    };
  }

  get open(): boolean {
    return this.#ws.readyState === WebSocket.OPEN;
  }

  /** Sends without waiting for an answer; false when the socket is not open. */
  send(message: Outgoing): boolean {
    if (!this.open) return false;
    this.#ws.send(JSON.stringify(message));
    return true;
  }

  /** Sends with an id; resolves on the server's `ack`, rejects on its `error` or a timeout. */
  request(message: Outgoing): Promise<void> {
    if (!this.open) return Promise.reject(new ParleyError('SESSION_NOT_READY', 'not connected to the server'));
    const id = `r${this.#next++}`;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          this.#settle(
            id,
            new ParleyError('TIMEOUT', `${message.type}: no answer from the server in ${this.#requestTimeoutMs} ms`),
          ),
        this.#requestTimeoutMs,
      );
      this.#pending.set(id, { resolve, reject, timer });
      this.#ws.send(JSON.stringify({ ...message, id }));
    });
  }

  close(code = 1000, reason = 'bye'): void {
    if (this.#ws.readyState === WebSocket.CONNECTING || this.#ws.readyState === WebSocket.OPEN)
      this.#ws.close(code, reason);
  }

  #settle(id: string, error?: ParleyError): void {
    const p = this.#pending.get(id);
    if (!p) return;
    this.#pending.delete(id);
    clearTimeout(p.timer);
    if (error) p.reject(error);
    else p.resolve();
  }
}
