import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Emitter } from './emitter.js';

test('handlers run in order; one that throws is reported and does not stop the others', () => {
  const e = new Emitter();
  const seen: string[] = [];
  const errors: unknown[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => errors.push(args);
  try {
    e.on('RING', (x: string) => seen.push(`a${x}`));
    e.on('RING', () => {
      throw new Error('app bug');
    });
    e.on('RING', (x: string) => seen.push(`c${x}`));
    e.emit('RING', '1');
  } finally {
    console.error = original;
  }
  assert.deepEqual(seen, ['a1', 'c1']);
  assert.equal(errors.length, 1);
});

test('off removes a handler; a handler that is not a function is refused at once', () => {
  const e = new Emitter();
  let n = 0;
  const h = () => n++;
  e.on('X', h);
  e.off('X', h);
  e.emit('X');
  assert.equal(n, 0);
  assert.throws(() => e.on('X', 'nope' as unknown as () => void), TypeError);
});
