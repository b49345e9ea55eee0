// Test support for the transport tests (not used by the stack): a logger that records, waiting for events
// with a deadline that fails the test, raw sockets to play the far end, and a throw-away TLS certificate.

import { execFileSync, spawnSync } from 'node:child_process';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from './logger.js';

export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  obj: Record<string, unknown>;
  msg: string;
}

export class RecordingLogger implements Logger {
  readonly entries: LogEntry[] = [];
  debug = (obj: Record<string, unknown>, msg: string) => this.entries.push({ level: 'debug', obj, msg });
  info = (obj: Record<string, unknown>, msg: string) => this.entries.push({ level: 'info', obj, msg });
  warn = (obj: Record<string, unknown>, msg: string) => this.entries.push({ level: 'warn', obj, msg });
  error = (obj: Record<string, unknown>, msg: string) => this.entries.push({ level: 'error', obj, msg });
  has(level: LogEntry['level'], msg: string): boolean {
    return this.entries.some((e) => e.level === level && e.msg.includes(msg));
  }
}

/** A deadline for waiting on an event: the test fails instead of hanging. Not a sleep. */
export const DEADLINE_MS = 5000;

export function deadline(): AbortSignal {
  return AbortSignal.timeout(DEADLINE_MS);
}

/** Waits until `predicate` holds, re-checking whenever `emitter` emits `event`. */
export async function waitUntil(
  emitter: NodeJS.EventEmitter,
  event: string,
  predicate: () => boolean,
  signal = deadline(),
): Promise<void> {
  while (!predicate()) await once(emitter, event, { signal });
}

export async function udpClient(): Promise<{ socket: UdpSocket; port: number; received: string[] }> {
  const socket = createSocket('udp4');
  const received: string[] = [];
  socket.on('message', (m) => received.push(m.toString('utf8')));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { socket, port: socket.address().port, received };
}

export function udpSend(socket: UdpSocket, data: string | Buffer, port: number): Promise<void> {
  return new Promise((resolve, reject) => socket.send(data, port, '127.0.0.1', (e) => (e ? reject(e) : resolve())));
}

export interface RawTcp {
  socket: Socket;
  /** Everything received, as text. */
  text: () => string;
  closed: () => boolean;
}

export async function tcpClient(port: number): Promise<RawTcp> {
  const socket = connect({ host: '127.0.0.1', port });
  let text = '';
  let closed = false;
  socket.on('data', (d) => {
    text += d.toString('utf8');
  });
  socket.on('close', () => {
    closed = true;
  });
  socket.on('error', () => {
    closed = true;
  });
  await once(socket, 'connect', { signal: deadline() });
  return { socket, text: () => text, closed: () => closed };
}

export function request(
  method: string,
  opts: { via: string; cseq?: string; body?: string; callId?: string; extra?: string } = { via: '' },
): string {
  const body = opts.body ?? '';
  return (
    `${method} sip:bob@127.0.0.1 SIP/2.0\r\n` +
    `Via: ${opts.via}\r\n` +
    'Max-Forwards: 70\r\n' +
    'From: <sip:alice@example.com>;tag=a1\r\n' +
    'To: <sip:bob@example.com>\r\n' +
    `Call-ID: ${opts.callId ?? 'c1@example.com'}\r\n` +
    `CSeq: ${opts.cseq ?? `1 ${method}`}\r\n` +
    (opts.extra ?? '') +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  );
}

/** A self-signed certificate for 127.0.0.1 made by the openssl CLI, or undefined when openssl is missing. */
export function selfSignedCert(): { cert: string; key: string } | undefined {
  if (spawnSync('openssl', ['version']).status !== 0) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'parley-tls-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
      ],
      { stdio: 'ignore' },
    );
    return { cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), key: readFileSync(join(dir, 'key.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
