import assert from 'node:assert/strict';
import { networkInterfaces } from 'node:os';
import { describe, test } from 'node:test';
import { isUnroutableAddress } from './unroutable-address.js';

describe('isUnroutableAddress', () => {
  test('unspecified, multicast, reserved and broadcast addresses name no single device', () => {
    for (const h of [
      '0.0.0.0',
      '0.1.2.3',
      '224.0.0.1',
      '239.255.255.250',
      '240.0.0.1',
      '255.255.255.255',
      '::',
      '[::]',
      '0:0:0:0:0:0:0:0',
      'ff02::1',
      '[FF05::1:3]',
      '::ffff:224.0.0.1',
      '::ffff:255.255.255.255',
    ]) {
      assert.ok(isUnroutableAddress(h), h);
    }
  });

  test('ordinary addresses and host names are routable', () => {
    for (const h of [
      '127.0.0.1',
      '192.0.2.10',
      '10.0.0.1',
      '::1',
      '[2001:db8::1]',
      '::ffff:192.0.2.1',
      'example.com',
    ]) {
      assert.ok(!isUnroutableAddress(h), h);
    }
  });

  test("this machine's directed broadcast addresses are refused", (t) => {
    const nets = Object.values(networkInterfaces())
      .flat()
      .filter((a) => a !== undefined && a.family === 'IPv4' && a.cidr !== null && Number(a.cidr.split('/')[1]) <= 24);
    const net = nets[0];
    if (net === undefined) {
      t.skip('no IPv4 network of /24 or wider on this machine');
      return;
    }
    const prefix = Number(net.cidr!.split('/')[1]);
    const ip = net.address.split('.').reduce((n, p) => n * 256 + Number(p), 0);
    const size = 2 ** (32 - prefix);
    const b = ip - (ip % size) + size - 1;
    const broadcast = [24, 16, 8, 0].map((s) => Math.floor(b / 2 ** s) % 256).join('.');
    assert.ok(isUnroutableAddress(broadcast), `${broadcast} (${net.cidr})`);
  });
});
