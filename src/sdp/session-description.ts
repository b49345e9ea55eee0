// The parts of an SDP session (RFC 4566, RFC 8866) that negotiation needs, read with sdp-transform into
// plain data. Parsing untrusted text never throws: it returns an SdpError.

import * as sdpTransform from 'sdp-transform';
import { type Codec, staticCodec } from './codec.js';
import { err, ok, type Result, SdpError } from './errors.js';

export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
export type MediaKind = 'audio' | 'video';

export interface IceParameters {
  ufrag: string;
  pwd: string;
  lite: boolean;
  /** Candidate lines without the `a=candidate:` prefix' name (`foundation component transport ...`). */
  candidates: string[];
}

export interface DtlsParameters {
  fingerprint: { algorithm: string; value: string };
  /** RFC 4145 §4 / RFC 5763 §5: actpass, active or passive. */
  setup: string;
}

export interface MediaDescription {
  kind: MediaKind | string;
  /** RFC 5888 a=mid, undefined on most RTP/AVP devices. */
  mid: string | undefined;
  /**
   * m= port; 0 means the stream is rejected or disabled (RFC 3264 §6). A bundle-only section (port 0 and
   * a=bundle-only inside a BUNDLE group, RFC 8843 §6) reads as the port of its BUNDLE address.
   */
  port: number;
  /** c= address (media level, else session level). */
  address: string | undefined;
  protocol: string;
  direction: Direction;
  /** In m= order, which is the sender's preference (RFC 3264 §5.1). */
  codecs: Codec[];
  ptime: number | undefined;
  maxptime: number | undefined;
  rtcpMux: boolean;
  /** RFC 3605 a=rtcp, when given. */
  rtcp: { port: number; address: string | undefined } | undefined;
  ice: IceParameters | undefined;
  dtls: DtlsParameters | undefined;
  /** First SSRC announced with a=ssrc (the primary one; RTX/FEC SSRCs follow it). */
  ssrc: number | undefined;
  /**
   * RFC 4568 a=crypto lines (SDES-SRTP), kept for the RTP leg. sessionParams (§6.3: UNENCRYPTED_SRTP, KDR,
   * WSH...) is the first session parameter, when the line has any (sdp-transform keeps only the first).
   */
  crypto: { tag: number; suite: string; keyParams: string; sessionParams?: string }[];
}

export interface SessionDescription {
  origin: { username: string; sessionId: string; sessionVersion: number; address: string };
  /** RFC 8843 BUNDLE groups (mids). */
  bundle: string[][];
  media: MediaDescription[];
}

/** Limits on what a peer can make us parse. */
export const MAX_SDP_BYTES = 64 * 1024;
const MAX_MEDIA = 16;

const isDirection = (d: string | undefined): d is Direction =>
  d === 'sendrecv' || d === 'sendonly' || d === 'recvonly' || d === 'inactive';

export const isWebRtcProfile = (protocol: string): boolean => /SAVPF/.test(protocol) && /UDP\/TLS|DTLS/.test(protocol);

function readCodecs(m: sdpTransform.MediaDescription): Codec[] {
  // sdp-transform gives a number when m= has a single format.
  const pts = String(m.payloads ?? '')
    .split(/\s+/)
    .filter((p) => /^\d{1,3}$/.test(p))
    .map(Number)
    .filter((p) => p <= 127);
  const codecs: Codec[] = [];
  for (const pt of pts) {
    const rtpmap = m.rtp.find((r) => r.payload === pt);
    const base: Codec | undefined =
      rtpmap !== undefined
        ? {
            payloadType: pt,
            name: rtpmap.codec,
            clockRate: rtpmap.rate ?? 8000,
            channels: rtpmap.encoding ?? 1,
            fmtp: undefined,
            rtcpFb: [],
          }
        : staticCodec(pt);
    if (base === undefined) continue; // RFC 4566 §6: a dynamic PT without rtpmap names no codec we can use
    base.fmtp = m.fmtp.find((f) => f.payload === pt)?.config;
    for (const fb of m.rtcpFb ?? []) {
      if (String(fb.payload) === String(pt) || fb.payload === '*') {
        const type = fb.subtype === undefined ? fb.type : `${fb.type} ${fb.subtype}`;
        if (!base.rtcpFb.includes(type)) base.rtcpFb.push(type);
      }
    }
    codecs.push(base);
  }
  return codecs;
}

