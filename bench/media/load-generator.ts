// The far ends of the benchmark's calls, in a process of its own so that its CPU is not counted as the
// media plane's: per call, a werift RTCPeerConnection as the browser (ICE + DTLS with the plane, then
// werift's SRTP session used directly: building and protecting packets through werift's sender and
// receiver would cost this process more than the plane itself) and a UDP socket as the SIP device.
// Every packet carries its send time (performance.now(), same process on both ends) and a call index.

import { createSocket, type Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { RTCPeerConnection, RtpHeader, usePCMU } from 'werift';

type DtlsTransport = RTCPeerConnection['dtlsTransports'][number];

interface Call {
  index: number;
  pc: RTCPeerConnection;
  dtls: DtlsTransport | undefined;
  srtpReady: boolean;
  device: Socket;
  planeRtpPort: number;
  seqSrtp: number;
  seqRtp: number;
  ts: number;
}

export type GeneratorRequest =
  | { type: 'create'; index: number }
  | { type: 'answer'; index: number; sdp: string; rtpPort: number }
  | { type: 'run'; durationMs: number; warmupMs: number }
  | { type: 'close' };

export type GeneratorReply =
  | { type: 'offer'; index: number; sdp: string; devicePort: number }
  | { type: 'ready'; index: number }
  | { type: 'error'; index: number; message: string }
  | {
      type: 'result';
      sent: { toPlaneSrtp: number; toPlaneRtp: number };
      received: { fromPlaneSrtp: number; fromPlaneRtp: number };
      latencyMs: { srtpToRtp: number[]; rtpToSrtp: number[] };
      /** This process's CPU over the measured window, as a share of one core (over 90 %: the numbers lie). */
      generatorCpuPercent: number;
    };

const calls = new Map<number, Call>();
const PAYLOAD = 160;
let measuring = false;
const latency = { srtpToRtp: [] as number[], rtpToSrtp: [] as number[] };
const counts = { toPlaneSrtp: 0, toPlaneRtp: 0, fromPlaneSrtp: 0, fromPlaneRtp: 0 };

const reply = (m: GeneratorReply) => process.send?.(m);

/** Send time, call index, and whether the packet belongs to the measured window (counted wherever it lands). */
function stamp(buf: Buffer, offset: number, index: number): void {
  buf.writeDoubleBE(performance.now(), offset);
  buf.writeUInt32BE(index, offset + 8);
  buf[offset + 12] = measuring ? 1 : 0;
}

async function create(index: number): Promise<void> {
  const pc = new RTCPeerConnection({
    iceServers: [],
    iceAdditionalHostAddresses: ['127.0.0.1'],
    iceUseIpv6: false,
    codecs: { audio: [usePCMU()], video: [] },
    headerExtensions: { audio: [], video: [] },
  });
  pc.addTransceiver('audio', { direction: 'sendrecv' });
  const device = createSocket('udp4');
  await new Promise<void>((resolve) => device.bind(0, '127.0.0.1', resolve));
  const call: Call = {
    index,
    pc,
    dtls: undefined,
    srtpReady: false,
    device,
    planeRtpPort: 0,
    seqSrtp: 1,
    seqRtp: 1,
    ts: 0,
  };
  calls.set(index, call);
  device.on('message', (msg) => {
    if (msg.length < 12 + 13 || msg[12 + 12] !== 1) return;
    counts.fromPlaneRtp++;
    latency.srtpToRtp.push(performance.now() - msg.readDoubleBE(12));
  });
  await pc.setLocalDescription(await pc.createOffer());
  if (pc.iceGatheringState !== 'complete') await pc.iceGatheringStateChange.watch((s) => s === 'complete', 5000);
  reply({ type: 'offer', index, sdp: pc.localDescription?.sdp ?? '', devicePort: device.address().port });
}

async function answer(index: number, sdp: string, rtpPort: number): Promise<void> {
  const call = calls.get(index);
  if (call === undefined) return;
  call.planeRtpPort = rtpPort;
  const connected = call.pc.connectionStateChange.watch((s) => s === 'connected', 20_000);
  await call.pc.setRemoteDescription({ type: 'answer', sdp });
  const dtls = call.pc.dtlsTransports[0];
  if (dtls === undefined) throw new Error('no DTLS transport');
  call.dtls = dtls;
  dtls.srtpStarted = true; // werift's receiver pipeline stays out of the measurement's way
  dtls.onStateChange.subscribe((state) => {
    if (state !== 'connected' || call.srtpReady) return;
    dtls.updateSrtpSession();
    call.srtpReady = true;
    dtls.iceTransport.connection.onData.subscribe((data: Buffer) => {
      const b0 = data[0] ?? 0;
      if (b0 < 128 || b0 > 191) return;
      const pt = data[1] ?? 0;
      if (pt >= 192 && pt <= 223) return; // RTCP
      const plain = dtls.srtp.decrypt(data);
      if (plain[12 + 12] !== 1) return;
      counts.fromPlaneSrtp++;
      latency.rtpToSrtp.push(performance.now() - plain.readDoubleBE(12));
    });
  });
  await connected;
  if (!call.srtpReady) await dtls.onStateChange.watch((s) => s === 'connected', 20_000);
  reply({ type: 'ready', index });
}

function tick(): void {
  for (const call of calls.values()) {
    const dtls = call.dtls;
    if (dtls === undefined || !call.srtpReady) continue;
    // Browser side: one SRTP packet.
    const payload = Buffer.alloc(PAYLOAD);
    stamp(payload, 0, call.index);
    const header = new RtpHeader({
      payloadType: 0,
      sequenceNumber: call.seqSrtp,
      timestamp: call.ts,
      ssrc: 0x1000 + call.index,
      marker: false,
    });
    call.seqSrtp = (call.seqSrtp + 1) & 0xffff;
    const protectedPacket = dtls.srtp.encrypt(payload, header);
    dtls.iceTransport.connection.send(protectedPacket).catch((e: unknown) => console.error('send failed', e));
    // Device side: one plain RTP packet.
    const rtp = Buffer.alloc(12 + PAYLOAD);
    rtp[0] = 0x80;
    rtp[1] = 0;
    rtp.writeUInt16BE(call.seqRtp, 2);
    rtp.writeUInt32BE(call.ts, 4);
    rtp.writeUInt32BE(0x2000 + call.index, 8);
    stamp(rtp, 12, call.index);
    call.seqRtp = (call.seqRtp + 1) & 0xffff;
    call.device.send(rtp, call.planeRtpPort, '127.0.0.1');
    call.ts = (call.ts + 160) >>> 0;
    if (measuring) {
      counts.toPlaneSrtp++;
      counts.toPlaneRtp++;
    }
  }
}

async function run(durationMs: number, warmupMs: number): Promise<void> {
  // 20 ms ticks, scheduled against the clock so that a late tick does not slow the rate.
  const start = performance.now();
  let n = 0;
  let cpu0: NodeJS.CpuUsage | undefined;
  let cpu: NodeJS.CpuUsage | undefined;
  await new Promise<void>((resolve) => {
    const step = () => {
      const now = performance.now() - start;
      while (n * 20 <= now) {
        measuring = n * 20 >= warmupMs && n * 20 < warmupMs + durationMs;
        if (measuring && cpu0 === undefined) cpu0 = process.cpuUsage();
        if (!measuring && cpu0 !== undefined && cpu === undefined) cpu = process.cpuUsage(cpu0);
        tick();
        n++;
      }
      // Stop sending at the window's end, and give the last measured packets a second to land.
      if (now >= warmupMs + durationMs) {
        setTimeout(resolve, 1000);
        return;
      }
      setTimeout(step, Math.max(0, n * 20 - (performance.now() - start)));
    };
    step();
  });
  measuring = false;
  reply({
    type: 'result',
    sent: { toPlaneSrtp: counts.toPlaneSrtp, toPlaneRtp: counts.toPlaneRtp },
    received: { fromPlaneSrtp: counts.fromPlaneSrtp, fromPlaneRtp: counts.fromPlaneRtp },
    latencyMs: latency,
    generatorCpuPercent:
      cpu === undefined ? Number.NaN : +(((cpu.user + cpu.system) / 1000 / durationMs) * 100).toFixed(1),
  });
}

process.on('message', (m: GeneratorRequest) => {
  const fail = (index: number) => (e: unknown) => reply({ type: 'error', index, message: String(e) });
  if (m.type === 'create') create(m.index).catch(fail(m.index));
  else if (m.type === 'answer') answer(m.index, m.sdp, m.rtpPort).catch(fail(m.index));
  else if (m.type === 'run') run(m.durationMs, m.warmupMs).catch(fail(-1));
  else if (m.type === 'close') {
    Promise.all(
      [...calls.values()].map(async (c) => {
        c.device.close();
        await c.pc.close();
      }),
    )
      .catch((e: unknown) => console.error('close failed', e))
      .finally(() => process.exit(0));
  }
});
