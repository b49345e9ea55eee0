// A per-test artifacts directory, test-artifacts/<test name>/, where every peer writes its logs.
// It is removed when the test passes and kept when it fails, so a failure can be read afterwards.
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const ARTIFACTS_ROOT = join(repoRoot, 'test-artifacts');

/** What withArtifacts needs of node:test's TestContext (name, and fullName where Node has it). */
export interface TestLike {
  name: string;
  fullName?: string;
}

export type Cleanup = () => unknown;

export class Artifacts {
  readonly dir: string;
  readonly #cleanups: Cleanup[] = [];

  constructor(testName: string) {
    // Short paths: some peers (baresip's sndfile) fail on long file names. A hash keeps names unique.
    const slug =
      testName
        .replace(/[^A-Za-z0-9._-]+/g, '_')
        .replace(/^_+|_+$/g, '')
        .slice(0, 60) || 'test';
    const hash = createHash('sha256').update(testName).digest('hex').slice(0, 8);
    this.dir = join(ARTIFACTS_ROOT, `${slug}-${hash}`);
    rmSync(this.dir, { recursive: true, force: true });
    mkdirSync(this.dir, { recursive: true });
  }

  /** A path inside the artifacts dir (sub-folders created). */
  path(...parts: string[]): string {
    const p = join(this.dir, ...parts);
    mkdirSync(dirname(p), { recursive: true });
    return p;
  }

  /** A fresh sub-directory of the artifacts dir. */
  subdir(name: string): string {
    const p = join(this.dir, name);
    mkdirSync(p, { recursive: true });
    return p;
  }

  /** Registers a cleanup to run when the test ends, passed or failed; the latest registered runs first. */
  defer(cleanup: Cleanup): void {
    this.#cleanups.push(cleanup);
  }

  /** Runs every cleanup (each one even if an earlier one failed); returns the errors they threw. */
  async runCleanups(): Promise<unknown[]> {
    const errors: unknown[] = [];
    for (let c = this.#cleanups.pop(); c !== undefined; c = this.#cleanups.pop()) {
      try {
        await c();
      } catch (err) {
        errors.push(err);
      }
    }
    return errors;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Runs a test body with an artifacts dir. Cleanups registered with `artifacts.defer` run at the end
 * whatever happens; the dir is removed only when the body and every cleanup succeeded.
 *
 *   test('a calls b', async (t) => withArtifacts(t, async (artifacts) => { ... }));
 */
export async function withArtifacts<T>(t: TestLike, body: (artifacts: Artifacts) => Promise<T>): Promise<T> {
  const artifacts = new Artifacts(t.fullName ?? t.name);
  let result: T;
  try {
    result = await body(artifacts);
  } catch (err) {
    const cleanupErrors = await artifacts.runCleanups();
    for (const e of cleanupErrors) console.error(`[harness] cleanup failed after a test failure: ${String(e)}`);
    console.error(`[harness] artifacts kept in ${artifacts.dir}`);
    throw err;
  }
  const cleanupErrors = await artifacts.runCleanups();
  if (cleanupErrors.length > 0) {
    console.error(`[harness] artifacts kept in ${artifacts.dir}`);
    throw new AggregateError(cleanupErrors, `cleanup failed in ${artifacts.dir}`);
  }
  artifacts.remove();
  return result;
}
