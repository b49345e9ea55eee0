// Source addresses the registrar's limiters leave alone: the Parley gateway's own SIP listener, from which
// every browser account registers (one ip:port for all of them, so a per-address bucket would throttle every
// user together). Given as `ip:port` (`[v6]:port` for IPv6), or a getter when the addresses are only known
// once the gateway's SIP endpoint has bound (port 0).

export type ExemptSources = readonly string[] | (() => readonly string[]);

/** `127.0.0.1:5070`, `[::1]:5070`. */
export function sourceKey(host: string, port: number): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
}

export function isExempt(exempt: ExemptSources | undefined, host: string, port: number | undefined): boolean {
  if (exempt === undefined || port === undefined) return false;
  const list = typeof exempt === 'function' ? exempt() : exempt;
  return list.length > 0 && list.includes(sourceKey(host, port));
}
