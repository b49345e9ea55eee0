import assert from 'node:assert/strict';
import { test } from 'node:test';
import Fastify from 'fastify';
import { type DemoAccounts, registerDemoAccounts } from './demo-accounts.js';

const demo: DemoAccounts = { domain: '127.0.0.1', port: 5060, accounts: [{ login: '1001', password: 'pw1' }] };

async function app(accounts: DemoAccounts | undefined) {
  const f = Fastify();
  registerDemoAccounts(f, () => accounts);
  await f.ready();
  return f;
}

test('GET /demo/accounts gives the demo accounts to a browser on this machine', async (t) => {
  const f = await app(demo);
  t.after(() => f.close());
  const res = await f.inject({ method: 'GET', url: '/demo/accounts', remoteAddress: '127.0.0.1' });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), demo);
  assert.equal(res.headers['cache-control'], 'no-store');
});

test('GET /demo/accounts is 404 for a client on the network, and when the users are configured', async (t) => {
  const withDemo = await app(demo);
  const configured = await app(undefined);
  t.after(() => Promise.all([withDemo.close(), configured.close()]));
  const remote = await withDemo.inject({ method: 'GET', url: '/demo/accounts', remoteAddress: '192.0.2.7' });
  assert.equal(remote.statusCode, 404);
  assert.doesNotMatch(remote.body, /pw1/);
  const none = await configured.inject({ method: 'GET', url: '/demo/accounts', remoteAddress: '127.0.0.1' });
  assert.equal(none.statusCode, 404);
});