function readMedia(s: sdpTransform.SessionDescription, m: sdpTransform.MediaDescription): MediaDescription {
  const ufrag = m.iceUfrag ?? s.iceUfrag;
  const pwd = m.icePwd ?? s.icePwd;
  const fingerprint = m.fingerprint ?? s.fingerprint;
  const direction = isDirection(m.direction) ? m.direction : isDirection(s.direction) ? s.direction : 'sendrecv';
  return {
    kind: m.type,
    mid: m.mid === undefined ? undefined : String(m.mid),
    port: m.port,
    address: m.connection?.ip ?? s.connection?.ip,
    protocol: m.protocol,
    direction,
    codecs: readCodecs(m),
    ptime: m.ptime,
    maxptime: m.maxptime,
    rtcpMux: m.rtcpMux !== undefined,
    rtcp: m.rtcp === undefined ? undefined : { port: m.rtcp.port, address: m.rtcp.address },
    ice:
      ufrag !== undefined && pwd !== undefined
        ? {
            ufrag,
            pwd,
            // RFC 8839 §5.3 puts a=ice-lite at session level; werift writes it in each m= section.
            lite: s.icelite !== undefined || (m as { icelite?: string }).icelite !== undefined,
            candidates: (m.candidates ?? []).map(
              (c) =>
                `${c.foundation} ${c.component} ${c.transport} ${c.priority} ${c.ip} ${c.port} typ ${c.type}` +
                (c.raddr !== undefined ? ` raddr ${c.raddr} rport ${c.rport}` : '') +
                (c.tcptype !== undefined ? ` tcptype ${c.tcptype}` : ''),
            ),
          }
        : undefined,
    dtls:
      fingerprint !== undefined
        ? {
            fingerprint: { algorithm: fingerprint.type, value: fingerprint.hash },
            setup: m.setup ?? s.setup ?? 'actpass',
          }
        : undefined,
    ssrc: m.ssrcs?.[0]?.id === undefined ? undefined : Number(m.ssrcs[0].id),
    crypto: (m.crypto ?? []).map((c) => ({
      tag: c.id,
      suite: c.suite,
      keyParams: c.config,
      ...(c.sessionConfig ? { sessionParams: c.sessionConfig } : {}),
    })),
  };
}

/** Parses SDP text. Never throws; errors carry SDP_* codes. */
export function parseSessionDescription(text: string): Result<SessionDescription> {
  if (Buffer.byteLength(text) > MAX_SDP_BYTES) {
    return err(new SdpError('SDP_TOO_LARGE', `The session description is larger than ${MAX_SDP_BYTES} bytes.`));
  }
  if (!/^v=0\r?\n/.test(text)) {
    return err(
      new SdpError('SDP_PARSE_FAILED', 'The session description does not start with v=0.', { sipStatus: 400 }),
    );
  }
  let s: sdpTransform.SessionDescription;
  try {
    s = sdpTransform.parse(text);
  } catch (cause) {
    return err(
      new SdpError('SDP_PARSE_FAILED', 'The session description could not be read.', { sipStatus: 400, cause }),
    );
  }
  const media = (s.media ?? []).slice(0, MAX_MEDIA);
  if (media.length === 0) return err(new SdpError('SDP_NO_MEDIA', 'The session description has no media.'));
  for (const m of media) {
    if (!Number.isInteger(m.port) || m.port < 0 || m.port > 65535 || typeof m.type !== 'string') {
      return err(new SdpError('SDP_PARSE_FAILED', 'A media line (m=) is malformed.', { sipStatus: 400 }));
    }
    m.rtp ??= [];
    m.fmtp ??= [];
  }
  try {
    return ok(build(s, media));
  } catch (cause) {
    // sdp-transform types fields it may leave malformed on hostile input; a surprise is a parse error.
    return err(new SdpError('SDP_PARSE_FAILED', 'The session description is malformed.', { sipStatus: 400, cause }));
  }
}

function build(s: sdpTransform.SessionDescription, media: sdpTransform.MediaDescription[]): SessionDescription {
  const bundle = (s.groups ?? []).filter((g) => g.type === 'BUNDLE').map((g) => String(g.mids).split(/\s+/));
  const read = media.map((m) => readMedia(s, m));
  read.forEach((m, i) => {
    if (m.port === 0 && media[i]?.bundleOnly !== undefined) m.port = bundleOnlyPort(m, bundle, read);
  });
  return {
    origin: {
      username: String(s.origin?.username ?? '-'),
      sessionId: String(s.origin?.sessionId ?? '0'),
      sessionVersion: Number(s.origin?.sessionVersion ?? 0),
      address: String(s.origin?.address ?? '0.0.0.0'),
    },
    bundle,
    media: read,
  };
}

/**
 * RFC 8843 §6 and §7.2.1: an m= section with port 0 and a=bundle-only is not rejected when its mid is in
 * a BUNDLE group: it uses the group's BUNDLE address (the first section of the group with a port).
 * Firefox offers its video that way under bundlePolicy max-bundle. Without a BUNDLE group to join, port 0
 * stays a rejection (RFC 3264 §6).
 */
function bundleOnlyPort(m: MediaDescription, bundle: string[][], media: MediaDescription[]): number {
  const group = m.mid === undefined ? undefined : bundle.find((g) => g.includes(m.mid as string));
  if (group === undefined) return 0;
  for (const mid of group) {
    const tagged = media.find((x) => x.mid === mid && x.port !== 0);
    if (tagged !== undefined) return tagged.port;
  }
  return 0;
}
