// rtpengine (Debian rtpengine-daemon 10.5) as the media relay, user-space only: `--table=-1` (no
// kernel module), foreground, NG control on a free loopback UDP port, its own media port range.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Artifacts } from './artifacts.js';
import { PeerProcess } from './peer-process.js';
import { freeUdpPort, freeUdpRange, LOOPBACK, type PortRange } from './ports.js';
import { udpProbe } from './udp-probe.js';

export const RTPENGINE_BIN = '/usr/bin/rtpengine';

export interface RtpEngine {
  /** "127.0.0.1:PORT" of the NG control protocol (what Kamailio's rtpengine_sock takes). */
  ng: string;
  mediaPorts: PortRange;
  logPath: string;
  stop(): Promise<void>;
}

export interface LaunchRtpEngineOptions {
  /** Where its empty config file and its log go. */
  dir: string;
  mediaPorts: PortRange;
  logLevel: number;
  /** Options beyond the common ones (e.g. `--timeout=3600`). */
  extraArgs?: string[];
  timeoutMs?: number;
}

/**
 * Starts the daemon (user space, foreground, NG on a free loopback port, an empty config file: without
 * --config-file it would also read /etc/rtpengine/rtpengine.conf) and resolves once it answers an NG ping.
 * For the e2e harness (startRtpEngine) and the media benchmark.
 */
export async function launchRtpEngine(o: LaunchRtpEngineOptions): Promise<{ proc: PeerProcess; ngPort: number }> {
  const ngPort = await freeUdpPort();
  const configPath = join(o.dir, 'rtpengine.conf');
  writeFileSync(configPath, '[rtpengine]\n');
  const proc = new PeerProcess({
    name: 'rtpengine',
    command: RTPENGINE_BIN,
    args: [
      `--config-file=${configPath}`,
      '--table=-1',
      '--foreground',
      '--log-stderr',
      `--log-level=${o.logLevel}`,
      `--interface=${LOOPBACK}`,
      `--listen-ng=${LOOPBACK}:${ngPort}`,
      `--port-min=${o.mediaPorts.min}`,
      `--port-max=${o.mediaPorts.max}`,
      '--delete-delay=0',
      ...(o.extraArgs ?? []),
    ],
    logPath: join(o.dir, 'rtpengine.log'),
  });
  try {
    // NG protocol: "<cookie> <bencoded dict>"; a ping is answered by {"result": "pong"}.
    await proc.raceExit(
      udpProbe({
        host: LOOPBACK,
        port: ngPort,
        request: () => Buffer.from(`${randomBytes(6).toString('hex')} d7:command4:pinge`),
        accept: (reply) => reply.toString().includes('4:pong'),
        timeoutMs: o.timeoutMs ?? 10_000,
        what: 'rtpengine NG ping',
      }),
      'waiting for the NG ping answer',
    );
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return { proc, ngPort };
}

export async function startRtpEngine(artifacts: Artifacts, timeoutMs = 10_000): Promise<RtpEngine> {
  const mediaPorts = await freeUdpRange(200);
  const dir = dirname(artifacts.path('rtpengine', 'rtpengine.conf'));
  const { proc, ngPort } = await launchRtpEngine({ dir, mediaPorts, logLevel: 6, timeoutMs });
  return {
    ng: `${LOOPBACK}:${ngPort}`,
    mediaPorts,
    logPath: proc.logPath,
    stop: async () => {
      await proc.stop();
    },
  };
}
