#!/usr/bin/env node
// The two commands of the README: `npm start` and `npm test` both come here.
// Plain Node with no dependencies, so it runs on a fresh clone: it installs the npm packages
// (when package-lock.json changed since the last install), the Debian packages of the real peers
// (for `test`, when missing and running as root), builds, and then starts the server or runs the tests.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const action = process.argv[2];

/** Debian packages of the real peers that the end-to-end tests drive (see test/harness). */
export const DEBIAN_TEST_PACKAGES = [
  'kamailio', // registrar/proxy
  'rtpengine-daemon', // media relay for the topology where the SIP server anchors media
  'baresip-core', // the far phone
  'sip-tester', // sipp
  'chromium',
  'firefox-esr',
  'pulseaudio', // a null sink: Firefox headless needs an audio output
  'gcc', // builds the native packet path (scripts/build-native.mjs); the tests run it
  'libc6-dev',
];

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

function must(cmd, args, opts) {
  const code = run(cmd, args, opts);
  if (code !== 0) {
    console.error(`[bootstrap] ${cmd} ${args.join(' ')} exited with ${code}`);
    process.exit(code);
  }
}

function ensureNpmPackages() {
  const lock = join(root, 'package-lock.json');
  const stamp = join(root, 'node_modules', '.parley-install-stamp');
  const want = createHash('sha256').update(readFileSync(lock)).digest('hex');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === want) return;
  console.log('[bootstrap] installing npm packages (npm ci)');
  must('npm', ['ci', '--no-audit', '--no-fund']);
  writeFileSync(stamp, want);
}

function missingDebianPackages(names) {
  return names.filter((name) => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format syntax, not a template
    const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8' });
    return r.status !== 0 || !r.stdout.includes('install ok installed');
  });
}

function ensureDebianPackages(names) {
  const missing = missingDebianPackages(names);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    console.error(
      `[bootstrap] missing Debian packages: ${missing.join(' ')}\n` +
        `[bootstrap] not root, so not installing them: run  sudo apt-get install -y ${missing.join(' ')}`,
    );
    process.exit(1);
  }
  console.log(`[bootstrap] installing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  must('apt-get', ['update', '-q'], { env });
  must('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], { env });
}

switch (action) {
  case 'start': {
    ensureNpmPackages();
    must('npm', ['run', '--silent', 'build']);
    // exec-like: the server runs in the foreground with this process's stdio and signals.
    const code = run(process.execPath, ['dist/server/main.js', ...process.argv.slice(3)]);
    process.exit(code);
    break;
  }
  case 'test': {
    ensureNpmPackages();
    ensureDebianPackages(DEBIAN_TEST_PACKAGES);
    must('npm', ['run', '--silent', 'lint']);
    must('npm', ['run', '--silent', 'typecheck']);
    // The tests run the native packet path: here a missing compiler is an error, not a fallback.
    must(process.execPath, ['scripts/build-native.mjs', '--strict']);
    must('npm', ['run', '--silent', 'build']);
    process.exit(run(process.execPath, ['scripts/test.mjs', ...process.argv.slice(3)]));
    break;
  }
  default:
    console.error('usage: node scripts/bootstrap.mjs start|test');
    process.exit(2);
}
