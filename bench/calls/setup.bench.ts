// npm run bench:calls — call setup overhead and memory of the real Parley server (issue 5).
//
// Setup: calls one after another from a Node stand-in for the browser (node-browser.ts: the SDK's messages,
// a werift RTCPeerConnection) through the real server to a sipp UAS that answers at once. The server runs
// alone in a child process (traced-server.ts) and timestamps, on its own clock:
//   call.start → INVITE   from the WebSocket call.start arriving to the INVITE datagram leaving Parley;
//   200 OK → ESTABLISHED  from the INVITE's 200 OK datagram arriving to call.status ESTABLISHED sent;
//   and that message's last hop, to the client's hands (clocks of the two processes aligned on timeOrigin).
// Memory: 1,000 sessions registered at Kamailio, then active calls to sipp (werift peers connected, ICE +
// DTLS done); RSS and V8 heap after a full GC, deltas divided by the count.
//   node --import tsx bench/calls/setup.bench.ts [calls] [sessions] [activeCalls]   (default 300 1000 100)
import { type ChildProcess, fork } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Artifacts } from '../../test/harness/artifacts.js';
import { startKamailio } from '../../test/harness/kamailio.js';
import { freeSipPort, freeUdpRange } from '../../test/harness/ports.js';
import { startSipp } from '../../test/harness/sipp.js';
import { ANSWER_PCMU_UAS_SCENARIO } from '../../test/harness/sipp-scenarios.js';
import { type NodeSession, openSession, type PlacedCall, placeCall } from './node-browser.js';
import type { ServerReply, ServerRequest } from './traced-server.js';

const CALLS = Number(process.argv[2] ?? 300);
const SESSIONS = Number(process.argv[3] ?? 1000);
const ACTIVE = Number(process.argv[4] ?? 100);
const WARMUP = 20;

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
const ms = (v: number) => `${v.toFixed(2)} ms`;
const kib = (v: number) => `${(v / 1024).toFixed(1)} KiB`;

class TracedServer {
  readonly child: ChildProcess;
  readonly probes: Extract<ServerReply, { type: 'probe' }>[] = [];
  readonly #memWaiters: ((m: Extract<ServerReply, { type: 'memory' }>) => void)[] = [];
  readonly ready: Promise<Extract<ServerReply, { type: 'ready' }>>;

