// Messages between WorkerMediaPlane (caller's thread) and media-plane-worker (its worker thread):
// plain data only (structured clone), which is what the MediaPlane interface was written for.

import type { MediaPlaneEvents } from '../media-plane.js';

export const PLANE_METHODS = [
  'createWebRtcLeg',
  'createRtpLeg',
  'connect',
  'applyOffer',
  'createOffer',
  'offerFollowingAnswer',
  'applyAnswer',
  'createAnswer',
  'rollback',
  'update',
  'sendDtmf',
  'play',
  'stopPlaying',
  'getStats',
  'closeLeg',
  'close',
] as const;

export type PlaneMethod = (typeof PLANE_METHODS)[number];

export interface PlaneRequest {
  id: number;
  method: PlaneMethod;
  args: unknown[];
}

export type PlaneResponse =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: { code: string; message: string; sipStatus: number | undefined } };

export type PlaneEventMessage = {
  [K in keyof MediaPlaneEvents]: { event: K; payload: MediaPlaneEvents[K] };
}[keyof MediaPlaneEvents];
