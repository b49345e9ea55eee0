// A per-run PulseAudio daemon with a null sink. Firefox ESR headless loses its tab when an
// AudioContext starts (or remote audio plays) on a machine without an audio output; a null sink is one.
// Runs as any user, root included: `-n` skips the default script, the socket lives in a temp dir.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Artifacts } from './artifacts.js';
import { PeerProcess } from './peer-process.js';

export const PULSEAUDIO_BIN = '/usr/bin/pulseaudio';

export interface PulseAudio {
  /** Environment for clients: PULSE_SERVER and XDG_RUNTIME_DIR pointing at this daemon. */
  env: { PULSE_SERVER: string; XDG_RUNTIME_DIR: string };
  logPath: string;
  stop(): Promise<void>;
}

export async function startPulseAudio(artifacts: Artifacts, timeoutMs = 10_000): Promise<PulseAudio> {
  // Unix socket paths are limited to 108 bytes: the runtime dir is a short temp dir, the log an artifact.
  const runtimeDir = mkdtempSync(join(tmpdir(), 'parley-pa-'));
  mkdirSync(join(runtimeDir, 'home'), { recursive: true });
  const socket = join(runtimeDir, 'native');
  const env = { PULSE_SERVER: `unix:${socket}`, XDG_RUNTIME_DIR: runtimeDir };
  const proc = new PeerProcess({
    name: 'pulseaudio',
    command: PULSEAUDIO_BIN,
    args: [
      '-n',
      '--daemonize=no',
      '--system=no',
      '--exit-idle-time=-1',
      '--use-pid-file=no',
      '--disallow-exit',
      '--log-target=stderr',
      '--log-level=info',
      '-L',
      `module-native-protocol-unix socket=${socket} auth-anonymous=1`,
      '-L',
      'module-null-sink sink_name=parley_null sink_properties=device.description=ParleyNull',
      '-L',
      'module-always-sink',
    ],
    logPath: artifacts.path('pulseaudio.log'),
    env: { ...process.env, ...env, HOME: join(runtimeDir, 'home') },
  });
  try {
    await proc.waitForLine(/Daemon startup complete/, timeoutMs);
  } catch (err) {
    await proc.stop();
    rmSync(runtimeDir, { recursive: true, force: true });
    throw err;
  }
  return {
    env,
    logPath: proc.logPath,
    stop: async () => {
      await proc.stop();
      rmSync(runtimeDir, { recursive: true, force: true });
    },
  };
}
