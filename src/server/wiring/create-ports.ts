// The SIP and media ports the server runs with. This is where the real user agent (src/sip) and media plane
// (src/media) plug in, behind the interfaces of ../ports.ts.
import type { Logger } from 'pino';
import type { ParleyConfig } from '../config/settings.js';
import type { MediaPort, SipPort } from '../ports.js';
import { UnwiredMediaPort, UnwiredSipPort } from './unwired-ports.js';

export interface Ports {
  sip: SipPort;
  media: MediaPort;
  /** Stops the SIP transports and the media plane. Idempotent. */
  close(): Promise<void>;
}

export async function createPorts(_config: ParleyConfig, log: Logger): Promise<Ports> {
  // TODO(issue 5): wire the src/sip UserAgent (on sipHost:sipPort) and the src/media MediaPlane (mediaIp,
  // mediaPorts) here once they are committed.
  log.warn('the SIP stack and media plane are not wired yet: registrations and calls are refused with 503');
  return { sip: new UnwiredSipPort(), media: new UnwiredMediaPort(), close: async () => undefined };
}
