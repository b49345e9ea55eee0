// The browser's answer, restated for the ICE/DTLS agent that runs the transport toward it (werift).
//
// The offer the browser sees is written by src/sdp (its m= lines follow the SIP side's, rejected ones
// included, with the SIP side's mids); the agent made its own offer with one m= section per stream
// Parley uses. The browser's answer therefore does not fit the agent's offer: extra m= sections (a
// stream rejected in our offer), a stream the browser rejected (Firefox answers m=video 0 with no ICE
// or DTLS attributes and a placeholder codec when offered only H.264 it cannot decode), different mids.
// werift 0.24 fails on each: an extra section gets a second transport without remote ICE parameters
// ("remoteParams missing", connection failed at once), an unmatched codec throws "negotiate codecs
// failed". The agent only needs the transport, so it gets an answer to its own offer that carries the
// transport of the browser's answer (RFC 8843 §7.3.1: the answerer's BUNDLE-tag m= section), and the
// media plane reads which streams were accepted from the browser's own answer.

import * as sdpTransform from 'sdp-transform';
import { parseCandidate } from './description-writer.js';
import { err, ok, type Result, SdpError } from './errors.js';
import type { DtlsParameters, IceParameters, MediaDescription, SessionDescription } from './session-description.js';

export interface AnswerTransport {
  ice: IceParameters;
  dtls: DtlsParameters;
}

/**
 * The transport the answerer chose: its BUNDLE-tag m= section (the first mid of a BUNDLE group, RFC 8843
 * §7.3.1), else the first accepted m= section with ICE and DTLS attributes. Rejected sections carry none.
 */
export function answerTransport(answer: SessionDescription): Result<AnswerTransport> {
  const accepted = answer.media.filter((m) => m.port !== 0);
  if (accepted.length === 0) {
    return err(new SdpError('SDP_NO_COMMON_CODEC', 'The answer rejected every stream (all m= ports are 0).'));
  }
  const tags = answer.bundle.map((g) => g[0]);
  const usable = (m: MediaDescription) => m.ice !== undefined && m.dtls !== undefined;
  const chosen =
    accepted.find((m) => m.mid !== undefined && tags.includes(m.mid) && usable(m)) ?? accepted.find(usable);
  if (chosen?.ice !== undefined && chosen.dtls !== undefined) return ok({ ice: chosen.ice, dtls: chosen.dtls });
  if (accepted.every((m) => m.ice === undefined)) {
    return err(new SdpError('SDP_MISSING_ICE', 'The answer has no ICE credentials (a=ice-ufrag, a=ice-pwd).'));
  }
  return err(new SdpError('SDP_MISSING_FINGERPRINT', 'The answer has no DTLS fingerprint (a=fingerprint).'));
}

const ANSWER_DIRECTION: Record<string, sdpTransform.MediaDescription['direction']> = {
  sendrecv: 'sendrecv',
  sendonly: 'recvonly',
  recvonly: 'sendonly',
  inactive: 'inactive',
};

/**
 * An answer to `agentOffer` (the agent's own offer text) that accepts each of its m= sections, with the
 * agent's own codecs (RFC 3264 §6.1: a subset of the offer), all in one BUNDLE group, and the ICE
 * credentials, candidates and DTLS fingerprint and setup role of the browser's answer. Only for the agent
 * that runs the transport: which streams flow is decided from the browser's answer itself.
 */
export function transportAnswer(agentOffer: string, answer: SessionDescription): Result<string> {
  const transport = answerTransport(answer);
  if (!transport.ok) return transport;
  const { ice, dtls } = transport.value;
  let offer: sdpTransform.SessionDescription;
  try {
    offer = sdpTransform.parse(agentOffer);
  } catch (cause) {
    return err(new SdpError('SDP_PARSE_FAILED', 'The ICE/DTLS agent wrote an unreadable offer.', { cause }));
  }
  const candidates = ice.candidates.map(parseCandidate).filter((c) => c !== undefined);
  const media = (offer.media ?? []).map((m, i): sdpTransform.MediaDescription => {
    return {
      type: m.type,
      port: 9,
      protocol: m.protocol,
      payloads: m.payloads,
      rtp: m.rtp ?? [],
      fmtp: m.fmtp ?? [],
      ...(m.rtcpFb !== undefined ? { rtcpFb: m.rtcpFb } : {}),
      connection: { version: 4, ip: '0.0.0.0' },
      mid: m.mid ?? String(i),
      direction: ANSWER_DIRECTION[m.direction ?? 'sendrecv'] ?? 'sendrecv',
      iceUfrag: ice.ufrag,
      icePwd: ice.pwd,
      fingerprint: { type: dtls.fingerprint.algorithm, hash: dtls.fingerprint.value },
      setup: dtls.setup,
      rtcpMux: 'rtcp-mux',
      ...(candidates.length > 0 ? { candidates } : {}),
    };
  });
  const mids = media.map((m) => String(m.mid)).join(' ');
  const out: sdpTransform.SessionDescription = {
    version: 0,
    origin: {
      username: '-',
      sessionId: answer.origin.sessionId,
      sessionVersion: answer.origin.sessionVersion,
      netType: 'IN',
      ipVer: 4,
      address: '0.0.0.0',
    },
    name: '-',
    timing: { start: 0, stop: 0 },
    groups: [{ type: 'BUNDLE', mids }],
    media,
  };
  if (ice.lite) out.icelite = 'ice-lite';
  return ok(sdpTransform.write(out));
}
