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
  PlayOptions,
  RtpLegRequest,
  WebRtcLegRequest,
} from './media-plane.js';
export { configurePacketPath, type PacketPathMode, packetPathInUse } from './native/native-addon.js';
// Server-side media (sources/): what play() takes, and G.711/tone helpers for detection.
export { decodeG711, encodeG711, type G711Law } from './sources/g711.js';
export { goertzelPower, toneRatio } from './sources/goertzel.js';
export { DTMF_FREQUENCIES, type MediaSource } from './sources/pcm-source.js';
export { parseWav, writeWav } from './sources/wav.js';
export { WorkerMediaPlane } from './worker/worker-media-plane.js';
