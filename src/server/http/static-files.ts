// Serves the browser SDK at /sdk/ and the phone page at /, from the build output, with no dependency:
// only names listed in the folder are served (no path from the request ever reaches the file system).
// The folders are listed and read once, asynchronously, at start: a GET never touches the disk synchronously
// (the event loop also runs every call's signalling). A name missing from the listing makes it be listed and
// read again (coalesced), so that a build made while the server runs (development) is served without a restart.
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.wav': 'audio/wav',
};

/** Every file under `dir` by its URL path relative to it (`a/b.js`), with its contents. */
async function loadFiles(dir: string, prefix = ''): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return out; // not built (yet): nothing to serve
  }
  for (const name of names) {
    const abs = join(dir, name);
    try {
      if ((await stat(abs)).isDirectory()) {
        for (const [k, v] of await loadFiles(abs, `${prefix}${name}/`)) out.set(k, v);
      } else if (TYPES[extname(name)]) out.set(`${prefix}${name}`, await readFile(abs));
    } catch {
      // Removed between the listing and the read (a build in progress): not served until the next listing.
    }
  }
  return out;
}

const RELOAD_INTERVAL_MS = 1000;

/** The files of one folder (or of the first of several folders that has an index.html), loaded once. */
class FileCache {
  readonly #load: () => Promise<Map<string, Buffer>>;
  #files: Promise<Map<string, Buffer>>;
  #reloading: Promise<Map<string, Buffer>> | undefined;
  #lastReload = Number.NEGATIVE_INFINITY;

  readonly #now: () => number;

  constructor(load: () => Promise<Map<string, Buffer>>, now: () => number) {
    this.#load = load;
    this.#now = now;
    this.#files = load();
  }

  /**
   * The file's contents. A name not in the listing has the folder loaded again (coalesced, and at most once per
   * RELOAD_INTERVAL_MS, so that a flood of 404s does not keep the disk busy).
   */
  async get(name: string): Promise<Buffer | undefined> {
    const found = (await this.#files).get(name);
    if (found) return found;
    if (!this.#reloading && this.#now() - this.#lastReload < RELOAD_INTERVAL_MS) return undefined;
    this.#reloading ??= this.#load().finally(() => {
      this.#reloading = undefined;
      this.#lastReload = this.#now();
    });
    this.#files = this.#reloading;
    return (await this.#files).get(name);
  }
}

const PLACEHOLDER = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Parley</title></head>
<body><h1>Parley is running</h1>
<p>The phone page is not built here yet. Run <code>npm run build</code>, or use the SDK directly:
<a href="/sdk/parley.mjs">/sdk/parley.mjs</a> (ES module), <a href="/sdk/parley.js">/sdk/parley.js</a> (global <code>Parley</code>).</p>
<p>WebSocket endpoint: <code>/ws</code>. Health: <a href="/health">/health</a>. Metrics: <a href="/metrics">/metrics</a>.</p>
</body></html>
`;

export interface StaticDirs {
  sdkDir: string;
  /** Candidate folders of the built phone page, first existing one with an index.html wins. */
  phoneDirs: string[];
}

/** `now` (milliseconds) paces the reloads on a miss; injected by tests. */
export function registerStaticFiles(app: FastifyInstance, dirs: StaticDirs, now: () => number = Date.now): void {
  const sdk = new FileCache(() => loadFiles(dirs.sdkDir), now);
  const phone = new FileCache(async () => {
    for (const d of dirs.phoneDirs) {
      const files = await loadFiles(d);
      if (files.has('index.html')) return files;
    }
    return new Map<string, Buffer>();
  }, now);
  const serve = async (cache: FileCache, name: string, reply: FastifyReply) => {
    const body = await cache.get(name);
    if (!body) return reply.code(404).type('text/plain; charset=utf-8').send(`not found: ${name}\n`);
    return reply
      .type(TYPES[extname(name)] ?? 'application/octet-stream')
      .header('cache-control', 'no-cache')
      .send(body);
  };
  app.get('/sdk/*', (req, reply) => serve(sdk, (req.params as { '*': string })['*'], reply));
  app.get('/', async (_req, reply) => {
    const index = await phone.get('index.html');
    if (!index) return reply.type('text/html; charset=utf-8').send(PLACEHOLDER);
    return serve(phone, 'index.html', reply);
  });
  app.get('/*', (req, reply) => serve(phone, (req.params as { '*': string })['*'], reply));
}
