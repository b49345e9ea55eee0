// Which URIs name this server: its domain (the host part of the addresses-of-record it is responsible for,
// RFC 3261 §10.3 step 1, §16.5) and its own addresses (a Route or Record-Route value it put there, §16.4).

import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { SipUri } from '../sip/message/types.js';

function bare(host: string): string {
  const h = host.toLowerCase();
  return h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

export interface LocalIdentityOptions {
  /** The domain of the AORs (`parley.local`, or an address like `127.0.0.1`). */
  domain: string;
  /** The bound address (`127.0.0.1`, `0.0.0.0`) and any advertised one. */
  hosts: string[];
  /** Every port this server listens on (UDP and TCP may differ when port 0 was asked for). */
  ports: number[];
}

export class LocalIdentity {
  readonly domain: string;
  private readonly aliases = new Set<string>();
  private readonly ports: Set<number>;
  /** Bound to every address: all of 127.0.0.0/8 reaches this server too. */
  private wildcard = false;

  constructor(opts: LocalIdentityOptions) {
    this.domain = bare(opts.domain);
    this.ports = new Set(opts.ports);
    this.aliases.add(this.domain);
    for (const h of opts.hosts) {
      const host = bare(h);
      if (host === '0.0.0.0' || host === '::') {
        // A wildcard bind answers on every address of this machine.
        this.wildcard = true;
        for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) this.aliases.add(a.address);
        this.aliases.add('localhost');
        this.aliases.add('127.0.0.1');
      } else {
        this.aliases.add(host);
        if (isLoopback(host)) {
          this.aliases.add('localhost');
          this.aliases.add(isIP(host) === 6 ? '::1' : '127.0.0.1');
        }
      }
    }
  }

  /** True when the host names this server (any alias). */
  isLocalHost(host: string): boolean {
    const h = bare(host);
    return this.aliases.has(h) || (this.wildcard && isLoopback(h));
  }

  /**
   * §10.3 step 1 / §16.5: the URI is in our domain. A port, when written, must be one of ours (an AOR of the
   * domain is often written `user@127.0.0.1:5070`).
   */
  isOurDomain(uri: SipUri): boolean {
    if (uri.scheme === 'tel') return false;
    if (!this.isLocalHost(uri.host)) return false;
    return uri.port === undefined || this.ports.has(uri.port);
  }

  /** True when host and port are one of this server's own listening addresses. */
  isOwnAddress(host: string, port: number): boolean {
    return this.isLocalHost(host) && this.ports.has(port);
  }

  /** §16.4: the URI is this proxy's own address (a Route or Record-Route we wrote). */
  isUs(uri: SipUri): boolean {
    if (uri.scheme === 'tel' || uri.user !== undefined) return false;
    if (!this.isLocalHost(uri.host)) return false;
    const port = uri.port ?? (uri.scheme === 'sips' ? 5061 : 5060);
    return this.ports.has(port);
  }
}
