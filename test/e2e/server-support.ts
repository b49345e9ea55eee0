// Starts the real Parley server process (src/server/main.ts under tsx) on a free HTTP port and a free SIP port
// (PARLEY_SIP_PORT=0 unless the test sets one) for end-to-end tests, and stops it with SIGTERM (the graceful
// path) in cleanup.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface ServerProcess {
  url: URL;
  wsUrl: string;
  child: ChildProcess;
  output(): string;
  /** SIGTERM, then resolves with the exit code (SIGKILL and a rejection after timeoutMs). */
  stop(timeoutMs?: number): Promise<number | null>;
}

/** Newest modification time of the files under `dir`. */
function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** The SDK bundle the server serves, rebuilt when it is missing or older than its sources. */
export function ensureSdkBuilt(): void {
  const bundle = join(ROOT, 'dist', 'sdk', 'parley.mjs');
  const sources = Math.max(
    newest(join(ROOT, 'src', 'sdk')),
    newest(join(ROOT, 'src', 'protocol')),
    statSync(join(ROOT, 'scripts', 'build-sdk.mjs')).mtimeMs,
    statSync(join(ROOT, 'scripts', 'bundle-dts.mjs')).mtimeMs,
  );
  if (existsSync(bundle) && statSync(bundle).mtimeMs >= sources) return;
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-sdk.mjs')], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('scripts/build-sdk.mjs failed');
}

export function startServerProcess(env: Record<string, string>, timeoutMs = 20_000): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'server', 'main.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      PARLEY_HTTP_PORT: '0',
      PARLEY_SIP_PORT: '0',
      PARLEY_REGISTRAR: 'off',
      PARLEY_LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async (ms = 10_000): Promise<number | null> => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`server did not stop within ${ms} ms after SIGTERM`));
      }, ms);
    });
    try {
      return await Promise.race([exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  };
  return new Promise<ServerProcess>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not print its URL within ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /Parley is running: open (http:\/\/\S+) /.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        const url = new URL(m[1]);
        resolve({ url, wsUrl: `ws://${url.host}/ws`, child, output: () => out, stop });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before it was ready:\n${out}`));
    });
  });
}
