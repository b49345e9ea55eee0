// A static HTTP server on 127.0.0.1 for test pages. Chromium 156's local network access checks may
// block a page from another origin opening ws://127.0.0.1, so pages come from loopback too.
import { createServer, type Server } from 'node:http';
import { LOOPBACK } from './ports.js';

export interface PageRoute {
  contentType: string;
  body: string | Buffer;
}

export interface PageServer {
  /** "http://127.0.0.1:PORT" (no trailing slash). */
  origin: string;
  /** Adds or replaces a route ("/call.html"). */
  route(path: string, route: PageRoute): void;
  close(): Promise<void>;
}

const BLANK = '<!doctype html><html><head><meta charset="utf-8"><title>parley test</title></head><body></body></html>';

/** Serves `routes` (and a blank page at "/") on a free loopback port. */
export async function startPageServer(routes: Record<string, PageRoute> = {}): Promise<PageServer> {
  const table = new Map<string, PageRoute>(Object.entries(routes));
  if (!table.has('/')) table.set('/', { contentType: 'text/html; charset=utf-8', body: BLANK });
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const r = table.get(path);
    if (r === undefined || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': r.contentType, 'cache-control': 'no-store' }).end(r.body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  let closing: Promise<void> | undefined;
  return {
    origin: `http://${LOOPBACK}:${port}`,
    route: (path, r) => table.set(path, r),
    close: () => {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
