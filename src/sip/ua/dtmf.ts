// DTMF carried in INFO bodies: `application/dtmf-relay` ("Signal=5\r\nDuration=160", the de facto format of
// Cisco and most PBXs) and `application/dtmf` (the bare digit, as some UAs send it).

export interface DtmfTone {
  /** 0-9, *, #, A-D. */
  tone: string;
  /** Milliseconds. */
  duration: number;
}

const TONE = /^[0-9*#A-Da-d]$/;

export function formatDtmfRelay(t: DtmfTone): Buffer {
  return Buffer.from(`Signal=${t.tone}\r\nDuration=${t.duration}\r\n`);
}

/** Reads a DTMF INFO body; undefined when the content type is another one or the body is not a tone. */
export function parseDtmfInfo(contentType: string | undefined, body: Buffer): DtmfTone | undefined {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  const text = body.toString('utf8');
  if (type === 'application/dtmf') {
    const tone = text.trim();
    return TONE.test(tone) ? { tone: tone.toUpperCase(), duration: 160 } : undefined;
  }
  if (type !== 'application/dtmf-relay') return undefined;
  let tone: string | undefined;
  let duration = 160;
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(\w+)\s*=\s*(\S+)\s*$/.exec(line);
    if (m === null) continue;
    const key = m[1]!.toLowerCase();
    if (key === 'signal') tone = m[2]!;
    else if (key === 'duration') duration = Number(m[2]);
  }
  if (tone === undefined || !TONE.test(tone) || !Number.isFinite(duration) || duration <= 0) return undefined;
  return { tone: tone.toUpperCase(), duration };
}
