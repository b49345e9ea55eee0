// Addresses no request may be sent to: they name no single device. A Contact, Route or Request-URI host that is
// one of them is refused (REGISTER 400) or not forwarded (403), so that the proxy cannot be made to send to a
// whole network (amplification) or to "this host" by accident:
//   IPv4: 0.0.0.0/8 (this network, RFC 1122 §3.2.1.3), 224.0.0.0/4 multicast, 240.0.0.0/4 reserved and the
//         limited broadcast 255.255.255.255 (RFC 919), and the directed broadcast of this machine's networks;
//   IPv6: :: (unspecified, RFC 4291 §2.5.2), ff00::/8 multicast, and IPv4-mapped forms of the above.
// Host names are not resolved here (DEVIATION: a name that resolves to such an address is only caught at
// REGISTER, where the Contact's name must resolve; the proxy hands names to the transport as they are).

import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';

function ipv4ToInt(host: string): number {
  return host.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

/** The directed-broadcast addresses of this machine's IPv4 networks (prefixes up to /30). */
function localBroadcasts(): Set<number> {
  const out = new Set<number>();
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.family !== 'IPv4' || a.cidr === null) continue;
      const prefix = Number(a.cidr.split('/')[1]);
      if (!(prefix >= 1 && prefix <= 30)) continue;
      const hostBits = 2 ** (32 - prefix);
      const ip = ipv4ToInt(a.address);
      out.add(ip - (ip % hostBits) + hostBits - 1);
    }
  }
  return out;
}

function unroutableV4(host: string): boolean {
  const first = Number(host.split('.')[0]);
  if (first === 0 || first >= 224) return true;
  return localBroadcasts().has(ipv4ToInt(host));
}

/** True when `host` (an IP literal, with or without brackets) names no single device. Names give false. */
export function isUnroutableAddress(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const v = isIP(bare);
  if (v === 4) return unroutableV4(bare);
  if (v !== 6) return false;
  const h = bare.toLowerCase();
  if (h.startsWith('ff')) return true;
  const mapped = /^(?:0{0,4}:){0,4}:?(?:0{0,4}:)?ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h)?.[1];
  if (mapped !== undefined) return unroutableV4(mapped);
  // Every spelling of :: (all groups zero).
  return /^[0:]+$/.test(h);
}
