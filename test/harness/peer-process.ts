// A peer program (kamailio, rtpengine, baresip, sipp, pulseaudio) run as a child process whose
// stdout and stderr go to a log file in the test's artifacts, and whose lines can be awaited.
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { HarnessError, withTimeout } from './errors.js';

export interface PeerProcessOptions {
  /** Short name used in error messages ("kamailio"). */
  name: string;
  command: string;
  args: string[];
  /** File that receives stdout and stderr. */
  logPath: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

export interface PeerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

type LineWaiter = { match: (line: string) => boolean; resolve: (line: string) => void };

export class PeerProcess {
  readonly name: string;
  readonly logPath: string;
  /** Settles when the process has exited (never rejects). */
  readonly exited: Promise<PeerExit>;
  /** Every line of stdout and stderr so far, in the order read. */
  readonly lines: string[] = [];
  #child: ChildProcess;
  #log: WriteStream;
  #exit: PeerExit | undefined;
  #waiters = new Set<LineWaiter>();
  #exitListeners = new Set<(exit: PeerExit) => void>();
  #stopping: Promise<PeerExit> | undefined;

  constructor(options: PeerProcessOptions) {
    this.name = options.name;
    this.logPath = options.logPath;
    this.#log = createWriteStream(options.logPath, { flags: 'a' });
    this.#log.write(`# ${options.command} ${options.args.join(' ')}\n`);
    this.#child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const onLine = (line: string) => {
      this.lines.push(line);
      this.#log.write(`${line}\n`);
      for (const w of this.#waiters) {
        if (w.match(line)) {
          this.#waiters.delete(w);
          w.resolve(line);
        }
      }
    };
    const outDone = new Promise<void>((resolve) => {
      if (this.#child.stdout === null) return resolve();
      createInterface({ input: this.#child.stdout }).on('line', onLine).on('close', resolve);
    });
    const errDone = new Promise<void>((resolve) => {
      if (this.#child.stderr === null) return resolve();
      createInterface({ input: this.#child.stderr }).on('line', onLine).on('close', resolve);
    });
    this.exited = new Promise<PeerExit>((resolve) => {
      let spawnError: Error | undefined;
      this.#child.once('error', (err) => {
        spawnError = err;
        this.#log.write(`# spawn error: ${err.message}\n`);
      });
      this.#child.once('close', (code, signal) => {
        void Promise.all([outDone, errDone]).then(() => {
          const exit: PeerExit = { code: spawnError !== undefined ? -1 : code, signal };
          this.#exit = exit;
          this.#log.end(`# exited code=${code} signal=${signal}\n`);
          for (const l of this.#exitListeners) l(exit);
          this.#exitListeners.clear();
          resolve(exit);
        });
      });
    });
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  get running(): boolean {
    return this.#exit === undefined;
  }
  /** The exit code once the process has exited (undefined while it runs, or when a signal ended it). */
  get exitCode(): number | undefined {
    return this.#exit?.code ?? undefined;
  }

  /**
   * Resolves with the first line that matches, among lines from index `since` on (default: only lines
   * still to come); rejects when the process exits first or after `timeoutMs`.
   */
  waitForLine(pattern: RegExp | ((line: string) => boolean), timeoutMs: number, since?: number): Promise<string> {
    const match = typeof pattern === 'function' ? pattern : (line: string) => pattern.test(line);
    const past = since === undefined ? undefined : this.lines.slice(since).find(match);
    if (past !== undefined) return Promise.resolve(past);
    let waiter: LineWaiter | undefined;
    let onExit: ((exit: PeerExit) => void) | undefined;
    const found = new Promise<string>((resolve, reject) => {
      if (this.#exit !== undefined) {
        reject(this.#exitedError(this.#exit, String(pattern)));
        return;
      }
      waiter = { match, resolve };
      onExit = (exit) => reject(this.#exitedError(exit, String(pattern)));
      this.#waiters.add(waiter);
      this.#exitListeners.add(onExit);
    });
    return withTimeout(found, timeoutMs, `${this.name}: waiting for a log line ${String(pattern)}`).finally(() => {
      if (waiter) this.#waiters.delete(waiter);
      if (onExit) this.#exitListeners.delete(onExit);
    });
  }

  /** Rejects if the process exits before `promise` settles. */
  raceExit<T>(promise: Promise<T>, what: string): Promise<T> {
    let onExit: ((exit: PeerExit) => void) | undefined;
    const died = new Promise<never>((_, reject) => {
      if (this.#exit !== undefined) return reject(this.#exitedError(this.#exit, what));
      onExit = (exit) => reject(this.#exitedError(exit, what));
      this.#exitListeners.add(onExit);
    });
    return Promise.race([promise, died]).finally(() => {
      if (onExit) this.#exitListeners.delete(onExit);
    });
  }

  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`. Idempotent. */
  stop(graceMs = 3000): Promise<PeerExit> {
    if (this.#stopping) return this.#stopping;
    this.#stopping = (async () => {
      if (this.#exit !== undefined) return this.#exit;
      this.#child.kill('SIGTERM');
      try {
        return await withTimeout(this.exited, graceMs, `${this.name}: exit after SIGTERM`);
      } catch {
        this.#log.write(`# did not exit ${graceMs} ms after SIGTERM: SIGKILL\n`);
        this.#child.kill('SIGKILL');
        return await this.exited;
      }
    })();
    return this.#stopping;
  }

  #exitedError(exit: PeerExit, what: string): HarnessError {
    return new HarnessError(
      'HARNESS_PROCESS_EXITED',
      `${this.name} exited (code=${exit.code} signal=${exit.signal}) while ${what}; log: ${this.logPath}`,
    );
  }
}
