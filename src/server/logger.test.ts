import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger } from './logger.js';

test('passwords, Authorization headers and API keys never reach a log line', () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const log = createLogger('info', sink);
  log.info({ sipOptions: { login: '1001', password: 'hunter2' } }, 'connect');
  log.info({ req: { headers: { authorization: 'Bearer k3y' } } }, 'request');
  log.info({ config: { apiKey: 'sekret-key', httpPort: 8080 } }, 'config');
  const all = lines.join('');
  assert.equal(lines.length, 3, 'one line per event');
  for (const secret of ['hunter2', 'k3y', 'sekret-key']) assert.ok(!all.includes(secret), secret);
  assert.match(all, /"login":"1001"/);
  assert.match(all, /"httpPort":8080/);
});
