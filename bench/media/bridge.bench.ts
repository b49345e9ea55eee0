// npm run bench:media — N concurrent passthrough audio bridges through Parley's media plane:
// WebRTC leg (ICE-lite, DTLS-SRTP) ⇄ bridge ⇄ RTP leg (plain RTP), PCMU, 50 packets a second each way
// per call. The far ends run in a child process (load-generator.ts). Measured in this process only:
// CPU time (process.cpuUsage) over the steady window, per call-second and per relayed packet;
// resident memory per call. Latency is one-way generator → plane → generator (it includes the
// generator's SRTP work and both event loops); loss is what did not come back.
//   node --import tsx bench/media/bridge.bench.ts [N ...]   (default 10 100 300)

import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { InProcessMediaPlane } from '../../src/media/in-process-media-plane.js';
import type { GeneratorReply, GeneratorRequest } from './load-generator.js';

const WARMUP_MS = 2000;
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 10_000);
const SETUP_BATCH = 10;

function deviceAnswer(port: number): string {
  return `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=device\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=ptime:20\r\na=sendrecv\r\n`;
}

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

async function bench(n: number) {
  const dropped = new Map<string, number>();
  const plane = new InProcessMediaPlane({
    rtpAddress: '127.0.0.1',
    rtpPortMin: 40000,
    rtpPortMax: 40000 + 4 * n + 100,
    onDropped: (legId, reason) => {
      const key = `${legId.split('-')[0]}: ${reason.replace(/[0-9.:]+\)?/g, '')}`;
      if (process.env.BENCH_DEBUG && !dropped.has(key)) console.error(`first drop: ${legId} ${reason}`);
      dropped.set(key, (dropped.get(key) ?? 0) + 1);
    },
  });
  const generator = new Generator();
  const legs: string[] = [];
  const rssBefore = process.memoryUsage().rss;
  try {
    const setupOne = async (index: number) => {
      const webrtc = await plane.createWebRtcLeg({ iceLite: true });
      const rtp = await plane.createRtpLeg();
      legs.push(webrtc, rtp);
      await plane.connect(webrtc, rtp);
      const offer = await generator.request({ type: 'create', index }, `offer:${index}`);
      if (offer.type !== 'offer') throw new Error(`call ${index}: no offer`);
      await plane.applyOffer(webrtc, offer.sdp);
      const sipOffer = await plane.createOffer(rtp);
      const rtpPort = Number(/m=audio (\d+)/.exec(sipOffer)?.[1]);
      await plane.applyAnswer(rtp, deviceAnswer(offer.devicePort));
      const answer = await plane.createAnswer(webrtc);
      const ready = await generator.request({ type: 'answer', index, sdp: answer, rtpPort }, `ready:${index}`);
      if (ready.type !== 'ready') throw new Error(`call ${index}: not connected`);
    };
    const setupStart = performance.now();
    for (let i = 0; i < n; i += SETUP_BATCH) {
      await Promise.all(Array.from({ length: Math.min(SETUP_BATCH, n - i) }, (_, k) => setupOne(i + k)));
    }
    const setupMs = performance.now() - setupStart;
    const rssAfterSetup = process.memoryUsage().rss;

    const relayed = async () => {
      let total = 0;
      for (const id of legs) for (const s of (await plane.getStats(id)).streams) total += s.packetsSent;
      return total;
    };
    const totals = async () => {
      const t = { webrtcIn: 0, webrtcOut: 0, rtpIn: 0, rtpOut: 0, invalid: 0, unexpected: 0 };
      for (const id of legs) {
        for (const s of (await plane.getStats(id)).streams) {
          const side = id.startsWith('webrtc') ? 'webrtc' : 'rtp';
          t[`${side}In`] += s.packetsReceived;
          t[`${side}Out`] += s.packetsSent;
          t.invalid += s.invalidPackets;
          t.unexpected += s.unexpectedSourcePackets;
        }
      }
      return t;
    };
    // The window: the generator warms up, then measures DURATION_MS; we sample CPU over the same span.
    const runDone = generator.request({ type: 'run', durationMs: DURATION_MS, warmupMs: WARMUP_MS }, 'result');
    await new Promise((r) => setTimeout(r, WARMUP_MS));
    const profiler = process.env.BENCH_PROFILE_PLANE ? await startProfiler() : undefined;
    const cpu0 = process.cpuUsage();
    const relayed0 = await relayed();
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, DURATION_MS));
    const cpu = process.cpuUsage(cpu0);
    await profiler?.(`${process.env.BENCH_PROFILE_PLANE}/plane-${n}.cpuprofile`);
    const windowMs = performance.now() - t0;
    const relayedPackets = (await relayed()) - relayed0;
    const result = await runDone;
    if (result.type !== 'result') throw new Error('no result');
    if (process.env.BENCH_DEBUG) {
      console.error({
        totals: await totals(),
        dropped: Object.fromEntries(dropped),
        sent: result.sent,
        received: result.received,
      });
    }
    const cpuUs = cpu.user + cpu.system;
    const lat = [...result.latencyMs.srtpToRtp, ...result.latencyMs.rtpToSrtp].sort((a, b) => a - b);
    const sent = result.sent.toPlaneSrtp + result.sent.toPlaneRtp;
    const received = result.received.fromPlaneSrtp + result.received.fromPlaneRtp;
    return {
      calls: n,
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
    await plane.close();
  }
}

const sizes = process.argv
  .slice(2)
  .map(Number)
  .filter((x) => x > 0);
const results = [];
for (const n of sizes.length > 0 ? sizes : [10, 100, 300]) {
  const r = await bench(n);
  console.log(JSON.stringify(r));
  results.push(r);
}
console.table(results);
