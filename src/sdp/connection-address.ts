// Where a plain-RTP peer's SDP says to send media (c=, RFC 8866 §5.7; a=rtcp's address, RFC 3605 §2.1),
// checked before a socket ever sends there. Only a unicast IP literal of the socket's family is a
// destination: a broadcast address is refused by the kernel (EACCES), an IPv6 address cannot be reached
// from a udp4 socket, a multicast group is not a peer, and a host name would cost a DNS lookup per packet.
// 0.0.0.0 (and :: for IPv6) is the RFC 2543 way to put a call on hold (RFC 3264 §8.4 still asks answerers
// to accept it): it names no destination, and nothing is sent.

import { err, ok, type Result, SdpError } from './errors.js';
import type { SessionDescription } from './session-description.js';

export type AddressFamily = 4 | 6;

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/**
 * 4 or 6 for an IP literal, else 0 (node:net's isIP, without Node: src/sdp runs anywhere). IPv6 is checked
 * by the WHATWG URL parser, which accepts exactly RFC 4291 §2.2 text forms inside brackets.
 */
function ipVersion(address: string): 0 | 4 | 6 {
  if (IPV4.test(address)) return 4;
  if (!address.includes(':') || /[^0-9a-fA-F:.]/.test(address)) return 0;
  try {
    new URL(`http://[${address}]/`);
    return 6;
  } catch {
    return 0;
  }
}

/** A destination to send to, or `hold` (0.0.0.0 / ::): nothing is sent. */
export type ConnectionTarget = { type: 'unicast'; address: string } | { type: 'hold' };

const bad = (what: string, address: string, why: string) =>
  err(new SdpError('SDP_BAD_CONNECTION_ADDRESS', `The ${what} address ${address} ${why}.`, { sipStatus: 488 }));

function ipv4Kind(address: string): 'unicast' | 'hold' | 'broadcast' | 'multicast' | 'reserved' {
  const [a = 0, b = 0, c = 0, d = 0] = address.split('.').map(Number);
  if (a === 0) return b === 0 && c === 0 && d === 0 ? 'hold' : 'reserved'; // RFC 1122 §3.2.1.3 "this network"
  if (a === 255 && b === 255 && c === 255 && d === 255) return 'broadcast';
  if (a >= 224 && a <= 239) return 'multicast'; // RFC 5771
  if (a >= 240) return 'reserved'; // RFC 1112 §4 class E
  return 'unicast';
}

function ipv6Kind(address: string): 'unicast' | 'hold' | 'multicast' {
  const lower = address.toLowerCase();
  if (/^[0:]+$/.test(lower)) return 'hold'; // :: the unspecified address (RFC 4291 §2.5.2)
  if (lower.startsWith('ff')) return 'multicast'; // RFC 4291 §2.7
  return 'unicast';
}

/**
 * Checks one address from the SDP for a socket of `family`. Never throws: a refused address is an
 * SDP_BAD_CONNECTION_ADDRESS error (488 Not Acceptable Here) whose reason names the address and why.
 */
export function checkConnectionAddress(
  address: string,
  family: AddressFamily,
  what = 'connection (c=)',
): Result<ConnectionTarget> {
  const version = ipVersion(address);
  if (version === 0) return bad(what, address, 'is not an IP address: media addresses are not resolved by name');
  if (version !== family) {
    return bad(what, address, `is IPv${version}, and this server sends RTP over IPv${family}`);
  }
  const kind = version === 4 ? ipv4Kind(address) : ipv6Kind(address);
  if (kind === 'hold') return ok({ type: 'hold' });
  if (kind !== 'unicast') return bad(what, address, `is a ${kind} address, not a peer's unicast address`);
  return ok({ type: 'unicast', address });
}

/** Every live audio/video stream's c= and a=rtcp address of a plain-RTP peer's SDP, checked. */
export function checkMediaAddresses(sdp: SessionDescription, family: AddressFamily): Result<true> {
  for (const m of sdp.media) {
    if (m.port === 0 || (m.kind !== 'audio' && m.kind !== 'video')) continue;
    if (m.address !== undefined) {
      const r = checkConnectionAddress(m.address, family);
      if (!r.ok) return r;
    }
    if (m.rtcp?.address !== undefined) {
      const r = checkConnectionAddress(m.rtcp.address, family, 'RTCP (a=rtcp)');
      if (!r.ok) return r;
    }
  }
  return ok(true);
}
