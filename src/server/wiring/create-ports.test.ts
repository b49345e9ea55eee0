import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { SipEndpoint } from '../../sip/index.js';
import { selfSignedCert } from '../../sip/transport/testing.js';
import { ConfigError } from '../config/errors.js';
import { loadConfig } from '../config/load-config.js';
import { sipListenConfig } from './create-ports.js';

describe('the gateway SIP listener from the configuration', () => {
  test('UDP and TCP on PARLEY_SIP_HOST:PARLEY_SIP_PORT; no TLS without a certificate', () => {
    const config = loadConfig({ env: { PARLEY_SIP_HOST: '0.0.0.0', PARLEY_SIP_PORT: '5090' } });
    assert.deepEqual(sipListenConfig(config), [
      { transport: 'UDP', host: '0.0.0.0', port: 5090 },
      { transport: 'TCP', host: '0.0.0.0', port: 5090 },
    ]);
  });

  test('a certificate without its key (or the reverse) is a configuration error naming the missing one', () => {
    assert.throws(
      () => loadConfig({ env: { PARLEY_SIP_TLS_CERT: '/x/cert.pem' } }),
      (e: unknown) => e instanceof ConfigError && e.problems.some((p) => p.field === 'PARLEY_SIP_TLS_KEY'),
    );
  });

  const tls = selfSignedCert();
  test('with PARLEY_SIP_TLS_CERT and _KEY a TLS listener joins, on the SIP port + 1 by default', {
    skip: tls === undefined && 'openssl not installed',
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-tls-'));
    try {
      writeFileSync(join(dir, 'cert.pem'), tls?.cert ?? '');
      writeFileSync(join(dir, 'key.pem'), tls?.key ?? '');
      const env = { PARLEY_SIP_TLS_CERT: join(dir, 'cert.pem'), PARLEY_SIP_TLS_KEY: join(dir, 'key.pem') };
      const tlsEntry = sipListenConfig(loadConfig({ env: { ...env, PARLEY_SIP_PORT: '5090' } }))[2];
      assert.equal(tlsEntry?.transport, 'TLS');
      assert.equal(tlsEntry?.port, 5091);
      // On free ports, the endpoint serves accounts over TLS as well.
      const endpoint = await SipEndpoint.listen({
        listen: sipListenConfig(loadConfig({ env: { ...env, PARLEY_SIP_PORT: '0' } })),
      });
      try {
        assert.deepEqual(
          endpoint.transport.addresses.map((a) => a.transport),
          ['UDP', 'TCP', 'TLS'],
        );
        const ua = endpoint.createUserAgent({ user: '1001', domain: '127.0.0.1', transport: 'TLS' });
        assert.match(ua.ctx.contact, /;transport=tls>$/);
      } finally {
        await endpoint.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
