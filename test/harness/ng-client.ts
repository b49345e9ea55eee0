// A client of rtpengine's NG control protocol: one UDP datagram per request, `<cookie> <bencoded dict>`,
// answered by `<cookie> <bencoded dict>` with `result: "ok"` (or "pong"), or "error" and `error-reason`.
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { type BencodeValue, bdecode, bencode } from './bencode.js';
import { HarnessError } from './errors.js';

export type NgDict = { [key: string]: BencodeValue };

export class NgClient {
  readonly #socket: Socket;
  readonly #host: string;
  readonly #port: number;
  readonly #pending = new Map<string, { resolve: (d: NgDict) => void; reject: (e: Error) => void }>();
  #closed = false;

  /** `ng` is "host:port", as in `--listen-ng`. */
  constructor(ng: string) {
    const at = ng.lastIndexOf(':');
    this.#host = ng.slice(0, at);
    this.#port = Number(ng.slice(at + 1));
    this.#socket = createSocket('udp4');
    this.#socket.on('message', (msg) => {
      const space = msg.indexOf(0x20);
      if (space < 0) return;
      const cookie = msg.toString('latin1', 0, space);
      const waiter = this.#pending.get(cookie);
      if (waiter === undefined) return;
      this.#pending.delete(cookie);
      const decoded = bdecode(msg.subarray(space + 1));
      if (!decoded.ok || typeof decoded.value !== 'object' || Array.isArray(decoded.value)) {
        waiter.reject(new HarnessError('HARNESS_CTRL_PROTOCOL', `rtpengine NG: undecodable reply to ${cookie}`));
        return;
      }
      waiter.resolve(decoded.value);
    });
  }

  /**
   * Sends `{ command, ...args }` and resolves with the reply; rejects on `result: "error"` (with its
   * `error-reason`) or when no reply came within `timeoutMs` (the request is sent once: loopback).
   */
  request(command: string, args: NgDict = {}, timeoutMs = 5000): Promise<NgDict> {
    if (this.#closed) return Promise.reject(new HarnessError('HARNESS_CTRL_PROTOCOL', 'NG client closed'));
    const cookie = randomBytes(8).toString('hex');
    return new Promise<NgDict>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(cookie);
        reject(new HarnessError('HARNESS_TIMEOUT', `rtpengine NG: no reply to ${command} in ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(cookie, {
        resolve: (d) => {
          clearTimeout(timer);
          if (d.result === 'error') {
            reject(new HarnessError('HARNESS_CTRL_COMMAND', `rtpengine NG ${command}: ${String(d['error-reason'])}`));
          } else resolve(d);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      const body = bencode({ ...args, command });
      this.#socket.send(Buffer.concat([Buffer.from(`${cookie} `), body]), this.#port, this.#host);
    });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const w of this.#pending.values()) w.reject(new HarnessError('HARNESS_CTRL_PROTOCOL', 'NG client closed'));
    this.#pending.clear();
    this.#socket.close();
  }
}
