// Test helper: reads an SDP fixture from test/fixtures/sdp and parses it (throws: tests only).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSessionDescription, type SessionDescription } from './session-description.js';

const dir = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'sdp');

export const fixtureText = (name: string): string => readFileSync(join(dir, name), 'utf8');

export function fixture(name: string): SessionDescription {
  const r = parseSessionDescription(fixtureText(name));
  if (!r.ok) throw r.error;
  return r.value;
}
