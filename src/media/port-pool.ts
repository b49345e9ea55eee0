// UDP ports for RTP legs from a configured range (RFC 3550 §11: RTP on an even port, RTCP on the next
// odd one; RFC 5761 rtcp-mux needs only the RTP port). Ports are tried from a moving cursor so that a
// port just released is not reused at once (late packets of the old call would reach the new one).

import { createSocket, type Socket } from 'node:dgram';
import { MediaError } from './errors.js';

export interface PortPair {
  port: number;
  rtp: Socket;
  /** undefined when the pair was taken for rtcp-mux. */
  rtcp: Socket | undefined;
}

export interface PortPoolOptions {
  /** Bind address of RTP sockets. */
  address: string;
  /** Inclusive range; min is rounded up to even. */
  min: number;
  max: number;
}

function bind(address: string, port: number): Promise<Socket | undefined> {
  return new Promise((resolve) => {
    const s = createSocket({ type: address.includes(':') ? 'udp6' : 'udp4' });
    const onError = () => {
      s.close();
      resolve(undefined);
    };
    s.once('error', onError);
    s.bind(port, address, () => {
      s.off('error', onError);
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
      const rtp = await bind(address, port);
      if (rtp === undefined) continue;
      let rtcp: Socket | undefined;
      if (!rtcpMux) {
        rtcp = await bind(address, port + 1);
        if (rtcp === undefined) {
          rtp.close();
          continue;
        }
      }
      this.#inUse.add(port);
      return { port, rtp, rtcp };
    }
    throw new MediaError('MEDIA_NO_PORT', `no free RTP port in ${min}-${max} on ${address}`);
  }

  release(pair: PortPair): void {
    if (!this.#inUse.delete(pair.port)) return;
    pair.rtp.close();
    pair.rtcp?.close();
  }
}
