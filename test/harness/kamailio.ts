// Kamailio (Debian kamailio 5.6) as registrar and proxy on loopback, run in the foreground
// (`-DD -E`), optionally with rtpengine anchoring the media. Ready when it answers an OPTIONS.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import type { Artifacts } from './artifacts.js';
import { kamailioConfig, type SipUser } from './kamailio-config.js';
import { PeerProcess } from './peer-process.js';
import { freeSipPort, LOOPBACK } from './ports.js';
import { type RtpEngine, startRtpEngine } from './rtpengine.js';
import { udpProbe } from './udp-probe.js';

export const KAMAILIO_BIN = '/usr/sbin/kamailio';

export interface StartKamailioOptions {
  users: SipUser[];
  /** Start an rtpengine and anchor every call's media there (SDP c= points at rtpengine). */
  rtpengine?: boolean;
  timeoutMs?: number;
}

export interface Kamailio {
  host: string;
  /** UDP and TCP port (the same number). */
  port: number;
  /**
   * SIP domain of the users, "127.0.0.1:PORT": AORs are sip:user@127.0.0.1:PORT. The port is part of it
   * because Kamailio's alias carries the port (the digest realm is "127.0.0.1").
   */
  domain: string;
  /** Outbound proxy / registrar URI ("sip:127.0.0.1:PORT"). */
  uri: string;
  logPath: string;
  configPath: string;
  rtpengine: RtpEngine | undefined;
  /** sip:user@domain. */
  aor(user: string): string;
  stop(): Promise<void>;
}

function optionsProbe(port: number, attempt: number): Buffer {
  const branch = `z9hG4bK-probe-${randomBytes(6).toString('hex')}`;
  return Buffer.from(
    `OPTIONS sip:${LOOPBACK}:${port} SIP/2.0\r\n` +
      `Via: SIP/2.0/UDP ${LOOPBACK}:9;branch=${branch};rport\r\n` +
      'Max-Forwards: 70\r\n' +
      `From: <sip:probe@${LOOPBACK}>;tag=${randomBytes(4).toString('hex')}\r\n` +
      `To: <sip:${LOOPBACK}:${port}>\r\n` +
      `Call-ID: probe-${randomBytes(8).toString('hex')}\r\n` +
      `CSeq: ${attempt + 1} OPTIONS\r\n` +
      'Content-Length: 0\r\n\r\n',
  );
}

export async function startKamailio(artifacts: Artifacts, options: StartKamailioOptions): Promise<Kamailio> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const rtpengine = options.rtpengine ? await startRtpEngine(artifacts, timeoutMs) : undefined;
  const port = await freeSipPort();
  const configPath = artifacts.path('kamailio', 'kamailio.cfg');
  writeFileSync(
    configPath,
    kamailioConfig({ port, users: options.users, ...(rtpengine ? { rtpengineNg: rtpengine.ng } : {}) }),
  );
  const proc = new PeerProcess({
    name: 'kamailio',
    command: KAMAILIO_BIN,
    // -DD: no fork into the background; -E: log to stderr; -n 1 -m/-M: small shared/private memory.
    args: ['-DD', '-E', '-f', configPath, '-m', '64', '-M', '8', '-Y', artifacts.subdir('kamailio/run')],
    logPath: artifacts.path('kamailio', 'kamailio.log'),
  });
  const stop = async () => {
    await proc.stop();
    await rtpengine?.stop();
  };
  try {
    // The probe's Via sends the 200 back to port 9; rport makes Kamailio answer the source port.
    await proc.raceExit(
      udpProbe({
        host: LOOPBACK,
        port,
        request: (n) => optionsProbe(port, n),
        accept: (reply) => reply.toString().startsWith('SIP/2.0 200'),
        timeoutMs,
        what: 'kamailio OPTIONS probe',
      }),
      'waiting for the OPTIONS probe answer',
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    host: LOOPBACK,
    port,
    domain: `${LOOPBACK}:${port}`,
    uri: `sip:${LOOPBACK}:${port}`,
    logPath: proc.logPath,
    configPath,
    rtpengine,
    aor: (user) => `sip:${user}@${LOOPBACK}:${port}`,
    stop,
  };
}
