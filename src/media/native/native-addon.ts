// Loads Parley's native packet path (c/addon.c, built by scripts/build-native.mjs into build/native) and
// says which packet path the media plane uses: 'native' (C: SRTP on Node's OpenSSL, UDP I/O batched per
// event-loop iteration) or 'js' (the TypeScript path: node:dgram and src/media/srtp). The default, 'auto',
// is native when the addon is built and loads. Both paths are the same protocol code's two engines:
// tests compare them byte for byte (native-srtp-session.test.ts).

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MediaError } from '../errors.js';

/** An opaque native object (a Node-API external). */
export type NativeHandle = object & { readonly __native: unique symbol };

export interface NativeAddon {
  /** Once per thread: `onBatch(batch, count)` gets the datagrams read in one loop iteration; returns the entries `meta` holds. */
  init(onBatch: (batch: Buffer, count: number) => void, meta: Int32Array): number;
  attach(fd: number, id: number, rtcpOnly: boolean): NativeHandle;
  detach(socket: NativeHandle): void;
  setPeer(socket: NativeHandle, ipv4: number, port: number): void;
  setSrtp(socket: NativeHandle, session: NativeHandle | null): void;
  /** 0, or below 0: a PSRTP_* code, or -1000 - errno. */
  send(socket: NativeHandle, packet: Buffer, mode: number, session?: NativeHandle): number;
  /**
   * Programs the fast route of `input` (c/addon.c): payloadTypes is 128 bytes, the outgoing PT per incoming
   * PT (255: not routed); sourcePort 0 accepts any source. out null clears it. 1 when programmed.
   */
  setRoute(
    input: NativeHandle,
    out: NativeHandle | null,
    inSsrc?: number,
    outSsrc?: number,
    sequenceOffset?: number,
    timestampOffset?: number,
    payloadTypes?: Buffer,
    sourceIp?: number,
    sourcePort?: number,
  ): number | undefined;
  /** Ends the routes from and to this socket. */
  invalidate(socket: NativeHandle): void;
  /** keys: out RTP key/salt/auth, out RTCP key/salt/auth, in RTP …, in RTCP … (auth empty for AEAD). */
  srtpCreate(aead: boolean, tagLength: number, keys: Buffer[]): NativeHandle;
  /** op 0/1 protect RTP/RTCP, 2/3 unprotect: a new Buffer, or a PSRTP_* code. */
  srtpTransform(session: NativeHandle, packet: Buffer, op: number): Buffer | number;
}

export type PacketPathMode = 'auto' | 'native' | 'js';

/** The addon's entry layout (addon.c ENTRY_INTS) and statuses. */
export const ENTRY_INTS = 9;
export const STATUS_ERRNO_BASE = -1000;

const ADDON = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  'build',
  'native',
  'parley_packet_path.node',
);

/** PARLEY_MEDIA_PACKET_PATH seeds it (worker threads inherit it too); the server's configuration validates it. */
const fromEnv = process.env.PARLEY_MEDIA_PACKET_PATH;
let mode: PacketPathMode = fromEnv === 'native' || fromEnv === 'js' ? fromEnv : 'auto';
let loaded: { addon: NativeAddon | undefined; error: string | undefined } | undefined;

function load(): { addon: NativeAddon | undefined; error: string | undefined } {
  if (loaded !== undefined) return loaded;
  if (!existsSync(ADDON)) {
    loaded = { addon: undefined, error: `${ADDON} is not built (npm run build)` };
    return loaded;
  }
  try {
    loaded = { addon: createRequire(import.meta.url)(ADDON) as NativeAddon, error: undefined };
  } catch (error) {
    loaded = { addon: undefined, error: error instanceof Error ? error.message : String(error) };
  }
  return loaded;
}

/**
 * Chooses the packet path for legs created from now on (PARLEY_MEDIA_PACKET_PATH). 'native' throws
 * MEDIA_NATIVE_UNAVAILABLE when the addon cannot be loaded; 'auto' falls back to 'js'.
 */
export function configurePacketPath(next: PacketPathMode): void {
  if (next === 'native') {
    const { addon, error } = load();
    if (addon === undefined) throw new MediaError('MEDIA_NATIVE_UNAVAILABLE', `native packet path: ${error}`);
  }
  mode = next;
}

/** The addon when the native packet path is in use, else undefined. */
export function nativeAddon(): NativeAddon | undefined {
  return mode === 'js' ? undefined : load().addon;
}

/** What the plane runs on, for logs and stats: 'native' or 'js' (and why, when native was wanted and is missing). */
export function packetPathInUse(): { path: 'native' | 'js'; reason?: string } {
  if (mode === 'js') return { path: 'js', reason: 'PARLEY_MEDIA_PACKET_PATH=js' };
  const { addon, error } = load();
  return addon === undefined ? { path: 'js', ...(error === undefined ? {} : { reason: error }) } : { path: 'native' };
}
