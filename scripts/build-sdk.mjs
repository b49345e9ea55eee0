#!/usr/bin/env node
// Builds the browser side (part of `npm run build`, after the Node build):
//   dist/sdk/parley.mjs   the SDK as an ES module          (served at /sdk/parley.mjs)
//   dist/sdk/parley.js    the SDK as a script, global Parley (served at /sdk/parley.js)
//   dist/sdk/parley.d.ts  its type declarations (with dist/sdk/types/)
// Browser targets: the last two years of Chrome, Edge, Firefox and Safari.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'sdk');
const target = ['chrome109', 'edge109', 'firefox115', 'safari16'];
const common = {
  bundle: true,
  minify: true,
  platform: 'browser',
  target,
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
};

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

await build({
  ...common,
  entryPoints: [join(root, 'src/sdk/index.ts')],
  format: 'esm',
  outfile: join(out, 'parley.mjs'),
});
await build({
  ...common,
  entryPoints: [join(root, 'src/sdk/index.ts')],
  format: 'iife',
  globalName: 'Parley',
  outfile: join(out, 'parley.js'),
});

// Declarations: tsc over the SDK (and the protocol it imports), into dist/sdk/types/.
const tsconfig = join(root, 'dist', '.tsconfig.sdk.json');
writeFileSync(
  tsconfig,
  JSON.stringify({
    extends: '../tsconfig.json',
    compilerOptions: {
      noEmit: false,
      declaration: true,
      emitDeclarationOnly: true,
      rootDir: '../src',
      outDir: './sdk/types',
      types: [],
    },
    include: ['../src/sdk/**/*.ts'],
    exclude: ['../src/**/*.test.ts'],
  }),
);
const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', tsconfig], {
  stdio: 'inherit',
});
rmSync(tsconfig);
if (tsc.status !== 0) {
  console.error('build-sdk: declaration build failed');
  process.exit(1);
}
writeFileSync(join(out, 'parley.d.ts'), "export * from './types/sdk/index.js';\n");
writeFileSync(join(out, 'parley.js.d.ts'), "export * from './types/sdk/index.js';\n");

console.log('build-sdk: dist/sdk/parley.mjs, dist/sdk/parley.js, dist/sdk/parley.d.ts');
