import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import { SipEndpoint } from '../../sip/index.js';
import { loadConfig } from '../config/load-config.js';
import { sipListenConfig } from './create-ports.js';
import { DEMO_USERS_FILE, gatewaySources, registrarUsers, startEmbeddedRegistrar } from './embedded-registrar.js';
import { SipStackPort } from './sip-stack-port.js';

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

describe('the embedded registrar and the gateway on one machine', () => {
  test('50 accounts registering at once through the gateway all succeed; a flood from another port still gets 503', async () => {
    const users = Array.from({ length: 50 }, (_, i) => `${3000 + i}:pw${3000 + i}secret`).join(',');
    const config = loadConfig({
      env: {
        PARLEY_REGISTRAR_PORT: '0',
        PARLEY_SIP_PORT: '0',
        PARLEY_REGISTRAR_USERS: users,
        PARLEY_DATA_DIR: '/nonexistent',
      },
    });
    const log = pino({ level: 'silent' });
    let sources: readonly string[] = [];
    const registrar = await startEmbeddedRegistrar(config, log, { exemptSources: () => sources });
    assert.ok(registrar);
    const endpoint = await SipEndpoint.listen({ listen: sipListenConfig(config) });
    const flood = createSocket('udp4');
    try {
      sources = gatewaySources(endpoint.transport.addresses);
      assert.equal(sources.length, 1);
      const sip = new SipStackPort({ endpoint, log });
      const port = registrar.server.port('UDP');
      const accounts = Array.from({ length: 50 }, (_, i) =>
        sip.createAccount(
          {
            sessionId: `s${i}`,
            login: String(3000 + i),
            authenticationName: String(3000 + i),
            password: `pw${3000 + i}secret`,
            domain: `127.0.0.1:${port}`,
            transport: 'udp',
          },
          { onIncomingCall: () => undefined, onRegistrationLost: () => undefined },
        ),
      );
      const outcomes = await Promise.all(accounts.map((a) => a.register()));
      assert.deepEqual(
        outcomes.map((o) => o.status),
        outcomes.map(() => 200),
      );
      await Promise.all(accounts.map((a) => a.close()));

      // Another source (same IP, another port) sending a burst is still limited.
      await new Promise<void>((resolve) => flood.bind(0, '127.0.0.1', resolve));
      const answers: string[] = [];
      const got503 = new Promise<void>((resolve) =>
        flood.on('message', (m) => {
          answers.push(m.toString('latin1').split('\r\n')[0] ?? '');
          if (answers.at(-1)?.startsWith('SIP/2.0 503')) resolve();
        }),
      );
      const floodPort = flood.address().port;
      for (let i = 0; i < 40; i++) {
        const text =
          `REGISTER sip:127.0.0.1:${port} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${floodPort};branch=z9hG4bK${randomUUID()}\r\n` +
          `Max-Forwards: 70\r\nFrom: <sip:3000@127.0.0.1>;tag=${i}\r\nTo: <sip:3000@127.0.0.1>\r\nCall-ID: ${randomUUID()}\r\n` +
          `CSeq: 1 REGISTER\r\nContact: <sip:3000@127.0.0.1:${floodPort}>\r\nContent-Length: 0\r\n\r\n`;
        flood.send(text, port, '127.0.0.1');
      }
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        got503,
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no 503 to the flood; got ${answers.join(' | ')}`)), 5000);
        }),
      ]).finally(() => clearTimeout(timer));
    } finally {
      flood.close();
      await endpoint.close();
      await registrar.close();
    }
  });
});
