// The static files (SDK, phone page) on a real fastify instance, from a temporary folder.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Fastify from 'fastify';
import { registerStaticFiles } from './static-files.js';

test('files are loaded once: served after they left the disk; a new build is found on a miss', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-static-'));
  const app = Fastify();
  try {
    const sdk = join(dir, 'sdk');
    const phone = join(dir, 'phone');
    mkdirSync(sdk);
    mkdirSync(join(phone, 'assets'), { recursive: true });
    writeFileSync(join(sdk, 'parley.mjs'), 'export const v = 1;');
    writeFileSync(join(sdk, 'secret.env'), 'not served');
    writeFileSync(join(phone, 'index.html'), '<!doctype html><title>phone</title>');
    writeFileSync(join(phone, 'assets', 'app.js'), 'app()');
    let clock = 0;
    registerStaticFiles(app, { sdkDir: sdk, phoneDirs: [join(dir, 'none'), phone] }, () => clock);
    await app.ready();
    const get = (url: string) => app.inject({ method: 'GET', url });

    const mjs = await get('/sdk/parley.mjs');
    assert.equal(mjs.statusCode, 200);
    assert.match(mjs.headers['content-type'] as string, /^text\/javascript/);
    assert.equal(mjs.body, 'export const v = 1;');
    assert.equal((await get('/sdk/secret.env')).statusCode, 404, 'only known types');
    assert.equal((await get('/sdk/../package.json')).statusCode, 404);
    assert.match((await get('/')).body, /<title>phone/);
    assert.equal((await get('/assets/app.js')).body, 'app()');

    // Deleted (a rebuild in progress): still served from memory.
    unlinkSync(join(sdk, 'parley.mjs'));
    assert.equal((await get('/sdk/parley.mjs')).body, 'export const v = 1;');

    // A file that appears later is found on a miss, once the last reload is a second old (404 floods pace).
    writeFileSync(join(sdk, 'parley.js'), 'var Parley = {};');
    assert.equal((await get('/sdk/parley.js')).statusCode, 404, 'the misses above just reloaded');
    clock += 1000;
    const js = await get('/sdk/parley.js');
    assert.equal(js.statusCode, 200);
    assert.equal(js.body, 'var Parley = {};');
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('without a built phone page, / is the placeholder', async () => {
  const app = Fastify();
  try {
    registerStaticFiles(app, { sdkDir: '/nonexistent/sdk', phoneDirs: ['/nonexistent/phone'] });
    const r = await app.inject({ method: 'GET', url: '/' });
    assert.equal(r.statusCode, 200);
    assert.match(r.body, /Parley is running/);
  } finally {
    await app.close();
  }
});
