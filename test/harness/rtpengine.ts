// rtpengine (Debian rtpengine-daemon 10.5) as the media relay, user-space only: `--table=-1` (no
// kernel module), foreground, NG control on a free loopback UDP port, its own media port range.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
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

export async function startRtpEngine(artifacts: Artifacts, timeoutMs = 10_000): Promise<RtpEngine> {
  const ngPort = await freeUdpPort();
  const mediaPorts = await freeUdpRange(200);
  // An empty config file: without --config-file the daemon would also read /etc/rtpengine/rtpengine.conf.
  const configPath = artifacts.path('rtpengine', 'rtpengine.conf');
  writeFileSync(configPath, '[rtpengine]\n');
  const proc = new PeerProcess({
    name: 'rtpengine',
    command: RTPENGINE_BIN,
    args: [
      `--config-file=${configPath}`,
      '--table=-1',
      '--foreground',
      '--log-stderr',
      '--log-level=6',
      `--interface=${LOOPBACK}`,
      `--listen-ng=${LOOPBACK}:${ngPort}`,
      `--port-min=${mediaPorts.min}`,
      `--port-max=${mediaPorts.max}`,
      '--delete-delay=0',
    ],
    logPath: artifacts.path('rtpengine', 'rtpengine.log'),
  });
  const stop = async () => {
    await proc.stop();
  };
  try {
    // NG protocol: "<cookie> <bencoded dict>"; a ping is answered by {"result": "pong"}.
    await proc.raceExit(
      udpProbe({
        host: LOOPBACK,
        port: ngPort,
        request: () => Buffer.from(`${randomBytes(6).toString('hex')} d7:command4:pinge`),
        accept: (reply) => reply.toString().includes('4:pong'),
        timeoutMs,
        what: 'rtpengine NG ping',
      }),
      'waiting for the NG ping answer',
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { ng: `${LOOPBACK}:${ngPort}`, mediaPorts, logPath: proc.logPath, stop };
}
