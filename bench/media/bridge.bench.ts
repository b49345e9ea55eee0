// npm run bench:media — N concurrent passthrough audio bridges, Parley's media plane and a peer relay
// (rtpengine in user space) measured in the same run under the same load: per call a werift client
// (ICE, DTLS-SRTP, PCMU, 50 packets a second) ⇄ relay ⇄ a plain-RTP device socket (50 packets a second
// the other way). The far ends run in a child process (load-generator.ts). Measured for the relay's
// process only: CPU time over the steady window (Parley: process.cpuUsage of this process; rtpengine:
// /proc/<pid>/stat, all threads), per call-second and per relayed packet; resident memory per call.
// Latency is one-way generator → relay → generator (it includes the generator's SRTP work and its event
// loop); loss is what did not come back. See bench/README.md.
//   node --import tsx bench/media/bridge.bench.ts [--peer=rtpengine|none] [N ...]   (default 10 100 300;
//   the peer defaults to rtpengine when /usr/bin/rtpengine exists; BENCH_PEER does the same)

import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { packetPathInUse } from '../../src/media/native/native-addon.js';
import type { GeneratorReply, GeneratorRequest } from './load-generator.js';
import { startParleyRelay } from './parley-relay.js';
import type { Relay } from './relay.js';
import { rtpengineAvailable, startRtpEngineRelay } from './rtpengine-relay.js';

const WARMUP_MS = 2000;
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 10_000);
const SETUP_BATCH = 10;

