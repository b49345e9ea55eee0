// Writes the two profiles Parley speaks: RTP/AVP toward SIP devices (RFC 3551, RFC 4566) and the WebRTC
// profile toward browsers (RFC 8829 JSEP, RFC 8843 BUNDLE, RFC 5763 DTLS-SRTP, RFC 8839 ICE).

import * as sdpTransform from 'sdp-transform';
import type { Codec } from './codec.js';
import type { Direction, DtlsParameters, IceParameters } from './session-description.js';

export interface Origin {
  sessionId: string;
  /** RFC 3264 §8: incremented on every new offer or answer that changes anything. */
  sessionVersion: number;
  address: string;
}

export interface LocalMedia {
  kind: string;
  /** WebRTC side only: RFC 5888 mid, kept across re-offers. */
  mid?: string;
  /** 0 rejects or disables the stream (RFC 3264 §6). */
  port: number;
  codecs: Codec[];
  direction: Direction;
  ptime?: number;
  rtcpMux?: boolean;
  /** RTP/AVP side without rtcp-mux: RFC 3605 a=rtcp when not port+1. */
  rtcpPort?: number;
  /** WebRTC side: the SSRC we send with, announced so the browser can demultiplex BUNDLE by SSRC. */
  ssrc?: number;
  cname?: string;
  msid?: { stream: string; track: string };
  /** RFC 4568 a=crypto lines for SDES-SRTP toward the SIP side. */
  crypto?: { tag: number; suite: string; keyParams: string }[];
}

function codecLines(codecs: Codec[], withFeedback: boolean) {
  return {
    payloads: codecs.map((c) => c.payloadType).join(' '),
    rtp: codecs.map((c) => ({
      payload: c.payloadType,
      codec: c.name,
      rate: c.clockRate,
      ...(c.channels > 1 ? { encoding: c.channels } : {}),
    })),
    fmtp: codecs.filter((c) => c.fmtp !== undefined).map((c) => ({ payload: c.payloadType, config: c.fmtp as string })),
    rtcpFb: withFeedback
      ? codecs.flatMap((c) =>
          c.rtcpFb.map((fb) => {
            const [type, subtype] = fb.split(' ');
            return { payload: c.payloadType, type: type ?? fb, ...(subtype !== undefined ? { subtype } : {}) };
          }),
        )
      : undefined,
  };
}

function session(origin: Origin, media: sdpTransform.MediaDescription[]): sdpTransform.SessionDescription {
  return {
    version: 0,
    origin: {
      username: '-',
      sessionId: origin.sessionId,
      sessionVersion: origin.sessionVersion,
      netType: 'IN',
      ipVer: origin.address.includes(':') ? 6 : 4,
      address: origin.address,
    },
    name: 'parley',
    timing: { start: 0, stop: 0 },
    media,
  };
}

/** RTP/AVP (or RTP/SAVP with SDES) toward a SIP device: c=, m= port, rtpmap/fmtp, ptime, direction. */
export function writeRtpAvpDescription(input: { origin: Origin; address: string; media: LocalMedia[] }): string {
  const ipVer = input.address.includes(':') ? 6 : 4;
  const media = input.media.map((m): sdpTransform.MediaDescription => {
    const lines = codecLines(m.codecs, m.kind === 'video');
    return {
      type: m.kind,
      port: m.port,
      protocol: m.crypto !== undefined && m.crypto.length > 0 ? 'RTP/SAVP' : 'RTP/AVP',
      ...lines,
      // RFC 3264 §6: a rejected stream still lists at least one format.
      payloads: lines.payloads === '' ? '0' : lines.payloads,
      rtcpFb: lines.rtcpFb?.length ? lines.rtcpFb : undefined,
      ...(m.ptime !== undefined ? { ptime: m.ptime } : {}),
      ...(m.rtcpPort !== undefined && m.port !== 0 ? { rtcp: { port: m.rtcpPort } } : {}),
      ...(m.rtcpMux === true ? { rtcpMux: 'rtcp-mux' as const } : {}),
      ...(m.crypto !== undefined && m.crypto.length > 0
        ? { crypto: m.crypto.map((c) => ({ id: c.tag, suite: c.suite, config: c.keyParams })) }
        : {}),
      direction: m.direction,
    };
  });
  const s = session(input.origin, media);
  s.connection = { version: ipVer, ip: input.address };
  return sdpTransform.write(s);
}

/**
 * The WebRTC profile toward a browser: UDP/TLS/RTP/SAVPF, one BUNDLE transport (RFC 8843), rtcp-mux,
 * ICE credentials and candidates, DTLS fingerprint and setup, mid, msid, ssrc. The same ice/dtls values
 * must be passed on every re-offer: changing them would be an ICE restart (RFC 8839 §4.4.1.1.1).
 */
export function writeWebRtcDescription(input: {
  origin: Origin;
  ice: IceParameters;
  dtls: DtlsParameters;
  /** The address and port of the default candidate, for c= and m= (RFC 8839 §5.1). */
  address: string;
  port: number;
  media: LocalMedia[];
}): string {
  const ipVer = input.address.includes(':') ? 6 : 4;
  const bundled = input.media.filter((m) => m.port !== 0 && m.mid !== undefined).map((m) => m.mid as string);
  const media = input.media.map((m, i): sdpTransform.MediaDescription => {
    const lines = codecLines(m.codecs, true);
    const rejected = m.port === 0;
    const out: sdpTransform.MediaDescription = {
      type: m.kind,
      port: rejected ? 0 : input.port,
      protocol: 'UDP/TLS/RTP/SAVPF',
      ...lines,
      payloads: lines.payloads === '' ? '0' : lines.payloads,
      connection: { version: ipVer, ip: input.address },
      mid: m.mid ?? String(i),
      direction: m.direction,
      iceUfrag: input.ice.ufrag,
      icePwd: input.ice.pwd,
      fingerprint: { type: input.dtls.fingerprint.algorithm, hash: input.dtls.fingerprint.value },
      setup: input.dtls.setup,
      rtcpMux: 'rtcp-mux',
      rtcpRsize: 'rtcp-rsize',
    };
    if (!rejected && input.ice.candidates.length > 0) {
      out.candidates = input.ice.candidates.map((line) => parseCandidate(line)).filter((c) => c !== undefined);
      out.endOfCandidates = 'end-of-candidates';
    }
    if (!rejected && m.msid !== undefined && (m.direction === 'sendrecv' || m.direction === 'sendonly')) {
      out.msid = [{ id: m.msid.stream, appdata: m.msid.track }];
    }
    if (!rejected && m.ssrc !== undefined) {
      out.ssrcs = [{ id: m.ssrc, attribute: 'cname', value: m.cname ?? 'parley' }];
    }
    return out;
  });
  const s = session(input.origin, media);
  if (input.ice.lite) s.icelite = 'ice-lite';
  if (bundled.length > 0) s.groups = [{ type: 'BUNDLE', mids: bundled.join(' ') }];
  s.msidSemantic = { semantic: 'WMS', token: '*' };
  return sdpTransform.write(s);
}

type Candidate = NonNullable<sdpTransform.MediaDescription['candidates']>[number];

/** An `a=candidate:` value (without the prefix) as sdp-transform's object; undefined when unreadable. */
export function parseCandidate(line: string): Candidate | undefined {
  const m = sdpTransform.parse(`v=0\r\nm=audio 9 RTP/AVP 0\r\na=candidate:${line}\r\n`).media[0]?.candidates?.[0];
  return m;
}
