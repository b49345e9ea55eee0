// One connection to baresip's ctrl_tcp module: commands as netstring-framed JSON
// {"command","params","token"}, answered by {"response":true,"ok","data","token"}; events
// {"event":true,"type",...} arrive on the same connection. baresip sends events only to its latest
// connection, so an instance keeps exactly one.
import { connect, type Socket } from 'node:net';
import { HarnessError, withTimeout } from './errors.js';
import { decodeNetstrings, encodeNetstring } from './netstring.js';

/** An event as ctrl_tcp reports it (baresip 1.0 ua_event names: REGISTER_OK, CALL_ESTABLISHED, ...). */
export interface BaresipEvent {
  type: string;
  class?: string;
  accountaor?: string;
  direction?: string;
  peeruri?: string;
  /** Call-ID of the call (class "call"). */
  id?: string;
  /** Event detail: the close reason, the DTMF key, "offer"/"answer" for SDP, the register status. */
  param?: string;
}

export interface CtrlResponse {
  ok: boolean;
  data: string;
}

type Waiter = { match: (e: BaresipEvent) => boolean; resolve: (e: BaresipEvent) => void; reject: (e: Error) => void };

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export class BaresipCtrl {
  /** Every event received, oldest first. */
  readonly events: BaresipEvent[] = [];
  readonly #socket: Socket;
  readonly #name: string;
  readonly #onLog: (line: string) => void;
  #rest: Buffer = Buffer.alloc(0);
  #nextToken = 1;
  #pending = new Map<string, { resolve: (r: CtrlResponse) => void; reject: (e: Error) => void }>();
  #waiters = new Set<Waiter>();
  #closedError: Error | undefined;

  private constructor(socket: Socket, name: string, onLog: (line: string) => void) {
    this.#socket = socket;
    this.#name = name;
    this.#onLog = onLog;
    socket.on('data', (chunk) => this.#onData(chunk));
    socket.on('error', (err) => this.#fail(new HarnessError('HARNESS_CTRL_PROTOCOL', `${name} ctrl: ${err.message}`)));
    socket.on('close', () => this.#fail(new HarnessError('HARNESS_CTRL_PROTOCOL', `${name} ctrl: connection closed`)));
  }

  static connect(port: number, name: string, onLog: (line: string) => void, timeoutMs = 5000): Promise<BaresipCtrl> {
    const connecting = new Promise<BaresipCtrl>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new BaresipCtrl(socket, name, onLog));
      });
    });
    return withTimeout(connecting, timeoutMs, `${name}: connect to ctrl_tcp port ${port}`);
  }

  /** Sends a command (`dial`, `accept`, ...) and resolves with its response; rejects when not ok. */
  async command(command: string, params = '', timeoutMs = 5000): Promise<string> {
    const token = String(this.#nextToken++);
    const response = new Promise<CtrlResponse>((resolve, reject) => {
      if (this.#closedError) return reject(this.#closedError);
      this.#pending.set(token, { resolve, reject });
    });
    this.#onLog(`> ${command} ${params}`);
    this.#socket.write(encodeNetstring(JSON.stringify({ command, params, token })));
    try {
      const r = await withTimeout(response, timeoutMs, `${this.#name}: response to ${command}`);
      if (!r.ok)
        throw new HarnessError('HARNESS_CTRL_COMMAND', `${this.#name}: ${command} ${params} failed: ${r.data}`);
      return r.data;
    } finally {
      this.#pending.delete(token);
    }
  }

  /**
   * Resolves with the first event matching `predicate`, looking first at events already received after
   * index `since` (default: all), then at new ones.
   */
  waitFor(
    predicate: (e: BaresipEvent) => boolean,
    timeoutMs: number,
    since = 0,
    what = 'event',
  ): Promise<BaresipEvent> {
    const seen = this.events.slice(since).find(predicate);
    if (seen) return Promise.resolve(seen);
    let waiter: Waiter | undefined;
    const found = new Promise<BaresipEvent>((resolve, reject) => {
      if (this.#closedError) return reject(this.#closedError);
      waiter = { match: predicate, resolve, reject };
      this.#waiters.add(waiter);
    });
    const describe = () => this.events.map((e) => `${e.type}${e.param ? `(${e.param})` : ''}`).join(', ');
    return withTimeout(found, timeoutMs, `${this.#name}: waiting for ${what}`)
      .catch((err: unknown) => {
        throw err instanceof HarnessError && err.code === 'HARNESS_TIMEOUT'
          ? new HarnessError('HARNESS_TIMEOUT', `${err.message}; events so far: ${describe() || 'none'}`)
          : err;
      })
      .finally(() => {
        if (waiter) this.#waiters.delete(waiter);
      });
  }

  close(): void {
    this.#socket.destroy();
  }

  #onData(chunk: Buffer): void {
    const decoded = decodeNetstrings(Buffer.concat([this.#rest, chunk]));
    if (!decoded.ok) {
      this.#fail(new HarnessError('HARNESS_CTRL_PROTOCOL', `${this.#name} ctrl: ${decoded.error}`));
      this.#socket.destroy();
      return;
    }
    this.#rest = Buffer.from(decoded.rest);
    for (const frame of decoded.frames) this.#onFrame(frame.toString('utf8'));
  }

  #onFrame(text: string): void {
    this.#onLog(`< ${text}`);
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch (err) {
      this.#onLog(`! not JSON, ignored: ${String(err)}`);
      return;
    }
    if (typeof msg !== 'object' || msg === null) return;
    const m = msg as Record<string, unknown>;
    if (m.response === true) {
      const token = str(m.token);
      const pending = token === undefined ? undefined : this.#pending.get(token);
      pending?.resolve({ ok: m.ok === true, data: str(m.data) ?? '' });
      return;
    }
    if (m.event === true && typeof m.type === 'string') {
      const event: BaresipEvent = { type: m.type };
      for (const key of ['class', 'accountaor', 'direction', 'peeruri', 'id', 'param'] as const) {
        const v = str(m[key]);
        if (v !== undefined) event[key] = v;
      }
      this.events.push(event);
      for (const w of this.#waiters) {
        if (w.match(event)) {
          this.#waiters.delete(w);
          w.resolve(event);
        }
      }
    }
  }

  #fail(err: Error): void {
    if (this.#closedError) return;
    this.#closedError = err;
    for (const p of this.#pending.values()) p.reject(err);
    this.#pending.clear();
    for (const w of this.#waiters) w.reject(err);
    this.#waiters.clear();
  }
}