/** BENCH_PROFILE_PLANE=dir: a CPU profile of this process over the steady window only (not setup). */
async function startProfiler(): Promise<(file: string) => Promise<void>> {
  const { Session } = await import('node:inspector/promises');
  const { writeFileSync, mkdirSync } = await import('node:fs');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return async (file) => {
    const { profile } = await session.post('Profiler.stop');
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

class Generator {
  readonly child: ChildProcess;
  readonly #waiters = new Map<string, (m: GeneratorReply) => void>();

  constructor() {
    this.child = fork(join(import.meta.dirname, 'load-generator.ts'), [], {
      execArgv: [
        '--import',
        'tsx',
        ...(process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir=/tmp/benchprof'] : []),
      ],
    });
    this.child.on('message', (m: GeneratorReply) => {
      const key =
        m.type === 'result' ? 'result' : `${m.type === 'error' ? 'any' : m.type}:${'index' in m ? m.index : ''}`;
      if (m.type === 'error') {
        console.error(`generator error (call ${m.index}): ${m.message}`);
        for (const [k, w] of this.#waiters) if (k.endsWith(`:${m.index}`)) w(m);
        return;
      }
      this.#waiters.get(key)?.(m);
      this.#waiters.delete(key);
    });
  }

  request(m: GeneratorRequest, expect: string): Promise<GeneratorReply> {
    return new Promise((resolve) => {
      this.#waiters.set(expect, resolve);
      this.child.send(m);
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.send({ type: 'close' } satisfies GeneratorRequest);
    });
  }
}

async function bench(n: number, relay: Relay) {
  const generator = new Generator();
  const rssBefore = await relay.rssBytes();
  try {
    const setupOne = async (index: number) => {
      const offer = await generator.request({ type: 'create', index }, `offer:${index}`);
      if (offer.type !== 'offer') throw new Error(`${relay.name} call ${index}: no offer`);
      const { answer, rtpPort } = await relay.setupCall(index, offer.sdp, offer.devicePort);
      const ready = await generator.request({ type: 'answer', index, sdp: answer, rtpPort }, `ready:${index}`);
      if (ready.type !== 'ready') throw new Error(`${relay.name} call ${index}: not connected`);
    };
    const setupStart = performance.now();
    for (let i = 0; i < n; i += SETUP_BATCH) {
      await Promise.all(Array.from({ length: Math.min(SETUP_BATCH, n - i) }, (_, k) => setupOne(i + k)));
    }
    const setupMs = performance.now() - setupStart;
    const rssAfterSetup = await relay.rssBytes();

    // The window: the generator warms up, then measures DURATION_MS; we sample CPU over the same span.
    const runDone = generator.request({ type: 'run', durationMs: DURATION_MS, warmupMs: WARMUP_MS }, 'result');
    await new Promise((r) => setTimeout(r, WARMUP_MS));
    const profiler = process.env.BENCH_PROFILE_PLANE && relay.name === 'parley' ? await startProfiler() : undefined;
    const cpu0 = await relay.cpu();
    const relayed0 = await relay.relayedPackets();
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, DURATION_MS));
    const cpu1 = await relay.cpu();
    const cpu = { user: cpu1.user - cpu0.user, system: cpu1.system - cpu0.system };
    await profiler?.(`${process.env.BENCH_PROFILE_PLANE}/plane-${n}.cpuprofile`);
    const windowMs = performance.now() - t0;
    const relayedPackets = (await relay.relayedPackets()) - relayed0;
    const result = await runDone;
    if (result.type !== 'result') throw new Error('no result');
    if (process.env.BENCH_DEBUG) {
      console.error({ relay: relay.name, debug: await relay.debug(), sent: result.sent, received: result.received });
    }
    const cpuUs = cpu.user + cpu.system;
    const lat = [...result.latencyMs.srtpToRtp, ...result.latencyMs.rtpToSrtp].sort((a, b) => a - b);
    const sent = result.sent.toPlaneSrtp + result.sent.toPlaneRtp;
    const received = result.received.fromPlaneSrtp + result.received.fromPlaneRtp;
    return {
      calls: n,
      relay: relay.name,
      // Parley's packet path (PARLEY_MEDIA_PACKET_PATH: native by default when built, js to compare).
      path: relay.name === 'parley' ? packetPathInUse().path : 'user space',
      srtp: (await relay.srtpProfile()) ?? '?',
      setupSec: +(setupMs / 1000).toFixed(1),
      cpuPercentOfCore: +((cpuUs / 1000 / windowMs) * 100).toFixed(1),
      cpuMsPerCallSecond: +(cpuUs / 1000 / (n * (windowMs / 1000))).toFixed(3),
      usPerRelayedPacket: +(cpuUs / Math.max(1, relayedPackets)).toFixed(1),
      userUsPerPacket: +(cpu.user / Math.max(1, relayedPackets)).toFixed(1),
      systemUsPerPacket: +(cpu.system / Math.max(1, relayedPackets)).toFixed(1),
      relayedPps: Math.round(relayedPackets / (windowMs / 1000)),
      latencyP50Ms: +percentile(lat, 50).toFixed(2),
      latencyP99Ms: +percentile(lat, 99).toFixed(2),
      lossPercent: +(((sent - received) / Math.max(1, sent)) * 100).toFixed(2),
      rssPerCallKiB: Math.round((rssAfterSetup - rssBefore) / 1024 / n),
      generatorCpuPercent: result.generatorCpuPercent,
    };
  } finally {
    await generator.close();
    await relay.close();
  }
}

const args = process.argv.slice(2);
const peerArg = args.find((a) => a.startsWith('--peer='))?.slice('--peer='.length) ?? process.env.BENCH_PEER;
const peer = peerArg ?? (rtpengineAvailable() ? 'rtpengine' : 'none');
if (peer !== 'rtpengine' && peer !== 'none') throw new Error(`--peer=${peer}: rtpengine or none`);
const sizes = args.map(Number).filter((x) => x > 0);
const results = [];
const verdicts: string[] = [];
for (const n of sizes.length > 0 ? sizes : [10, 100, 300]) {
  const parley = await bench(n, startParleyRelay(n));
  console.log(JSON.stringify(parley));
  results.push(parley);
  if (peer === 'rtpengine') {
    const other = await bench(n, await startRtpEngineRelay(n));
    console.log(JSON.stringify(other));
    results.push(other);
    const [a, b] = [parley.usPerRelayedPacket, other.usPerRelayedPacket];
    verdicts.push(
      `N=${n}: CPU per relayed packet parley ${a} µs, rtpengine ${b} µs: ${a < b ? 'parley' : a > b ? 'rtpengine' : 'neither'} is lower (parley/rtpengine ${(a / b).toFixed(2)})`,
    );
  }
}
console.table(results);
for (const v of verdicts) console.log(v);
