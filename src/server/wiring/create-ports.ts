// The SIP and media ports the server runs with: the user agents of src/sip (one per account, on sipHost) and
// the in-process media plane of src/media (mediaIp, mediaPorts), behind the interfaces of ../ports.ts.
import type { Logger } from 'pino';
import { InProcessMediaPlane } from '../../media/in-process-media-plane.js';
import type { MediaPlane } from '../../media/media-plane.js';
import type { ParleyConfig } from '../config/settings.js';
import type { MediaPort, SipPort } from '../ports.js';
import { MediaPlanePort } from './media-plane-port.js';
import { SipStackPort } from './sip-stack-port.js';

export interface Ports {
  sip: SipPort;
  media: MediaPort;
  /** The media plane itself, for the server's own media (service numbers 600/601, sounds). */
  plane: MediaPlane;
  /** Stops the media plane. Idempotent. */
  close(): Promise<void>;
}

export async function createPorts(config: ParleyConfig, log: Logger): Promise<Ports> {
  const plane = new InProcessMediaPlane({
    rtpAddress: config.mediaIp,
    rtpPortMin: config.mediaPorts.min,
    rtpPortMax: config.mediaPorts.max,
    // Feeds /metrics' packet counters (MediaPlanePort); legs closing report their last numbers themselves.
    statsIntervalMs: 5000,
    onDropped: (legId, reason) => log.debug({ legId, reason }, 'media packet dropped'),
  });
  const media = new MediaPlanePort(plane, log.child({ part: 'media' }));
  const sip = new SipStackPort({ host: config.sipHost, log: log.child({ part: 'sip' }) });
  let closing: Promise<void> | undefined;
  return {
    sip,
    media,
    plane,
    close: () => {
      closing ??= plane.close();
      return closing;
    },
  };
}
