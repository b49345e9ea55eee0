// Serves the browser SDK at /sdk/ and the phone page at /, from the build output, with no dependency:
// only names listed in the folder are served (no path from the request ever reaches the file system).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';

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

/** Every file under `dir` by its URL path relative to it (`a/b.js`). */
function listFiles(dir: string, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const abs = join(dir, name);
    if (statSync(abs).isDirectory()) for (const [k, v] of listFiles(abs, `${prefix}${name}/`)) out.set(k, v);
    else if (TYPES[extname(name)]) out.set(`${prefix}${name}`, abs);
  }
  return out;
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

export function registerStaticFiles(app: FastifyInstance, dirs: StaticDirs): void {
  // Listed per request, so that a build made while the server runs is served without a restart.
  const sdkFiles = () => listFiles(dirs.sdkDir);
  const phoneFiles = () => {
    const dir = dirs.phoneDirs.find((d) => existsSync(join(d, 'index.html')));
    return dir ? listFiles(dir) : new Map<string, string>();
  };
  const serve = (files: Map<string, string>, name: string, reply: import('fastify').FastifyReply) => {
    const abs = files.get(name);
    if (!abs) return reply.code(404).type('text/plain; charset=utf-8').send(`not found: ${name}\n`);
    return reply
      .type(TYPES[extname(abs)] ?? 'application/octet-stream')
      .header('cache-control', 'no-cache')
      .send(readFileSync(abs));
  };
  app.get('/sdk/*', (req, reply) => serve(sdkFiles(), (req.params as { '*': string })['*'], reply));
  app.get('/', (_req, reply) => {
    const files = phoneFiles();
    if (!files.has('index.html')) return reply.type('text/html; charset=utf-8').send(PLACEHOLDER);
    return serve(files, 'index.html', reply);
  });
  app.get('/*', (req, reply) => serve(phoneFiles(), (req.params as { '*': string })['*'], reply));
}
