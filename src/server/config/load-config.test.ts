import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { renderConfigDoc } from './config-doc.js';
import { ConfigError } from './errors.js';
import { loadConfig, redactConfig } from './load-config.js';

const problemsOf = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e.problems.map((p) => `${p.field}: ${p.message}`);
  }
  assert.fail('expected a ConfigError');
};

describe('loadConfig', () => {
  test('defaults bind everything to loopback; the gateway SIP port is not the registrar one', () => {
    const c = loadConfig({ env: {} });
    assert.equal(c.httpHost, '127.0.0.1');
    assert.equal(c.httpPort, 8080);
    assert.equal(c.sipHost, '127.0.0.1');
    assert.equal(c.sipPort, 5070);
    assert.equal(c.mediaIp, '127.0.0.1');
    assert.deepEqual(c.mediaPorts, { min: 20000, max: 20999 });
    assert.equal(c.registrar, true);
    assert.equal(c.registrarHost, '127.0.0.1');
    assert.equal(c.registrarPort, 5060);
    assert.equal(c.logLevel, 'info');
    assert.equal(c.apiKey, undefined);
  });

  test('environment variables are parsed into typed values', () => {
    const c = loadConfig({
      env: {
        PARLEY_HTTP_PORT: '0',
        PARLEY_MEDIA_PORTS: '30000-30100',
        PARLEY_REGISTRAR: 'off',
        PARLEY_REGISTRAR_USERS: '1001:secret1,1002:pa:ss',
        PARLEY_LOG_LEVEL: 'debug',
        PARLEY_API_KEY: 'k'.repeat(20),
        PARLEY_WEBHOOK_URL: 'http://127.0.0.1:9999/hook',
      },
    });
    assert.equal(c.httpPort, 0);
    assert.deepEqual(c.mediaPorts, { min: 30000, max: 30100 });
    assert.equal(c.registrar, false);
    assert.deepEqual(c.registrarUsers, [
      { user: '1001', password: 'secret1' },
      { user: '1002', password: 'pa:ss' },
    ]);
    assert.equal(c.logLevel, 'debug');
    assert.equal(c.webhookUrl, 'http://127.0.0.1:9999/hook');
  });

  test('every bad value is reported at once, each named by its variable', () => {
    const problems = problemsOf(() =>
      loadConfig({
        env: {
          PARLEY_HTTP_PORT: '80a',
          PARLEY_MEDIA_PORTS: '20999-20000',
          PARLEY_MEDIA_IP: 'localhost',
          PARLEY_REGISTRAR: 'maybe',
          PARLEY_LOG_LEVEL: 'loud',
          PARLEY_REGISTRAR_USERS: '1001',
          PARLEY_WEBHOOK_URL: 'ftp://x',
        },
      }),
    );
    assert.deepEqual(problems, [
      'PARLEY_HTTP_PORT: expected a port number 0-65535',
      'PARLEY_MEDIA_IP: expected an IPv4 or IPv6 address',
      'PARLEY_MEDIA_PORTS: expected a range like 20000-20999 (ports 1024-65535, low-high)',
      'PARLEY_WEBHOOK_URL: expected an http:// or https:// URL',
      'PARLEY_LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent',
      'PARLEY_REGISTRAR: expected on or off',
      'PARLEY_REGISTRAR_USERS: expected a list like 1001:secret1,1002:secret2',
    ]);
  });

  test('numbers in other notations and out of range are refused', () => {
    for (const port of ['0x50', '1e3', '-1', '65536', ' ']) {
      if (port.trim() === '') continue;
      assert.deepEqual(
        problemsOf(() => loadConfig({ env: { PARLEY_HTTP_PORT: port } })),
        ['PARLEY_HTTP_PORT: expected a port number 0-65535'],
        port,
      );
    }
    assert.deepEqual(
      problemsOf(() => loadConfig({ env: { PARLEY_MEDIA_PORTS: '80-90' } })),
      ['PARLEY_MEDIA_PORTS: expected a range like 20000-20999 (ports 1024-65535, low-high)'],
    );
  });

  test('the file gives values, the environment overrides them, and file errors name file and key', () => {
    const files: Record<string, string> = {
      'p.json': JSON.stringify({
        httpPort: 9000,
        sipPort: 5080,
        mediaPorts: '40000-40010',
        registrarUsers: { '1001': 's1' },
      }),
      'bad.json': JSON.stringify({ httpPort: 'eighty', mediaPort: '1-2' }),
    };
    const readFile = (p: string) => {
      const f = files[p];
      if (f === undefined) throw new Error('ENOENT');
      return f;
    };
    const c = loadConfig({ env: { PARLEY_CONFIG: 'p.json', PARLEY_SIP_PORT: '5090' }, readFile });
    assert.equal(c.httpPort, 9000);
    assert.equal(c.sipPort, 5090);
    assert.deepEqual(c.mediaPorts, { min: 40000, max: 40010 });
    assert.deepEqual(c.registrarUsers, [{ user: '1001', password: 's1' }]);
    const problems = problemsOf(() => loadConfig({ env: { PARLEY_CONFIG: 'bad.json' }, readFile }));
    assert.equal(problems.length, 2);
    assert.match(problems[0] ?? '', /^bad\.json: mediaPort: unknown setting/);
    assert.equal(problems[1], 'bad.json: httpPort: expected a port number 0-65535');
    assert.match(
      problemsOf(() => loadConfig({ env: { PARLEY_CONFIG: 'none.json' }, readFile }))[0] ?? '',
      /^PARLEY_CONFIG: cannot read none\.json/,
    );
  });

  test('the registrar and the gateway may not share a SIP port', () => {
    assert.deepEqual(
      problemsOf(() => loadConfig({ env: { PARLEY_REGISTRAR_PORT: '5070' } })),
      ['PARLEY_REGISTRAR_PORT: the registrar and the gateway cannot both use SIP port 5070'],
    );
    assert.equal(loadConfig({ env: { PARLEY_REGISTRAR_PORT: '5070', PARLEY_REGISTRAR: 'off' } }).registrar, false);
  });

  test('the REST API is never open to the network: a non-loopback HTTP host needs PARLEY_API_KEY', () => {
    for (const host of ['0.0.0.0', '192.168.1.10', '::', 'parley.example.com']) {
      const problems = problemsOf(() => loadConfig({ env: { PARLEY_HTTP_HOST: host } }));
      assert.equal(problems.length, 1, host);
      assert.match(
        problems[0] ?? '',
        /^PARLEY_API_KEY: must be set when PARLEY_HTTP_HOST \(.+\) is not a loopback/,
        host,
      );
    }
    assert.equal(
      loadConfig({ env: { PARLEY_HTTP_HOST: '0.0.0.0', PARLEY_API_KEY: 'k'.repeat(16) } }).httpHost,
      '0.0.0.0',
    );
    for (const host of ['127.0.0.1', '127.0.0.2', '::1', 'localhost']) {
      assert.equal(loadConfig({ env: { PARLEY_HTTP_HOST: host } }).httpHost, host);
    }
  });

  test('session, call and media limits have defaults and are read from the environment', () => {
    const d = loadConfig({ env: {} });
    assert.equal(d.maxMediaSessions, 1000);
    assert.equal(d.maxCallsPerSession, 16);
    const c = loadConfig({
      env: { PARLEY_WS_MAX_SESSIONS: '5', PARLEY_WS_MAX_SESSIONS_PER_IP: '2', PARLEY_MAX_MEDIA_SESSIONS: '3' },
    });
    assert.equal(c.wsMaxSessions, 5);
    assert.equal(c.wsMaxSessionsPerIp, 2);
    assert.equal(c.maxMediaSessions, 3);
  });

  test('SIP media encryption: none by default, sdes from the environment or the file, anything else refused', () => {
    assert.equal(loadConfig({ env: {} }).sipMediaEncryption, 'none');
    assert.equal(loadConfig({ env: { PARLEY_SIP_MEDIA_ENCRYPTION: 'sdes' } }).sipMediaEncryption, 'sdes');
    assert.equal(loadConfig({ env: { PARLEY_SIP_MEDIA_ENCRYPTION: ' SDES ' } }).sipMediaEncryption, 'sdes');
    const readFile = () => JSON.stringify({ sipMediaEncryption: 'sdes' });
    assert.equal(loadConfig({ env: { PARLEY_CONFIG: 'p.json' }, readFile }).sipMediaEncryption, 'sdes');
    for (const bad of ['srtp', 'dtls', 'yes', ' ']) {
      try {
        loadConfig({ env: { PARLEY_SIP_MEDIA_ENCRYPTION: bad } });
        assert.fail(`${JSON.stringify(bad)} was accepted`);
      } catch (e) {
        assert.ok(e instanceof ConfigError, String(e));
        assert.equal(e.code, 'CONFIG_INVALID');
        assert.deepEqual(e.problems, [{ field: 'PARLEY_SIP_MEDIA_ENCRYPTION', message: 'expected none or sdes' }]);
      }
    }
    assert.deepEqual(
      problemsOf(() =>
        loadConfig({ env: { PARLEY_CONFIG: 'p.json' }, readFile: () => JSON.stringify({ sipMediaEncryption: true }) }),
      ),
      ['p.json: sipMediaEncryption: expected none or sdes'],
    );
  });

  test('redactConfig masks secrets', () => {
    const c = loadConfig({ env: { PARLEY_API_KEY: 'super-secret-key', PARLEY_REGISTRAR_USERS: '1001:pw' } });
    const shown = JSON.stringify(redactConfig(c));
    assert.ok(!shown.includes('super-secret-key'));
    assert.ok(!shown.includes('pw'));
    assert.match(shown, /"apiKey":"\[redacted\]"/);
  });
});

test('docs/configuration.md is the rendering of the settings table (table padding aside)', () => {
  // The formatter pads Markdown tables; compare cell contents, not alignment.
  const cells = (md: string) => md.replace(/ *\| */g, '|').replace(/-{3,}/g, '---');
  const committed = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');
  assert.equal(cells(committed), cells(renderConfigDoc()), 'regenerate docs/configuration.md with renderConfigDoc()');
});
