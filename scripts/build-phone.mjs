#!/usr/bin/env node
// Bundles the phone page (src/phone) into dist/phone: one ES module with the SDK inside, its HTML and CSS.
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'phone');
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(root, 'src/phone/phone.ts')],
  outfile: join(out, 'phone.js'),
  bundle: true,
  format: 'esm',
  target: ['chrome110', 'firefox115', 'safari16'],
  minify: true,
  sourcemap: true,
  logLevel: 'warning',
});
for (const file of ['index.html', 'phone.css']) copyFileSync(join(root, 'src/phone', file), join(out, file));
