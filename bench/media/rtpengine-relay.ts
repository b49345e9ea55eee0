// rtpengine (Debian rtpengine-daemon 10.5) as the peer relay of the media benchmark, in user space only
// (`--table=-1`: no kernel forwarding), driven over its NG control protocol like a SIP proxy would:
// per call an `offer` with the werift client's WebRTC SDP, converted to plain RTP/AVP toward the device,
// then an `answer` with the device's SDP, converted back to ICE + DTLS-SRTP toward the client. CPU and
// RSS are read from /proc/<pid> (all threads); relayed packets from its own `relayedpackets_user`
// counter (NG `statistics`).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NgClient, type NgDict } from '../../test/harness/ng-client.js';
import { freeUdpRange } from '../../test/harness/ports.js';
import { launchRtpEngine } from '../../test/harness/rtpengine.js';
import { deviceSdp, type Relay, type RelayCpu } from './relay.js';

export const RTPENGINE_BIN = '/usr/bin/rtpengine';
export const rtpengineAvailable = (): boolean => existsSync(RTPENGINE_BIN);

/** Linux's USER_HZ: /proc/<pid>/stat counts CPU in these ticks (100 on every Linux ABI in use). */
const CLOCK_TICKS_PER_SEC = 100;

/** Flags of the `offer` (client → device): the device gets plain RTP/AVP, no ICE, no DTLS, RTCP on its own port. */
export const OFFER_FLAGS = {
  'transport-protocol': 'RTP/AVP',
  ICE: 'remove',
  DTLS: 'off',
  'rtcp-mux': ['demux'],
  flags: ['trust-address'],
};
/**
 * Flags of the `answer` (device → client): WebRTC again, rtpengine a full ICE agent. `DTLS: active`
 * (rtpengine the DTLS client): with `passive`, one to three calls in ten never finished the handshake
 * (rtpengine received the werift client's last flight and its retransmissions, accepted its certificate,
 * but never logged "DTLS handshake successful"; werift sends a flight's records as separate concurrent
 * datagrams). With `active`, no failure in 90 calls. `full-rtcp-attribute`: werift rejects an
 * `a=rtcp:PORT` without its address.
 */
export const ANSWER_FLAGS = {
  'transport-protocol': 'UDP/TLS/RTP/SAVPF',
  ICE: 'force',
  DTLS: 'active',
  'rtcp-mux': ['offer', 'require'],
  flags: ['trust-address', 'full-rtcp-attribute'],
};

export async function startRtpEngineRelay(calls: number): Promise<Relay> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-rtpengine-'));
  // Four ports a call (RTP + RTCP on each side) and room to spare, above the kernel's ephemeral range
  // (32768-60999), where the werift clients' sockets land.
  const mediaPorts = await freeUdpRange(Math.max(400, 8 * calls), 61_000, 65_534);
  // Setting up 300 calls takes longer than the default 60 s RTP timeout of the first ones.
  const { proc, ngPort } = await launchRtpEngine({
    dir,
    mediaPorts,
    logLevel: process.env.BENCH_DEBUG ? 7 : 5,
    extraArgs: ['--timeout=3600'],
  }).catch((err: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  });
  const ng = new NgClient(`127.0.0.1:${ngPort}`);
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    ng.close();
    const exit = await proc.stop();
    const clean = exit.code === 0 || exit.signal === 'SIGTERM';
    if (!clean || process.env.BENCH_DEBUG) console.error(`rtpengine exited (${exit.code ?? exit.signal}); log: ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  };
  const pid = proc.pid;
  if (pid === undefined) throw new Error('rtpengine: no pid');
  const runId = `${process.pid}-${Date.now()}`;
  let firstCallId: string | undefined;

  return {
    name: 'rtpengine',
    async setupCall(index, clientOffer, devicePort) {
      const callId = `bench-${runId}-${index}`;
      firstCallId ??= callId;
      const ids = { 'call-id': callId, 'from-tag': `client-${index}` };
      const offer = await ng.request('offer', { ...ids, sdp: clientOffer, ...OFFER_FLAGS });
      const rtpPort = Number(/m=audio (\d+)/.exec(String(offer.sdp))?.[1]);
      if (!(rtpPort > 0)) throw new Error(`rtpengine offer ${index}: no audio port in ${String(offer.sdp)}`);
      const answer = await ng.request('answer', {
        ...ids,
        'to-tag': `device-${index}`,
        sdp: deviceSdp(devicePort),
        ...ANSWER_FLAGS,
      });
      return { answer: String(answer.sdp), rtpPort };
    },
    async cpu(): Promise<RelayCpu> {
      // Fields 14 and 15 (utime, stime) after the parenthesised command name: the whole process, all threads.
      const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const us = (ticks: string | undefined) => (Number(ticks) * 1e6) / CLOCK_TICKS_PER_SEC;
      return { user: us(fields[11]), system: us(fields[12]) };
    },
    async relayedPackets() {
      const stats = await ng.request('statistics');
      const total = (stats.statistics as { totalstatistics?: { relayedpackets_user?: number } } | undefined)
        ?.totalstatistics?.relayedpackets_user;
      if (typeof total !== 'number') throw new Error('rtpengine statistics: no relayedpackets_user');
      return total;
    },
    async rssBytes() {
      const kib = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'latin1'))?.[1];
      return Number(kib) * 1024;
    },
    async srtpProfile() {
      if (firstCallId === undefined) return undefined;
      const q = JSON.stringify(await ng.request('query', { 'call-id': firstCallId }));
      return /"crypto suite":"([^"]+)"/.exec(q)?.[1];
    },
    async debug() {
      const { statistics } = (await ng.request('statistics')) as { statistics?: { totalstatistics?: NgDict } };
      const totals = statistics?.totalstatistics ?? {};
      return Object.fromEntries(Object.entries(totals).filter(([k]) => k.startsWith('relayed')));
    },
    close,
  };
}
