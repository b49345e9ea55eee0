// Test helpers for the media plane's socket tests: wait for an event with a deadline (never a sleep).
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';

export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export async function udpPeer(): Promise<Socket> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  return s;
}

export function nextMessage(s: Socket, ms = 2000): Promise<{ msg: Buffer; rinfo: RemoteInfo }> {
  return within(
    new Promise((resolve) => s.once('message', (msg, rinfo) => resolve({ msg, rinfo }))),
    ms,
    'a UDP datagram',
  );
}

export const portOf = (s: Socket): number => s.address().port;

/** Resolves with the next `n` datagrams `s` receives. */
export function collect(s: Socket, n: number, what: string, ms = 3000): Promise<Buffer[]> {
  const got: Buffer[] = [];
  return within(
    new Promise((resolve) => {
      const on = (msg: Buffer) => {
        got.push(msg);
        if (got.length === n) {
          s.off('message', on);
          resolve(got);
        }
      };
      s.on('message', on);
    }),
    ms,
    what,
  );
}
