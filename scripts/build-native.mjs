#!/usr/bin/env node
// Builds Parley's native packet path (src/media/native/c → build/native/parley_packet_path.node) with the
// system's C compiler against Node's own headers (Node-API, libuv, and the OpenSSL Node is linked with:
// the addon's OpenSSL symbols resolve to Node's at load time, so there is no second libcrypto in the
// process). Plain Node, no dependencies. Without a compiler or headers it says so and exits 0: the media
// plane then runs its TypeScript packet path (PARLEY_MEDIA_PACKET_PATH, docs/configuration.md).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sources = join(root, 'src', 'media', 'native', 'c');
const out = join(root, 'build', 'native', 'parley_packet_path.node');
const strict = process.argv.includes('--strict');

const include = [join(dirname(process.execPath), '..', 'include', 'node'), '/usr/include/node'].find((d) =>
  existsSync(join(d, 'node_api.h')),
);
const files = readdirSync(sources)
  .filter((f) => f.endsWith('.c') || f.endsWith('.h'))
  .map((f) => join(sources, f));

function skip(why) {
  console.error(`[build-native] ${why}: the TypeScript packet path will be used`);
  process.exit(strict ? 1 : 0);
}

if (include === undefined) skip("Node's headers (node_api.h) not found");
if (existsSync(out) && files.every((f) => statSync(f).mtimeMs <= statSync(out).mtimeMs)) process.exit(0);
mkdirSync(dirname(out), { recursive: true });
const args = [
  '-O2',
  '-fPIC',
  '-shared',
  '-fvisibility=hidden',
  '-std=gnu11',
  '-Wall',
  '-Wextra',
  '-Werror',
  '-DNAPI_VERSION=8',
  '-DNODE_GYP_MODULE_NAME=parley_packet_path',
  `-I${include}`,
  '-o',
  out,
  ...files.filter((f) => f.endsWith('.c')),
];
const r = spawnSync(process.env.CC ?? 'cc', args, { stdio: 'inherit' });
if (r.error) skip(`no C compiler (${r.error.message})`);
if (r.status !== 0) skip(`cc exited with ${r.status}`);
console.log(`[build-native] built ${out}`);
