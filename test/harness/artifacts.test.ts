import assert from 'node:assert/strict';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { withArtifacts } from './artifacts.js';

describe('withArtifacts', () => {
  test('removes the artifacts dir when the body passes, after running cleanups latest first', async () => {
    const order: string[] = [];
    let dir = '';
    await withArtifacts({ name: 'artifacts unit: pass' }, async (artifacts) => {
      dir = artifacts.dir;
      writeFileSync(artifacts.path('peer', 'peer.log'), 'hello\n');
      artifacts.defer(() => order.push('first registered'));
      artifacts.defer(async () => order.push('last registered'));
    });
    assert.deepEqual(order, ['last registered', 'first registered']);
    assert.equal(existsSync(dir), false);
  });

  test('keeps the dir and rethrows when the body fails, cleanups still run', async () => {
    let dir = '';
    let cleaned = false;
    await assert.rejects(
      withArtifacts({ name: 'artifacts unit: fail', fullName: 'suite > artifacts unit: fail' }, async (artifacts) => {
        dir = artifacts.dir;
        writeFileSync(artifacts.path('peer.log'), 'what went wrong\n');
        artifacts.defer(() => {
          cleaned = true;
        });
        throw new Error('the assertion that failed');
      }),
      /the assertion that failed/,
    );
    try {
      assert.equal(cleaned, true);
      assert.ok(existsSync(`${dir}/peer.log`), 'the peer log is kept');
      assert.match(dir, /suite_artifacts_unit_fail-[0-9a-f]{8}$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a failing cleanup fails the test and keeps the dir; the other cleanups still run', async () => {
    let dir = '';
    let otherRan = false;
    await assert.rejects(
      withArtifacts({ name: 'artifacts unit: cleanup fails' }, async (artifacts) => {
        dir = artifacts.dir;
        artifacts.defer(() => {
          otherRan = true;
        });
        artifacts.defer(() => {
          throw new Error('peer would not stop');
        });
      }),
      AggregateError,
    );
    try {
      assert.equal(otherRan, true);
      assert.ok(existsSync(dir));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
