// Free loopback ports chosen per run. A port is "free" when this process could bind it just now; the
// peer binds it a moment later. Ports are drawn at random BELOW the kernel's ephemeral range
// (/proc/sys/net/ipv4/ip_local_port_range, 32768-60999 on Debian), where every `bind(0)` and outgoing
// connection of the browsers, Kamailio and Parley itself lands: only another draw of the harness could then
// take the same port, and that is unlikely. A peer that still loses the race fails loudly (its log is kept),
// and baresip starts again with new ports.
import { randomInt } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

export const LOOPBACK = '127.0.0.1';

/** Binds UDP `port` (0: any) on loopback; resolves the port actually bound, or undefined when taken. */
function tryUdp(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => {
      socket.close();
      resolve(undefined);
    });
    socket.bind(port, LOOPBACK, () => {
      const bound = socket.address().port;
      socket.close(() => resolve(bound));
    });
  });
}

/** Binds TCP `port` (0: any) on loopback; resolves the port actually bound, or undefined when taken. */
function tryTcp(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => {
      server.close();
      resolve(undefined);
    });
    server.listen({ port, host: LOOPBACK, exclusive: true }, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address !== null ? address.port : undefined;
      server.close(() => resolve(bound));
    });
  });
}

/** Single ports (SIP listeners, control ports) come from here; media ranges from MEDIA_RANGE. */
const SIGNAL_RANGE = { min: 10_000, max: 19_999 };
const MEDIA_RANGE = { min: 20_000, max: 32_000 };

const drawSignalPort = () => randomInt(SIGNAL_RANGE.min, SIGNAL_RANGE.max);

export async function freeUdpPort(attempts = 50): Promise<number> {
  for (let i = 0; i < attempts; i++) {
    const port = await tryUdp(drawSignalPort());
    if (port !== undefined) return port;
  }
  throw new Error(`freeUdpPort: no free UDP port on 127.0.0.1 after ${attempts} draws`);
}

export async function freeTcpPort(attempts = 50): Promise<number> {
  for (let i = 0; i < attempts; i++) {
    const port = await tryTcp(drawSignalPort());
    if (port !== undefined) return port;
  }
  throw new Error(`freeTcpPort: no free TCP port on 127.0.0.1 after ${attempts} draws`);
}

/**
 * A port free on both UDP and TCP (a SIP listener takes both). With `withTlsNext`, TCP port+1 is free too:
 * baresip binds its SIP/TLS listener there.
 */
export async function freeSipPort(attempts = 50, withTlsNext = false): Promise<number> {
  for (let i = 0; i < attempts; i++) {
    const port = await tryUdp(drawSignalPort());
    if (port === undefined || (await tryTcp(port)) !== port) continue;
    if (!withTlsNext || (port < 65535 && (await tryTcp(port + 1)) === port + 1)) return port;
  }
  throw new Error(`freeSipPort: no port free on both UDP and TCP after ${attempts} attempts`);
}

export interface PortRange {
  min: number;
  max: number;
}

/**
 * `count` consecutive UDP ports, all free now, for a media range (RTP takes even ports, RTCP the next
 * odd one). Searches from a random even base in [lowest, highest].
 */
export async function freeUdpRange(
  count: number,
  lowest = MEDIA_RANGE.min,
  highest = MEDIA_RANGE.max,
  attempts = 40,
): Promise<PortRange> {
  for (let i = 0; i < attempts; i++) {
    const min = randomInt(lowest / 2, (highest - count) / 2) * 2;
    let ok = true;
    for (let port = min; port < min + count && ok; port++) ok = (await tryUdp(port)) === port;
    if (ok) return { min, max: min + count - 1 };
  }
  throw new Error(`freeUdpRange: no ${count} consecutive free UDP ports after ${attempts} attempts`);
}

/** Whether some socket is bound to UDP `port` (any address), read from /proc/net/udp without binding. */
export function isUdpPortBound(port: number): boolean {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return readFileSync('/proc/net/udp', 'utf8')
    .split('\n')
    .slice(1)
    .some((line) => line.trim().split(/\s+/)[1]?.endsWith(hex) === true);
}

/**
 * Resolves true once some process has bound UDP `port` (for peers that print no readiness line, like
 * sipp without a terminal), false when `signal` aborts first. Probing by binding would race the peer's
 * own bind, so it reads /proc/net/udp every `intervalMs`; the caller bounds it with a timeout.
 */
export async function waitForUdpPortBound(port: number, signal: AbortSignal, intervalMs = 20): Promise<boolean> {
  while (!isUdpPortBound(port)) {
    if (signal.aborted) return false;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  return true;
}
