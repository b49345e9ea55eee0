// Parts of sipp scenarios (sipp's XML, its [keywords]) that every scripted UAS repeats: the SDP body on
// sipp's media port, a response to the last request received, and the end of a call (the caller's BYE
// answered). Scenarios are written with them so that each says only what is its own.

/** The codecs of an audio m= line as payload type and rtpmap, e.g. [0, 'PCMU/8000']. */
export type SippCodec = [payloadType: number, rtpmap: string];

export const PCMU: SippCodec = [0, 'PCMU/8000'];
export const PCMA: SippCodec = [8, 'PCMA/8000'];

/**
 * An SDP body with one audio stream on sipp's media port (sipp's `-rtp_echo` answers on it), `version` the
 * o= line's session version; with `dtmf`, telephone-event/8000 as payload type 101.
 */
export function sippSdp(codecs: SippCodec[], o: { version?: number; dtmf?: boolean } = {}): string {
  const all: SippCodec[] = o.dtmf ? [...codecs, [101, 'telephone-event/8000']] : codecs;
  return [
    'v=0',
    `o=sipp 1 ${o.version ?? 1} IN IP[local_ip_type] [local_ip]`,
    's=-',
    'c=IN IP[media_ip_type] [media_ip]',
    't=0 0',
    `m=audio [media_port] RTP/AVP ${all.map(([pt]) => pt).join(' ')}`,
    ...all.map(([pt, rtpmap]) => `a=rtpmap:${pt} ${rtpmap}`),
    ...(o.dtmf ? ['a=fmtp:101 0-16'] : []),
    'a=sendrecv',
  ].join('\n');
}

/**
 * A response to the last request received. `dialog`: it creates or belongs to the dialog of that request's
 * INVITE (adds sipp's To tag and a Contact); `sdp`: its body; a 2xx to an INVITE is retransmitted until
 * the ACK (RFC 3261 §13.3.1.4), so `retrans` is on for it by default.
 */
export function sippResponse(
  status: number,
  reason: string,
  o: { dialog?: boolean; sdp?: string; retrans?: boolean } = {},
): string {
  const headers = [
    `SIP/2.0 ${status} ${reason}`,
    '[last_Via:]',
    '[last_From:]',
    o.dialog ? '[last_To:];tag=[pid]SIPpTag01[call_number]' : '[last_To:]',
    '[last_Call-ID:]',
    '[last_CSeq:]',
    ...(o.dialog ? ['Contact: <sip:[local_ip]:[local_port];transport=[transport]>'] : []),
    ...(o.sdp !== undefined ? ['Content-Type: application/sdp', 'Content-Length: [len]'] : ['Content-Length: 0']),
  ].join('\n');
  const retrans = o.retrans ?? (status >= 200 && status < 300 && o.dialog === true);
  const text = o.sdp !== undefined ? `${headers}\n\n${o.sdp}\n` : `${headers}\n\n`;
  return `  <send${retrans ? ' retrans="500"' : ''}>\n    <![CDATA[\n${text}    ]]>\n  </send>\n`;
}

/** The end of a call the far side hangs up: its BYE, answered 200 OK. */
export const SIPP_BYE_ANSWERED = `  <recv request="BYE"/>\n${sippResponse(200, 'OK')}`;

/** A whole scenario from its steps. */
export const sippScenario = (name: string, steps: string): string =>
  `<?xml version="1.0" encoding="ISO-8859-1" ?>\n<scenario name="${name}">\n${steps}</scenario>\n`;
