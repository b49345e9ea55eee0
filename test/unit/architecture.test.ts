// The boundaries of ARCHITECTURE.md, kept by a test rather than by trust: each part of src/ may import
// only the parts and packages listed here. One package with folders (not npm workspaces) keeps install and
// build simple; this test is what makes the folders real boundaries.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const src = join(root, 'src');

interface Rule {
  /** Parts of src/ this part may import (itself always). */
  parts: string[];
  /** npm packages it may import (by package name). */
  packages: string[];
  /** Whether node: built-ins are allowed (never in browser code). */
  node: boolean;
}

const RULES: Record<string, Rule> = {
  // The SIP stack knows nothing of media, HTTP or WebSockets.
  sip: { parts: [], packages: [], node: true },
  // SDP negotiation knows no sockets.
  sdp: { parts: [], packages: ['sdp-transform'], node: false },
  // The media plane knows nothing of SIP or HTTP.
  media: { parts: ['sdp'], packages: ['werift', 'sdp-transform'], node: true },
  // The WebSocket protocol is shared by the server and the browser SDK: schemas only.
  protocol: { parts: [], packages: ['@sinclair/typebox'], node: false },
  // The browser SDK: browser APIs and the protocol.
  sdk: { parts: ['protocol'], packages: ['@sinclair/typebox'], node: false },
  // The phone page uses only the SDK's public API.
  phone: { parts: ['sdk'], packages: [], node: false },
  // The embedded registrar and proxy (issue 7): a SIP application on the SIP stack; no media, no HTTP.
  registrar: { parts: ['sip'], packages: [], node: true },
  // Service numbers (600 echo, 601 tone): a SIP user agent answering with the media plane.
  services: { parts: ['sip', 'sdp', 'media'], packages: [], node: true },
  // The server composes the parts; it never touches packet bytes itself.
  server: {
    parts: ['sip', 'sdp', 'media', 'protocol', 'registrar', 'services'],
    packages: ['fastify', 'ws', 'pino', '@sinclair/typebox', '@fastify/websocket', '@fastify/static', 'prom-client'],
    node: true,
  },
};

/** Test files and test-only support beside the code: tests may use what the product may not (fast-check, node:fs). */
const TEST_ONLY = /(\.test|\.test-support)\.ts$|^testing\.ts$|^test-fixtures\.ts$/;

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.(ts|mts)$/.test(entry) && !TEST_ONLY.test(entry) && !entry.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(IMPORT)) out.push((m[1] ?? m[2])!);
  return out;
}

function packageName(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

describe('architecture boundaries', () => {
  const parts = readdirSync(src).filter((p) => statSync(join(src, p)).isDirectory());

  test('every folder of src/ has a rule', () => {
    for (const part of parts) assert.ok(RULES[part], `src/${part} has no rule in test/unit/architecture.test.ts`);
  });

  for (const part of parts) {
    const rule = RULES[part];
    if (!rule) continue;
    test(`src/${part} imports only what ARCHITECTURE.md allows`, () => {
      const violations: string[] = [];
      for (const file of sourceFiles(join(src, part))) {
        for (const spec of importsOf(file)) {
          const where = relative(root, file);
          if (spec.startsWith('.')) {
            const target = relative(src, resolve(dirname(file), spec)).split('/')[0]!;
            if (target !== part && !rule.parts.includes(target)) violations.push(`${where} -> ${spec} (src/${target})`);
          } else if (spec.startsWith('node:')) {
            if (!rule.node) violations.push(`${where} -> ${spec} (no Node built-ins here)`);
          } else if (!rule.packages.includes(packageName(spec))) {
            violations.push(`${where} -> ${spec} (package not allowed in src/${part})`);
          }
        }
      }
      assert.deepEqual(violations, []);
    });
  }
});
