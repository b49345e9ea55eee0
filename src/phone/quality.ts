// The live quality panel: codec, packet loss, jitter and round-trip time, read from the standard
// RTCStatsReport that call.getStats() returns (W3C webrtc-stats names).

function set(id: string, text: string): void {
  const el = document.getElementById(id);
  if (el) el.textContent = text;
}

export interface QualityFigures {
  codec?: string;
  lossPercent?: number;
  jitterMs?: number;
  rttMs?: number;
  /** Video frames sent and decoded, undefined when the call has no video stream either way. */
  video?: { sent?: string; received?: string };
}

/** Reads the figures of the audio stream from a stats report. */
export function qualityOf(report: RTCStatsReport): QualityFigures {
  const out: QualityFigures = {};
  const byId = new Map<string, Record<string, unknown>>();
  report.forEach((s: Record<string, unknown>) => {
    byId.set(String(s.id), s);
  });
  for (const s of byId.values()) {
    if (s.type === 'inbound-rtp' && s.kind === 'audio') {
      const lost = Number(s.packetsLost ?? 0);
      const received = Number(s.packetsReceived ?? 0);
      if (lost + received > 0) out.lossPercent = (100 * Math.max(0, lost)) / (lost + received);
      if (typeof s.jitter === 'number') out.jitterMs = s.jitter * 1000;
      const codec = typeof s.codecId === 'string' ? byId.get(s.codecId) : undefined;
      if (codec && typeof codec.mimeType === 'string') out.codec = codec.mimeType.replace(/^audio\//, '');
    }
    if (s.kind === 'video' && (s.type === 'outbound-rtp' || s.type === 'inbound-rtp')) {
      const size = s.frameWidth ? `${String(s.frameWidth)}×${String(s.frameHeight)}` : 'no frames yet';
      out.video ??= {};
      if (s.type === 'outbound-rtp') out.video.sent = size;
      else out.video.received = size;
    }
    if (s.type === 'candidate-pair' && (s.nominated || s.selected) && typeof s.currentRoundTripTime === 'number') {
      out.rttMs = s.currentRoundTripTime * 1000;
    }
    if (s.type === 'remote-inbound-rtp' && s.kind === 'audio' && typeof s.roundTripTime === 'number') {
      out.rttMs ??= s.roundTripTime * 1000;
    }
  }
  return out;
}

export function showQuality(report: RTCStatsReport): void {
  const q = qualityOf(report);
  set('qCodec', q.codec ?? '–');
  set('qLoss', q.lossPercent === undefined ? '–' : `${q.lossPercent.toFixed(1)} %`);
  set('qJitter', q.jitterMs === undefined ? '–' : `${q.jitterMs.toFixed(0)} ms`);
  set('qRtt', q.rttMs === undefined ? '–' : `${q.rttMs.toFixed(0)} ms`);
  const v = q.video;
  set('qVideo', v ? `sent ${v.sent ?? 'none'} · received ${v.received ?? 'none'}` : 'none (audio only)');
}

export function clearQuality(): void {
  for (const id of ['qCodec', 'qLoss', 'qJitter', 'qRtt', 'qVideo']) set(id, '–');
}
