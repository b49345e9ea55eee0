// UDP ports for RTP legs from a configured range (RFC 3550 §11: RTP on an even port, RTCP on the next
// odd one; RFC 5761 rtcp-mux needs only the RTP port). Ports are tried from a moving cursor so that a
// port just released is not reused at once (late packets of the old call would reach the new one).

import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { MediaError } from './errors.js';

export interface PortPair {
  port: number;
  rtp: Socket;
  /** undefined when the pair was taken for rtcp-mux. */
  rtcp: Socket | undefined;
  /**
   * Where the sockets' asynchronous errors go (ICMP errors reported on a later send, EACCES, ...). Each socket
   * keeps an `error` listener from bind to close: an 'error' event without one is an uncaughtException.
   */
  onError: ((error: Error, socket: 'rtp' | 'rtcp') => void) | undefined;
}

export interface PortPoolOptions {
  /** Bind address of RTP sockets. */
  address: string;
  /** Inclusive range; min is rounded up to even. */
  min: number;
  max: number;
}

/**
 * RTP legs send only to IP literals (SDP c= lines are checked: MEDIA_BAD_ADDRESS). Node's default
 * lookup still defers every send to the next tick through dns.lookup; answering at once saves a
 * tick per packet (bench/media). A name is refused, never resolved.
 */
function literalLookup(
  address: string,
  _family: unknown,
  callback: (error: Error | null, address: string, family: number) => void,
): void {
  const family = isIP(address);
  if (family === 0) callback(new Error(`not an IP address: ${address}`), address, 0);
  else callback(null, address, family);
}

function bind(address: string, port: number, onError: (error: Error) => void): Promise<Socket | undefined> {
  return new Promise((resolve) => {
    const s = createSocket({ type: address.includes(':') ? 'udp6' : 'udp4', lookup: literalLookup });
    const onBindError = () => {
      s.close();
      resolve(undefined);
    };
    s.once('error', onBindError);
    s.bind(port, address, () => {
      s.off('error', onBindError);
      s.on('error', onError);
      resolve(s);
    });
  });
}

export class PortPool {
  readonly #options: PortPoolOptions;
  #cursor: number;
  readonly #inUse = new Set<number>();

  constructor(options: PortPoolOptions) {
    const min = options.min + (options.min % 2);
    if (min + 1 > options.max)
      throw new MediaError('MEDIA_NO_PORT', `empty RTP port range ${options.min}-${options.max}`);
    this.#options = { ...options, min };
    this.#cursor = min;
  }

  get inUse(): number {
    return this.#inUse.size;
  }

  /** Binds an even RTP port (and RTCP on port+1 unless rtcpMux). Rejects with MEDIA_NO_PORT when none is free. */
  async allocate(rtcpMux: boolean): Promise<PortPair> {
    const { min, max, address } = this.#options;
    const slots = Math.floor((max - min + 1) / 2);
    for (let tried = 0; tried < slots; tried++) {
      const port = this.#cursor;
      this.#cursor = port + 2 > max - 1 ? min : port + 2;
      if (this.#inUse.has(port)) continue;
      const pair: { onError: PortPair['onError'] } = { onError: undefined };
      const rtp = await bind(address, port, (e) => pair.onError?.(e, 'rtp'));
      if (rtp === undefined) continue;
      let rtcp: Socket | undefined;
      if (!rtcpMux) {
        rtcp = await bind(address, port + 1, (e) => pair.onError?.(e, 'rtcp'));
        if (rtcp === undefined) {
          rtp.close();
          continue;
        }
      }
      this.#inUse.add(port);
      return Object.assign(pair, { port, rtp, rtcp });
    }
    throw new MediaError('MEDIA_NO_PORT', `no free RTP port in ${min}-${max} on ${address}`);
  }

  release(pair: PortPair): void {
    if (!this.#inUse.delete(pair.port)) return;
    pair.rtp.close();
    pair.rtcp?.close();
  }
}
