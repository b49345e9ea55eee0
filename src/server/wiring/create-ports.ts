// The SIP and media ports the server runs with: the gateway's SIP listener of src/sip (sipHost:sipPort, UDP
// and TCP, TLS when configured; one user agent per account on it) and the in-process media plane of src/media
// (mediaIp, mediaPorts), behind the interfaces of ../ports.ts.
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { InProcessMediaPlane } from '../../media/in-process-media-plane.js';
import { configurePacketPath, packetPathInUse } from '../../media/index.js';
import type { MediaPlane } from '../../media/media-plane.js';
import { type ListenConfig, SipEndpoint } from '../../sip/index.js';
import type { ParleyConfig } from '../config/settings.js';
import type { MediaPort, SipPort } from '../ports.js';
import { MediaPlanePort } from './media-plane-port.js';
import { SipStackPort } from './sip-stack-port.js';

export interface Ports {
  sip: SipPort;
  media: MediaPort;
  /** The media plane itself, for the server's own media (service numbers 600/601, sounds). */
  plane: MediaPlane;
  /** The gateway's SIP listener (its bound addresses: real ports when 0 was configured). */
  endpoint: SipEndpoint;
  /** Closes the SIP listener (every account's UA first: BYE, un-REGISTER), then the media plane. Idempotent. */
  close(): Promise<void>;
}

/** Where the gateway listens for SIP: UDP and TCP on sipHost:sipPort, TLS when a certificate is configured. */
export function sipListenConfig(config: ParleyConfig): ListenConfig[] {
  const listen: ListenConfig[] = [
    { transport: 'UDP', host: config.sipHost, port: config.sipPort },
    { transport: 'TCP', host: config.sipHost, port: config.sipPort },
  ];
  if (config.sipTlsCert !== undefined && config.sipTlsKey !== undefined) {
    listen.push({
      transport: 'TLS',
      host: config.sipHost,
      port: config.sipTlsPort ?? (config.sipPort === 0 ? 0 : config.sipPort + 1),
      tls: { cert: readFileSync(config.sipTlsCert), key: readFileSync(config.sipTlsKey) },
    });
  }
  return listen;
}

export async function createPorts(config: ParleyConfig, log: Logger): Promise<Ports> {
  // First: PARLEY_MEDIA_PACKET_PATH=native without the addon refuses to start before anything listens.
  configurePacketPath(config.mediaPacketPath);
  log.child({ part: 'media' }).info(packetPathInUse(), 'media packet path');
  const sipLog = log.child({ part: 'sip' });
  let endpoint: SipEndpoint;
  try {
    endpoint = await SipEndpoint.listen({ listen: sipListenConfig(config), logger: sipLog });
  } catch (e) {
    throw new Error(
      `the gateway's SIP listener cannot start on ${config.sipHost}:${config.sipPort} (${(e as Error).message}); ` +
        'set PARLEY_SIP_PORT to a free port (0 picks one)',
      { cause: e },
    );
  }
  sipLog.info(
    { listen: endpoint.transport.addresses.map((a) => `${a.transport.toLowerCase()}:${a.host}:${a.port}`) },
    'SIP listening',
  );
  const plane = new InProcessMediaPlane({
    rtpAddress: config.mediaIp,
    rtpPortMin: config.mediaPorts.min,
    rtpPortMax: config.mediaPorts.max,
    // Feeds /metrics' packet counters (MediaPlanePort); legs closing report their last numbers themselves.
    statsIntervalMs: 5000,
    onDropped: (legId, reason) => log.debug({ legId, reason }, 'media packet dropped'),
  });
  const media = new MediaPlanePort(plane, log.child({ part: 'media' }), {
    sdesSrtp: config.sipMediaEncryption === 'sdes',
  });
  const sip = new SipStackPort({ endpoint, log: sipLog });
  let closing: Promise<void> | undefined;
  return {
    sip,
    media,
    plane,
    endpoint,
    close: () => {
      closing ??= endpoint.close().finally(() => plane.close());
      return closing;
    },
  };
}
