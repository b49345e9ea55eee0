// The Parley server for the call benchmark, alone in a child process (forked by setup.bench.ts) so that
// the clients' work is not on its event loop. It is the real server (config, SIP stack, media plane, HTTP,
// embedded registrar when asked), with probes at the two ends of each measured window, all timed with
// performance.now() in this process:
//   - a WebSocket message arriving / being sent: the server's diagnostics channels (src/server/http/ws-trace.ts);
//   - a SIP message leaving / arriving over UDP: dgram.Socket's send and 'message' event, wrapped here (the
//     SIP stack has no probe of its own; wrapping the socket times the datagram itself).
// Probe events go to the parent over IPC; so does process.memoryUsage() after a full GC, on request.

import { Socket } from 'node:dgram';
import { subscribe } from 'node:diagnostics_channel';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/server/config/load-config.js';
import { ParleyServer } from '../../src/server/http/parley-server.js';
import type { WsTraceIn, WsTraceOut } from '../../src/server/http/ws-trace.js';
import { createLogger } from '../../src/server/logger.js';
import { createPorts } from '../../src/server/wiring/create-ports.js';
import { startEmbeddedRegistrar } from '../../src/server/wiring/embedded-registrar.js';

export type ProbeEvent =
  | { type: 'probe'; kind: 'call.start'; at: number; callId: string }
  | { type: 'probe'; kind: 'established-sent'; at: number; callId: string }
  | { type: 'probe'; kind: 'invite-sent'; at: number; sipCallId: string }
  | { type: 'probe'; kind: '200-received'; at: number; sipCallId: string };

export type ServerReply =
  | { type: 'ready'; url: string; timeOrigin: number; registrarPort?: number }
  | ProbeEvent
  | { type: 'memory'; rss: number; heapUsed: number; external: number; arrayBuffers: number };

export type ServerRequest = { type: 'memory' } | { type: 'stop' };

const reply = (m: ServerReply) => process.send?.(m);
const sipCallId = (text: string) => /^(?:Call-ID|i)\s*:\s*(\S+)/im.exec(text)?.[1] ?? '';

// ─── probes ───────────────────────────────────────────────────────────────────────────────────────────
subscribe('parley:ws:in', (m) => {
  const e = m as WsTraceIn;
  if (e.message.type === 'call.start') reply({ type: 'probe', kind: 'call.start', at: e.at, callId: e.message.callId });
});
subscribe('parley:ws:out', (m) => {
  const e = m as WsTraceOut;
  if (e.message.type === 'call.status' && e.message.status === 'ESTABLISHED') {
    reply({ type: 'probe', kind: 'established-sent', at: e.at, callId: e.message.callId });
  }
});
const send = Socket.prototype.send as (...args: unknown[]) => void;
Socket.prototype.send = function (this: Socket, ...args: unknown[]) {
  const data = args[0];
  if (Buffer.isBuffer(data) && data.subarray(0, 7).toString('latin1') === 'INVITE ') {
    const at = performance.now();
    const text = data.toString('latin1');
    // A retransmission (Timer A, RFC 3261 §17.1.1.2) would time the same INVITE again: the parent keeps the first.
    reply({ type: 'probe', kind: 'invite-sent', at, sipCallId: sipCallId(text) });
  }
  send.apply(this, args);
} as typeof Socket.prototype.send;
const emit = Socket.prototype.emit as (event: string | symbol, ...args: unknown[]) => boolean;
Socket.prototype.emit = function (this: Socket, event: string | symbol, ...args: unknown[]) {
  const data = args[0];
  if (event === 'message' && Buffer.isBuffer(data) && data.subarray(0, 12).toString('latin1') === 'SIP/2.0 200 ') {
    const at = performance.now();
    const text = data.toString('latin1');
    if (/^(?:CSeq)\s*:\s*\d+\s+INVITE\s*$/im.test(text)) {
      reply({ type: 'probe', kind: '200-received', at, sipCallId: sipCallId(text) });
    }
  }
  return emit.call(this, event, ...args);
} as typeof Socket.prototype.emit;

// ─── the server, as src/server/main.ts starts it ─────────────────────────────────────────────────────────
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const config = loadConfig({ env: process.env });
const log = createLogger(config.logLevel);
const registrar = await startEmbeddedRegistrar(config, log);
const ports = await createPorts(config, log);
const server = new ParleyServer(config, {
  log,
  sip: ports.sip,
  media: ports.media,
  dirs: { sdkDir: join(root, 'dist', 'sdk'), phoneDirs: [join(root, 'dist', 'phone')] },
  ...(registrar ? { registrar: registrar.server } : {}),
});
const url = await server.listen();

process.on('message', async (m: ServerRequest) => {
  if (m.type === 'memory') {
    // Two full collections: the first may leave finalizers' garbage for the second.
    globalThis.gc?.();
    globalThis.gc?.();
    const mem = process.memoryUsage();
    reply({
      type: 'memory',
      rss: mem.rss,
      heapUsed: mem.heapUsed,
      external: mem.external,
      arrayBuffers: mem.arrayBuffers,
    });
  } else if (m.type === 'stop') {
    await server.close();
    await ports.close();
    await registrar?.close();
    process.disconnect?.();
  }
});
reply({
  type: 'ready',
  url: url.href,
  timeOrigin: performance.timeOrigin,
  ...(registrar ? { registrarPort: registrar.server.port('UDP') } : {}),
});
