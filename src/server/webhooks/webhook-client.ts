// Sends webhooks to the application's backend: JSON POSTs signed with HMAC-SHA256 (signature.ts), each with a
// unique id, a timestamp and a sequence number. `ask` is one attempt whose answer decides something (connect,
// call); `emit` is fire-and-forget with bounded retries and exponential back-off (1 s, 2 s, 4 s...) for
// events. Node's fetch (undici) with AbortSignal.timeout; redirects are not followed. Timers are injected.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { WebhookError } from './errors.js';
import { DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, signBody, TIMESTAMP_HEADER } from './signature.js';

export interface WebhookTimers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const REAL_TIMERS: WebhookTimers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface WebhookClientOptions {
  url: string;
  /** Without one, bodies go unsigned (a warning is logged at start). */
  secret?: string | undefined;
  timeoutMs: number;
  /** Retries of a failed event (0: one attempt). */
  retries: number;
  log: Logger;
  timers?: WebhookTimers;
  /** First back-off; doubled on each retry. */
  backoffMs?: number;
  /** Events waiting for a retry at most; beyond it the oldest is dropped (and logged). */
  maxPending?: number;
  fetch?: typeof fetch;
}

export interface WebhookAnswer {
  status: number;
  /** The JSON body; undefined when there is none. */
  json: unknown;
  /** Set when the body is not JSON (the JSON parser's message). */
  notJson?: string;
}

/** One webhook, as sent (a retry sends the same bytes). */
interface Delivery {
  id: string;
  type: string;
  timestamp: number;
  body: string;
}

/** Largest answer read from the backend; an answer is a small JSON object. */
const MAX_ANSWER_BYTES = 64 * 1024;

export class WebhookClient {
  readonly #o: Required<Omit<WebhookClientOptions, 'secret'>> & { secret: string | undefined };
  readonly #pending = new Map<string, unknown>();
  readonly #inFlight = new Set<AbortController>();
  #seq = 0;
  #closed = false;

  constructor(options: WebhookClientOptions) {
    this.#o = {
      timers: REAL_TIMERS,
      backoffMs: 1000,
      maxPending: 1000,
      fetch: globalThis.fetch,
      ...options,
      secret: options.secret,
    };
    if (!options.secret) options.log.warn('PARLEY_WEBHOOK_SECRET is not set: webhooks go unsigned');
  }

  /**
   * One delivery whose answer matters. Resolves with any HTTP answer below 300 or 4xx (the backend's decision);
   * rejects with a WebhookError on a timeout, an unreachable backend, a 3xx or a 5xx.
   */
  async ask(type: string, data: Record<string, unknown>): Promise<WebhookAnswer> {
    return this.#send(this.#envelope(type, data));
  }

  /** An event: delivered in the background, retried on failure; never throws. */
  emit(type: string, data: Record<string, unknown>): void {
    if (this.#closed) return;
    this.#attempt(this.#envelope(type, data), 0);
  }

  /** Stops retries and aborts deliveries in flight. Idempotent. */
  close(): void {
    this.#closed = true;
    for (const h of this.#pending.values()) this.#o.timers.clearTimeout(h);
    this.#pending.clear();
    for (const c of this.#inFlight) c.abort(new Error('webhook client closed'));
  }

  #envelope(type: string, data: Record<string, unknown>): Delivery {
    const id = randomUUID();
    const timestamp = this.#o.timers.now();
    return { id, type, timestamp, body: JSON.stringify({ id, type, seq: ++this.#seq, timestamp, data }) };
  }

  #attempt(e: Delivery, attempt: number): void {
    this.#send(e).then(
      (answer) => {
        if (answer.status >= 400 && answer.status !== 408 && answer.status !== 429) {
          this.#o.log.warn({ webhook: e.type, delivery: e.id, status: answer.status }, 'event webhook refused');
        } else if (answer.status >= 400) this.#retry(e, attempt, `HTTP ${answer.status}`);
      },
      (err: unknown) => this.#retry(e, attempt, err instanceof WebhookError ? err.code : String(err)),
    );
  }

  #retry(e: Delivery, attempt: number, why: string): void {
    const log = { webhook: e.type, delivery: e.id, attempt: attempt + 1, why };
    if (this.#closed) return;
    if (attempt >= this.#o.retries) {
      this.#o.log.warn(log, 'event webhook failed; no retries left, event dropped');
      return;
    }
    if (this.#pending.size >= this.#o.maxPending) {
      const [oldest] = this.#pending.keys();
      if (oldest !== undefined) {
        this.#o.timers.clearTimeout(this.#pending.get(oldest));
        this.#pending.delete(oldest);
        this.#o.log.warn({ delivery: oldest }, 'too many webhook events waiting for a retry: oldest dropped');
      }
    }
    const delay = this.#o.backoffMs * 2 ** attempt;
    this.#o.log.info({ ...log, retryInMs: delay }, 'event webhook failed; will retry');
    const handle = this.#o.timers.setTimeout(() => {
      this.#pending.delete(e.id);
      if (!this.#closed) this.#attempt(e, attempt + 1);
    }, delay);
    this.#pending.set(e.id, handle);
  }

  async #send(e: Delivery): Promise<WebhookAnswer> {
    const controller = new AbortController();
    this.#inFlight.add(controller);
    const timeout = AbortSignal.timeout(this.#o.timeoutMs);
    const signal = AbortSignal.any([controller.signal, timeout]);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'parley-webhooks/1',
      [EVENT_HEADER]: e.type,
      [DELIVERY_HEADER]: e.id,
      [TIMESTAMP_HEADER]: String(e.timestamp),
    };
    if (this.#o.secret) headers[SIGNATURE_HEADER] = signBody(this.#o.secret, e.body);
    try {
      const res = await this.#o.fetch(this.#o.url, {
        method: 'POST',
        headers,
        body: e.body,
        redirect: 'manual',
        signal,
      });
      const text = await readLimited(res);
      if (res.status >= 500 || (res.status >= 300 && res.status < 400)) {
        throw new WebhookError('WEBHOOK_BAD_STATUS', `the backend answered ${res.status}`, { httpStatus: res.status });
      }
      return { status: res.status, ...parseJson(text) };
    } catch (err) {
      if (err instanceof WebhookError) throw err;
      if (timeout.aborted) {
        throw new WebhookError('WEBHOOK_TIMEOUT', `no answer within ${this.#o.timeoutMs} ms`, { cause: err });
      }
      const reason = (err as { cause?: { code?: string } })?.cause?.code ?? (err as Error)?.message ?? String(err);
      throw new WebhookError('WEBHOOK_UNREACHABLE', `cannot reach the backend: ${reason}`, { cause: err });
    } finally {
      this.#inFlight.delete(controller);
    }
  }
}

/** The answer's body, read as it streams and given up past MAX_ANSWER_BYTES (Content-Length or not). */
async function readLimited(res: Response): Promise<string> {
  const tooLarge = () =>
    new WebhookError('WEBHOOK_ANSWER_TOO_LARGE', `the backend's answer is over ${MAX_ANSWER_BYTES} bytes`, {
      httpStatus: res.status,
    });
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > MAX_ANSWER_BYTES) {
    await res.body?.cancel();
    throw tooLarge();
  }
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_ANSWER_BYTES) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): { json: unknown; notJson?: string } {
  if (text.trim() === '') return { json: undefined };
  try {
    return { json: JSON.parse(text) };
  } catch (e) {
    return { json: undefined, notJson: (e as Error).message };
  }
}
