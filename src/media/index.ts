// The media plane's public surface: callers (the server) use the MediaPlane interface and its events;
// legs, bridge and packet code stay inside.
export { MediaError, type MediaErrorCode } from './errors.js';
export { InProcessMediaPlane, type InProcessMediaPlaneOptions } from './in-process-media-plane.js';
export type { LegStats, StreamKind, StreamStats } from './media-leg.js';
export type {
  LegId,
  MediaPlane,
  MediaPlaneEvents,
  MediaPlaneListener,
  RtpLegRequest,
  WebRtcLegRequest,
} from './media-plane.js';
export { WorkerMediaPlane } from './worker/worker-media-plane.js';
