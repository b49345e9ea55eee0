// The MediaPlane in a worker thread: same interface, each call a message (plain data both ways), events
// re-emitted here. One per core, each owning whole calls (both legs of a call must live in one plane).

import { EventEmitter } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { Direction } from '../../sdp/index.js';
import { MediaError, type MediaErrorCode } from '../errors.js';
import type { InProcessMediaPlaneOptions } from '../in-process-media-plane.js';
import type { LegStats } from '../media-leg.js';
import type {
  LegId,
  MediaPlane,
  MediaPlaneEvents,
  MediaPlaneListener,
  PlayOptions,
  RtpLegRequest,
  WebRtcLegRequest,
} from '../media-plane.js';
import type { MediaSource } from '../sources/pcm-source.js';
import type { PlaneEventMessage, PlaneMethod, PlaneResponse } from './protocol.js';

export class WorkerMediaPlane implements MediaPlane {
  readonly #worker: Worker;
  readonly #events = new EventEmitter();
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  #nextId = 1;
  #closing: Promise<void> | undefined;

  constructor(options: InProcessMediaPlaneOptions) {
    const { onDropped, ...data } = options;
    if (onDropped !== undefined) {
      // A function cannot cross threads; dropped packets are visible in stats instead.
      throw new MediaError('MEDIA_BAD_STATE', 'onDropped is not available across threads: read stats');
    }
    const here = import.meta.url;
    const ts = here.endsWith('.ts');
    const entry = new URL(`./media-plane-worker.${ts ? 'ts' : 'js'}`, here);
    this.#worker = ts
      ? new Worker(new URL('./tsx-bootstrap.mjs', here), { workerData: { ...data, entry: entry.href } })
      : new Worker(entry, { workerData: data });
    this.#worker.on('message', (m: PlaneResponse | PlaneEventMessage) => this.#onMessage(m));
    this.#worker.on('error', (e) => this.#failAll(e));
    this.#worker.on('exit', (code) =>
      this.#failAll(new MediaError('MEDIA_CLOSED', `media plane worker exited (${code})`)),
    );
  }

  #onMessage(m: PlaneResponse | PlaneEventMessage): void {
    if ('event' in m) {
      this.#events.emit(m.event, m.payload);
      return;
    }
    const p = this.#pending.get(m.id);
    if (p === undefined) return;
    this.#pending.delete(m.id);
    if (m.ok) p.resolve(m.value);
    else
      p.reject(
        new MediaError(
          m.error.code as MediaErrorCode,
          m.error.message.replace(/^\[[A-Z_]+\] /, ''),
          m.error.sipStatus === undefined ? {} : { sipStatus: m.error.sipStatus },
        ),
      );
  }

  #failAll(e: unknown): void {
    for (const p of this.#pending.values()) p.reject(e);
    this.#pending.clear();
  }

  #call<T>(method: PlaneMethod, ...args: unknown[]): Promise<T> {
    if (this.#closing !== undefined && method !== 'close') {
      return Promise.reject(new MediaError('MEDIA_CLOSED', 'the media plane is closed'));
    }
    return new Promise<T>((resolve, reject) => {
      const id = this.#nextId++;
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.#worker.postMessage({ id, method, args });
    });
  }

  createWebRtcLeg(request?: WebRtcLegRequest): Promise<LegId> {
    return this.#call('createWebRtcLeg', request ?? {});
  }
  createRtpLeg(request?: RtpLegRequest): Promise<LegId> {
    return this.#call('createRtpLeg', request ?? {});
  }
  connect(a: LegId, b: LegId): Promise<void> {
    return this.#call('connect', a, b);
  }
  applyOffer(legId: LegId, sdp: string): Promise<void> {
    return this.#call('applyOffer', legId, sdp);
  }
  createOffer(legId: LegId): Promise<string> {
    return this.#call('createOffer', legId);
  }
  offerFollowingAnswer(legId: LegId): Promise<string | undefined> {
    return this.#call('offerFollowingAnswer', legId);
  }
  applyAnswer(legId: LegId, sdp: string): Promise<void> {
    return this.#call('applyAnswer', legId, sdp);
  }
  createAnswer(legId: LegId): Promise<string> {
    return this.#call('createAnswer', legId);
  }
  rollback(legId: LegId): Promise<void> {
    return this.#call('rollback', legId);
  }
  update(legId: LegId, request: { direction: Direction; newPeer?: boolean }): Promise<string> {
    return this.#call('update', legId, request);
  }
  sendDtmf(legId: LegId, digits: string, durationMs?: number): Promise<boolean> {
    return this.#call('sendDtmf', legId, digits, durationMs);
  }
  play(legId: LegId, source: MediaSource, options?: PlayOptions): Promise<void> {
    return this.#call('play', legId, source, options ?? {});
  }
  stopPlaying(legId: LegId): Promise<void> {
    return this.#call('stopPlaying', legId);
  }
  getStats(legId: LegId): Promise<LegStats> {
    return this.#call('getStats', legId);
  }
  closeLeg(legId: LegId): Promise<void> {
    return this.#call('closeLeg', legId);
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      try {
        await this.#call('close');
      } finally {
        await this.#worker.terminate();
        this.#events.removeAllListeners();
      }
    })();
    return this.#closing;
  }

  on<K extends keyof MediaPlaneEvents>(event: K, listener: MediaPlaneListener<K>): void {
    this.#events.on(event, listener);
  }
  off<K extends keyof MediaPlaneEvents>(event: K, listener: MediaPlaneListener<K>): void {
    this.#events.off(event, listener);
  }
}
