// The SDK's plain public types against the protocol's schemas: `tsc` fails here when they drift apart
// (each must be assignable to the other); the runtime test only keeps node:test aware of the file.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SipOptions as ProtocolSipOptions } from '../protocol/client-messages.js';
import type {
  DtmfType as ProtocolDtmfType,
  SipHeaders as ProtocolSipHeaders,
  Transport as ProtocolTransport,
} from '../protocol/common.js';
import type { DtmfType, SipHeaders, SipOptions, Transport } from './public-types.js';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const checks: [
  Same<SipOptions, ProtocolSipOptions>,
  Same<SipHeaders, ProtocolSipHeaders>,
  Same<DtmfType, ProtocolDtmfType>,
  Same<Transport, ProtocolTransport>,
] = [true, true, true, true];

test('the public types are the protocol schemas as plain TypeScript (checked by tsc)', () => {
  assert.deepEqual(checks, [true, true, true, true]);
});
