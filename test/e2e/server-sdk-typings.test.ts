// The SDK's type declarations as a TypeScript user gets them (/sdk/parley.d.ts, or dist/sdk/parley.d.ts):
// one file, no import of any package, and a sample page's code type-checks against it with tsc in a
// folder that has no node_modules at all (so no @sinclair/typebox to fall back on). The sample's
// `@ts-expect-error` lines show that the declarations still catch mistakes (tsc fails on an unused one).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ensureSdkBuilt, ROOT } from './server-support.js';

const SAMPLE = `import {
  CALL_STATUS,
  type Call,
  type CallStatus,
  createSession,
  type DtmfType,
  ParleyError,
  SESSION_STATUS,
  type Session,
  type SipOptions,
} from './parley.js';

const sipOptions: SipOptions = { login: '1001', password: 'secret', domain: 'pbx.example.com', transport: 'tcp' };
const session: Session = createSession({ urlServer: 'wss://parley.example.com/ws', sipOptions, timeout: 5000 })
  .on(SESSION_STATUS.REGISTERED, (info) => console.log(info.status, info.sipStatus))
  .on(SESSION_STATUS.INCOMING_CALL, (call: Call) => call.answer({ remoteVideoDisplay: document.body }));

const call = session.createCall({ callee: '1002', constraints: { audio: true, video: false }, sipHeaders: { 'X-Ref': '7' } });
call
  .on(CALL_STATUS.ESTABLISHED, (c, info) => console.log(c.id(), info.status))
  .on('DTMF', (_c: Call, digit: string, type: DtmfType) => console.log(digit, type))
  .on(CALL_STATUS.FAILED, (c) => console.log(c.getInfo().sipStatus, c.getInfo().sipReason));
call.call();
const status: CallStatus = call.status();
void call.sendDTMF('123#', 'INFO');
void call.transfer(session.createCall({ callee: '1003' }));
try {
  session.createCall({ callee: '' });
} catch (e) {
  if (e instanceof ParleyError) console.log(e.code, e.field);
}
console.log(status, session.getCalls().length);

// @ts-expect-error: the callee is required
session.createCall({ visibleName: 'x' });
// @ts-expect-error: not a DTMF type
void call.sendDTMF('1', 'SIP');
// @ts-expect-error: not a transport
createSession({ sipOptions: { login: '1', domain: 'd', transport: 'sctp' } });
// @ts-expect-error: no such status
call.on(CALL_STATUS.RINGING, () => {});
`;

describe('SDK typings: dist/sdk/parley.d.ts', { timeout: 120_000 }, () => {
  let dir: string;
  let dts: string;
  before(() => {
    ensureSdkBuilt();
    dts = readFileSync(join(ROOT, 'dist', 'sdk', 'parley.d.ts'), 'utf8');
    dir = mkdtempSync(join(tmpdir(), 'parley-typings-'));
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('is one file that imports nothing (no package, no sibling file)', () => {
    assert.doesNotMatch(dts, /^\s*import\s/m);
    assert.doesNotMatch(dts, /\sfrom\s+['"]/);
    assert.doesNotMatch(dts, /typebox/i);
    assert.match(dts, /export declare function createSession\(/);
  });

  test('a sample page type-checks against it with tsc and no node_modules; mistakes are errors', () => {
    copyFileSync(join(ROOT, 'dist', 'sdk', 'parley.d.ts'), join(dir, 'parley.d.ts'));
    writeFileSync(join(dir, 'page.ts'), SAMPLE);
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          target: 'es2022',
          module: 'esnext',
          moduleResolution: 'bundler',
          lib: ['es2022', 'dom'],
          types: [],
          typeRoots: [],
          skipLibCheck: false,
        },
        files: ['page.ts'],
      }),
    );
    const r = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], {
      cwd: dir,
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, `tsc failed:\n${r.stdout}${r.stderr}`);
  });
});
