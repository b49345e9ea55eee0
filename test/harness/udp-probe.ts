// A request/response probe over UDP, retransmitted until the peer answers: how the harness learns
// that a freshly started Kamailio or rtpengine is ready, without sleeping.
import { createSocket } from 'node:dgram';
import { HarnessError } from './errors.js';

export interface UdpProbeOptions {
  host: string;
  port: number;
  /** Builds the datagram for attempt n (fresh transaction ids per attempt if the protocol wants them). */
  request: (attempt: number) => Buffer;
  /** True for the datagram that proves readiness. */
  accept: (reply: Buffer) => boolean;
  timeoutMs: number;
  /** Retransmission interval; RFC 3261 §17.1.2.2 uses T1 = 500 ms, a local probe can go faster. */
  intervalMs?: number;
  what: string;
}

export function udpProbe(options: UdpProbeOptions): Promise<Buffer> {
  const { host, port, timeoutMs, intervalMs = 100 } = options;
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    let attempt = 0;
    let done = false;
    const finish = (err: Error | undefined, reply?: Buffer) => {
      if (done) return;
      done = true;
      clearInterval(retransmit);
      clearTimeout(deadline);
      socket.close();
      if (err) reject(err);
      else resolve(reply ?? Buffer.alloc(0));
    };
    const send = () => {
      // Before the peer binds, the datagram is dropped (unconnected socket): the next attempt retries.
      socket.send(options.request(attempt++), port, host, (err) => {
        if (err) finish(new HarnessError('HARNESS_TIMEOUT', `${options.what}: send failed: ${err.message}`));
      });
    };
    socket.on('message', (msg) => {
      if (options.accept(msg)) finish(undefined, msg);
    });
    socket.on('error', (err) => finish(new HarnessError('HARNESS_TIMEOUT', `${options.what}: ${err.message}`)));
    const retransmit = setInterval(send, intervalMs);
    const deadline = setTimeout(
      () => finish(new HarnessError('HARNESS_TIMEOUT', `${options.what}: no answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.bind(0, '127.0.0.1', send);
  });
}
