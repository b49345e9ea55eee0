// Worker-thread entry: hosts an InProcessMediaPlane and serves PlaneRequests from the parent thread.

import { parentPort, workerData } from 'node:worker_threads';
import { InProcessMediaPlane, type InProcessMediaPlaneOptions } from '../in-process-media-plane.js';
import type { MediaPlane, MediaPlaneEvents } from '../media-plane.js';
import { PLANE_METHODS, type PlaneEventMessage, type PlaneRequest, type PlaneResponse } from './protocol.js';

const port = parentPort;
if (port === null) throw new Error('media-plane-worker must run in a worker thread');

const plane = new InProcessMediaPlane(workerData as InProcessMediaPlaneOptions);
const events: (keyof MediaPlaneEvents)[] = ['connected', 'dtmf', 'failed', 'stats', 'pictureFastUpdate', 'playEnded'];
for (const event of events) {
  plane.on(event, (payload) => port.postMessage({ event, payload } as PlaneEventMessage));
}

const isRequest = (m: unknown): m is PlaneRequest =>
  typeof m === 'object' &&
  m !== null &&
  typeof (m as PlaneRequest).id === 'number' &&
  (PLANE_METHODS as readonly string[]).includes((m as PlaneRequest).method) &&
  Array.isArray((m as PlaneRequest).args);

port.on('message', async (m: unknown) => {
  if (!isRequest(m)) return;
  let reply: PlaneResponse;
  try {
    const method = plane[m.method] as (...args: unknown[]) => Promise<unknown>;
    reply = { id: m.id, ok: true, value: await method.apply(plane as MediaPlane, m.args) };
  } catch (e) {
    const err = e as { code?: unknown; message?: unknown; sipStatus?: unknown };
    reply = {
      id: m.id,
      ok: false,
      error: {
        code: typeof err.code === 'string' ? err.code : 'MEDIA_BAD_STATE',
        message: typeof err.message === 'string' ? err.message : String(e),
        sipStatus: typeof err.sipStatus === 'number' ? err.sipStatus : undefined,
      },
    };
  }
  port.postMessage(reply);
  if (m.method === 'close') port.close();
});
