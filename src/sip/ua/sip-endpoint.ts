// The gateway's SIP listener: ONE transport layer (UDP, TCP, TLS on configured addresses) and ONE transaction
// layer, shared by every account's UserAgent through a UserAgentHost (requests dispatched by Request-URI and
// dialog id, see user-agent-host.ts). At a thousand accounts this is one socket per transport, not a
// thousand, and one address a firewall or a SIP trunk can be told about.
import { createSocket } from 'node:dgram';
import type { Clock } from '../clock.js';
import type { TimerConfig } from '../timers.js';
import { type Logger, silentLogger } from '../transport/logger.js';
import type { TransportProtocol } from '../transport/transport.js';
import { type ListenConfig, TransportLayer } from '../transport/transport-layer.js';
import { StackNetwork } from './stack-network.js';
import type { UserAgent } from './user-agent.js';
import { type HostedUserAgentOptions, UserAgentHost } from './user-agent-host.js';

export interface SipEndpointOptions {
  /**
   * Where to listen. UDP and TCP entries with port 0 get ONE free port together (a SIP address is the same
   * port on both, RFC 3261 §18: "implementations MUST be able to handle messages on both" on port 5060).
   */
  listen: ListenConfig[];
  clock?: Clock;
  timers?: TimerConfig;
  logger?: Logger;
  goneMemory?: number;
}

const PORT_ATTEMPTS = 10;

export class SipEndpoint {
  readonly transport: TransportLayer;
  readonly network: StackNetwork;
  private readonly host: UserAgentHost;
  private closing: Promise<void> | undefined;

  private constructor(transport: TransportLayer, o: SipEndpointOptions) {
    this.transport = transport;
    const first = transport.addresses[0];
    if (first === undefined) throw new RangeError('SipEndpoint: at least one listen address');
    this.network = new StackNetwork({
      transport,
      contact: { ...transport.sentBy(first.transport), transport: first.transport },
      clock: o.clock,
      timers: o.timers,
      logger: o.logger,
    });
    transport.on('message', (m, s) => this.network.receiveMessage(m, s));
    const listening = new Set(transport.addresses.map((a) => a.transport));
    const network = this.network;
    this.host = new UserAgentHost({
      network: {
        contactFor: (t: TransportProtocol) => (listening.has(t) ? transport.sentBy(t) : undefined),
        sendRequest: (r, c) => network.sendRequest(r, c),
        sendAck: (a) => network.sendAck(a),
        onRequest: (h) => network.onRequest(h),
      },
      ...(o.clock === undefined ? {} : { clock: o.clock }),
      ...(o.timers === undefined ? {} : { timers: o.timers }),
      ...(o.logger === undefined ? {} : { logger: o.logger }),
      ...(o.goneMemory === undefined ? {} : { goneMemory: o.goneMemory }),
    });
  }

  /** Binds the sockets (retrying another shared port on EADDRINUSE when port 0 was asked). */
  static async listen(o: SipEndpointOptions): Promise<SipEndpoint> {
    const logger = o.logger ?? silentLogger;
    const shared = o.listen.filter((l) => l.port === 0 && l.transport !== 'TLS');
    for (let attempt = 1; ; attempt++) {
      const port = shared.length > 1 ? await freeUdpPort(shared[0]!.host) : 0;
      const listen = o.listen.map((l) => (shared.includes(l) && port !== 0 ? { ...l, port } : l));
      const transport = new TransportLayer({ listen, logger, ...(o.clock === undefined ? {} : { clock: o.clock }) });
      try {
        await transport.listen();
      } catch (e) {
        await transport.close();
        if (port !== 0 && (e as NodeJS.ErrnoException).code === 'EADDRINUSE' && attempt < PORT_ATTEMPTS) continue;
        throw e;
      }
      return new SipEndpoint(transport, o);
    }
  }

  /** The bound addresses (real ports when 0 was asked). */
  get addresses(): ReturnType<TransportLayer['sentBy']>[] {
    return this.transport.addresses.map((a) => ({ host: a.host, port: a.port }));
  }

  /** Hosted user agents not closed yet. */
  get size(): number {
    return this.host.size;
  }

  /** A UserAgent on the shared listener; see UserAgentHost.createUserAgent for what it throws. */
  createUserAgent(o: HostedUserAgentOptions): UserAgent {
    return this.host.createUserAgent(o);
  }

  /** Closes every UA (BYE, un-REGISTER), then the transactions and the sockets. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      try {
        await this.host.close();
      } finally {
        this.network.close();
        await this.transport.close();
      }
    })();
    return this.closing;
  }
}

/** A port the system gives a UDP socket on `host`, free when this returns (the bind may still race). */
function freeUdpPort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    s.once('error', reject);
    s.bind(0, host, () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}