  constructor(env: Record<string, string>, logFile: string) {
    this.child = fork(join(import.meta.dirname, 'traced-server.ts'), [], {
      execArgv: ['--import', 'tsx', '--expose-gc'],
      env: { ...process.env, PARLEY_HTTP_PORT: '0', PARLEY_LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const log = createWriteStream(logFile);
    this.child.stdout?.pipe(log);
    this.child.stderr?.pipe(log);
    this.ready = new Promise((resolve, reject) => {
      this.child.once('exit', (code) => reject(new Error(`server exited with ${code}; see ${logFile}`)));
      this.child.on('message', (m: ServerReply) => {
        if (m.type === 'ready') resolve(m);
        else if (m.type === 'probe') this.probes.push(m);
        else if (m.type === 'memory') this.#memWaiters.shift()?.(m);
      });
    });
  }

  memory(): Promise<Extract<ServerReply, { type: 'memory' }>> {
    return new Promise((resolve) => {
      this.#memWaiters.push(resolve);
      this.child.send({ type: 'memory' } satisfies ServerRequest);
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.send({ type: 'stop' } satisfies ServerRequest);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

interface SetupFigures {
  toInvite: number[];
  toEstablished: number[];
  /** call.status ESTABLISHED sent by the server → received by the client (another process: clocks aligned on
   * performance.timeOrigin). */
  toClient: number[];
}

async function setupOverhead(artifacts: Artifacts): Promise<SetupFigures> {
  const sipp = await startSipp(artifacts, {
    scenario: ANSWER_PCMU_UAS_SCENARIO,
    name: 'sipp-uas',
    calls: CALLS + WARMUP,
    timeoutMs: 3_600_000,
  });
  const media = await freeUdpRange(200);
  const server = new TracedServer(
    {
      // One session places every call back to back: far above a person's message rate, so the limit is lifted.
      PARLEY_WS_MESSAGES_PER_SECOND: '100000',
      PARLEY_REGISTRAR: 'off',
      PARLEY_MEDIA_PORTS: `${media.min}-${media.max}`,
      PARLEY_SIP_PORT: String(await freeSipPort()),
    },
    artifacts.path('server-setup.log'),
  );
  try {
    const { url, timeOrigin } = await server.ready;
    const wsUrl = `${url.replace(/^http/, 'ws')}ws`;
    const session = await openSession(wsUrl, { login: 'bench', domain: '127.0.0.1', registerRequired: false });
    const callIds: string[] = [];
    const arrived = new Map<string, number>();
    for (let i = 0; i < CALLS + WARMUP; i++) {
      const call = await placeCall(session, `sip:bench@${sipp.address}`);
      if (i >= WARMUP) {
        callIds.push(call.callId);
        arrived.set(call.callId, call.establishedAt);
      }
      await call.hangup();
      if ((i + 1) % 50 === 0) process.stderr.write(`  ${i + 1}/${CALLS + WARMUP} calls\n`);
    }
    await session.close();
    // Calls ran one at a time: the n-th INVITE and 200 belong to the n-th call.start.
    const byKind = (k: string) => server.probes.filter((p) => p.kind === k);
    const firstPerSip = (k: string) => {
      const seen = new Set<string>();
      return byKind(k).filter((p) => {
        const id = 'sipCallId' in p ? p.sipCallId : '';
        if (seen.has(id)) return false;
        seen.add(id);
        return true;
      });
    };
    const starts = byKind('call.start');
    const invites = firstPerSip('invite-sent');
    const oks = firstPerSip('200-received');
    const established = byKind('established-sent');
    const toInvite: number[] = [];
    const toEstablished: number[] = [];
    const toClient: number[] = [];
    starts.forEach((s, i) => {
      if (!('callId' in s) || !callIds.includes(s.callId)) return;
      const inv = invites[i];
      const ok = oks[i];
      const est = established.find((e) => 'callId' in e && e.callId === s.callId);
      if (!inv || !ok || !est) throw new Error(`call ${i}: a probe is missing`);
      toInvite.push(inv.at - s.at);
      toEstablished.push(est.at - ok.at);
      toClient.push((arrived.get(s.callId) ?? Number.NaN) - (timeOrigin + est.at));
    });
    return { toInvite, toEstablished, toClient };
  } finally {
    await server.stop();
    await sipp.stop();
  }
}

async function memory(artifacts: Artifacts) {
  // Kamailio, not the embedded registrar: the embedded one rate-limits REGISTERs per source address, and
  // every account's REGISTER comes from the gateway's one SIP port (see bench/README.md).
  const users = Array.from({ length: SESSIONS }, (_, i) => ({ user: `u${1000 + i}`, password: `pw${1000 + i}bench` }));
  const kamailio = await startKamailio(artifacts, { users, timeoutMs: 30_000 });
  const media = await freeUdpRange(Math.max(200, ACTIVE * 4 + 20));
  const server = new TracedServer(
    {
      PARLEY_REGISTRAR: 'off',
      PARLEY_SIP_PORT: String(await freeSipPort()),
      PARLEY_MEDIA_PORTS: `${media.min}-${media.max}`,
      PARLEY_LOG_LEVEL: 'warn',
    },
    artifacts.path('server-memory.log'),
  );
  const sipp = await startSipp(artifacts, {
    scenario: ANSWER_PCMU_UAS_SCENARIO,
    name: 'sipp-memory',
    calls: ACTIVE,
    timeoutMs: 3_600_000,
  });
  const sessions: NodeSession[] = [];
  const calls: PlacedCall[] = [];
  try {
    const { url } = await server.ready;
    const wsUrl = `${url.replace(/^http/, 'ws')}ws`;
    const m0 = await server.memory();
    const t0 = performance.now();
    for (let i = 0; i < SESSIONS; i += 50) {
      const batch = users
        .slice(i, i + 50)
        .map((u) =>
          openSession(wsUrl, { login: u.user, password: u.password, domain: kamailio.domain, registerRequired: true }),
        );
      sessions.push(...(await Promise.all(batch)));
    }
    const registerSeconds = (performance.now() - t0) / 1000;
    const m1 = await server.memory();
    const callers: NodeSession[] = [];
    for (let i = 0; i < ACTIVE; i++) {
      callers.push(await openSession(wsUrl, { login: `c${i}`, domain: '127.0.0.1', registerRequired: false }));
    }
    const m2 = await server.memory();
    for (let i = 0; i < ACTIVE; i += 10) {
      const batch = callers.slice(i, i + 10).map((s) => placeCall(s, `sip:bench@${sipp.address}`));
      calls.push(...(await Promise.all(batch)));
    }
    const m3 = await server.memory();
    for (const c of calls) await c.hangup();
    sessions.push(...callers);
    return { m0, m1, m2, m3, registerSeconds };
  } finally {
    await Promise.all(sessions.map((s) => s.close()));
    await server.stop();
    await sipp.stop();
    await kamailio.stop();
  }
}

const artifacts = new Artifacts('bench-calls');
console.log(
  `Call setup: ${CALLS} calls (after ${WARMUP} warm-up), one at a time, Node werift client → Parley → sipp UAS`,
);
const { toInvite, toEstablished, toClient } = await setupOverhead(artifacts);
const sortedA = [...toInvite].sort((a, b) => a - b);
const sortedB = [...toEstablished].sort((a, b) => a - b);
const sortedC = [...toClient].sort((a, b) => a - b);
console.table([
  {
    window: 'call.start in → INVITE out',
    n: sortedA.length,
    p50: ms(pct(sortedA, 50)),
    p99: ms(pct(sortedA, 99)),
    max: ms(sortedA.at(-1) ?? Number.NaN),
  },
  {
    window: '200 OK in → ESTABLISHED out',
    n: sortedB.length,
    p50: ms(pct(sortedB, 50)),
    p99: ms(pct(sortedB, 99)),
    max: ms(sortedB.at(-1) ?? Number.NaN),
  },
  {
    window: 'ESTABLISHED out → client has it',
    n: sortedC.length,
    p50: ms(pct(sortedC, 50)),
    p99: ms(pct(sortedC, 99)),
    max: ms(sortedC.at(-1) ?? Number.NaN),
  },
]);

console.log(`Memory: ${SESSIONS} sessions registered at Kamailio, then ${ACTIVE} active calls`);
const { m0, m1, m2, m3, registerSeconds } = await memory(artifacts);
console.table([
  {
    what: 'per idle REGISTERED session',
    rss: kib((m1.rss - m0.rss) / SESSIONS),
    heap: kib((m1.heapUsed - m0.heapUsed) / SESSIONS),
  },
  {
    what: 'per active call (beyond its session)',
    rss: kib((m3.rss - m2.rss) / ACTIVE),
    heap: kib((m3.heapUsed - m2.heapUsed) / ACTIVE),
  },
]);
console.log(
  `  baseline RSS ${(m0.rss / 2 ** 20).toFixed(1)} MiB, heap ${(m0.heapUsed / 2 ** 20).toFixed(1)} MiB; ` +
    `${SESSIONS} sessions registered in ${registerSeconds.toFixed(1)} s; artifacts in ${artifacts.dir}`,
);
