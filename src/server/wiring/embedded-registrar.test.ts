import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../config/load-config.js';
import { DEMO_USERS_FILE, registrarUsers } from './embedded-registrar.js';

test('demo users 1001-1010 get generated passwords once, kept private in the data folder', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-registrar-'));
  try {
    const config = loadConfig({ env: { PARLEY_DATA_DIR: dir } });
    const first = registrarUsers(config);
    assert.equal(first.source, 'generated');
    assert.deepEqual(Object.keys(first.users), [
      '1001',
      '1002',
      '1003',
      '1004',
      '1005',
      '1006',
      '1007',
      '1008',
      '1009',
      '1010',
    ]);
    const passwords = Object.values(first.users);
    assert.equal(new Set(passwords).size, 10, 'all different');
    for (const p of passwords) assert.match(p, /^[A-Za-z0-9_-]{12}$/);
    const file = join(dir, DEMO_USERS_FILE);
    assert.equal(statSync(file).mode & 0o077, 0, 'readable by the owner only');
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), first.users);
    const second = registrarUsers(config);
    assert.equal(second.source, 'file');
    assert.deepEqual(second.users, first.users);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('configured users win over the demo users', () => {
  const config = loadConfig({ env: { PARLEY_REGISTRAR_USERS: '2001:a,2002:b', PARLEY_DATA_DIR: '/nonexistent' } });
  assert.deepEqual(registrarUsers(config), { users: { 2001: 'a', 2002: 'b' }, source: 'config' });
});
