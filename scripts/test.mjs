#!/usr/bin/env node
// Runs the test files with node:test, TypeScript loaded by tsx (tests import the sources, never dist/).
//   node scripts/test.mjs                 every test: unit files first, then end-to-end files one at a time
//   node scripts/test.mjs src/sip test/e2e/smoke.test.ts   only those folders or files
// Unit tests (src/**, test/unit/**) run two files at a time; end-to-end tests (test/e2e/**) drive real
// peers and browsers on a 2-core machine, so they run one file at a time.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const targets = args.length > 0 ? args : ['src', 'test'];

function collect(path, out) {
  const abs = join(root, path);
  if (!existsSync(abs)) {
    console.error(`no such test path: ${path}`);
    process.exit(2);
  }
  if (statSync(abs).isFile()) {
    out.push(relative(root, abs));
    return;
  }
  for (const entry of readdirSync(abs, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const child = join(path, entry.name);
    if (entry.isDirectory()) collect(child, out);
    else if (/\.test\.(ts|mts)$/.test(entry.name)) out.push(relative(root, join(root, child)));
  }
}

const files = [];
for (const t of targets) collect(t, files);
const unique = [...new Set(files)].sort();
const e2e = unique.filter((f) => f.startsWith('test/e2e/'));
const unit = unique.filter((f) => !f.startsWith('test/e2e/'));

function runGroup(name, list, concurrency) {
  return new Promise((resolve) => {
    if (list.length === 0) return resolve({ pass: 0, fail: 0, skipped: 0, code: 0 });
    console.log(`\n=== ${name}: ${list.length} file(s) ===`);
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...list],
      { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, PARLEY_TEST_GROUP: name } },
    );
    let tail = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      tail = (tail + chunk.toString()).slice(-4000);
    });
    child.on('close', (code) => {
      const count = (label) => Number(tail.match(new RegExp(`ℹ ${label} (\\d+)`))?.[1] ?? 0);
      resolve({ pass: count('pass'), fail: count('fail'), skipped: count('skipped'), code: code ?? 1 });
    });
  });
}

const a = await runGroup('unit', unit, 2);
const b = await runGroup('e2e', e2e, 1);
const pass = a.pass + b.pass;
const fail = a.fail + b.fail;
const skipped = a.skipped + b.skipped;
console.log(`\ntests: ${pass} passed, ${fail} failed, ${skipped} skipped`);
process.exit(a.code !== 0 || b.code !== 0 || fail > 0 ? 1 : 0);
