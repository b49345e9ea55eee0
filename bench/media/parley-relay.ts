// Parley's in-process media plane as the benchmark's relay: per call a WebRTC leg (ICE-lite, DTLS-SRTP)
// connected to an RTP leg (plain RTP), in this process; CPU is this process's (process.cpuUsage).
import { InProcessMediaPlane } from '../../src/media/in-process-media-plane.js';
import { deviceSdp, type Relay } from './relay.js';

export function startParleyRelay(calls: number): Relay {
  const dropped = new Map<string, number>();
  const plane = new InProcessMediaPlane({
    rtpAddress: '127.0.0.1',
    rtpPortMin: 40000,
    rtpPortMax: 40000 + 4 * calls + 100,
    onDropped: (legId, reason) => {
      const key = `${legId.split('-')[0]}: ${reason.replace(/[0-9.:]+\)?/g, '')}`;
      if (process.env.BENCH_DEBUG && !dropped.has(key)) console.error(`first drop: ${legId} ${reason}`);
      dropped.set(key, (dropped.get(key) ?? 0) + 1);
    },
  });
  const legs: string[] = [];
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
  return {
    name: 'parley',
    async setupCall(_index, clientOffer, devicePort) {
      const webrtc = await plane.createWebRtcLeg({ iceLite: true });
      const rtp = await plane.createRtpLeg();
      legs.push(webrtc, rtp);
      await plane.connect(webrtc, rtp);
      await plane.applyOffer(webrtc, clientOffer);
      const sipOffer = await plane.createOffer(rtp);
      const rtpPort = Number(/m=audio (\d+)/.exec(sipOffer)?.[1]);
      await plane.applyAnswer(rtp, deviceSdp(devicePort));
      return { answer: await plane.createAnswer(webrtc), rtpPort };
    },
    async cpu() {
      return process.cpuUsage();
    },
    async relayedPackets() {
      let total = 0;
      for (const id of legs) for (const s of (await plane.getStats(id)).streams) total += s.packetsSent;
      return total;
    },
    async rssBytes() {
      return process.memoryUsage().rss;
    },
    async srtpProfile() {
      const first = legs[0];
      return first === undefined ? undefined : (await plane.getStats(first)).srtpProfile;
    },
    async debug() {
      return { totals: await totals(), dropped: Object.fromEntries(dropped) };
    },
    close: () => plane.close(),
  };
}
