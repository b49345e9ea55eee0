// The embedded SIP server of issue 7: a registrar (RFC 3261 §10.3) and a stateful proxy (§16) for one domain,
// on UDP and TCP on one port, built on Parley's SIP stack (transport and transaction layers). It knows SIP only;
// the Parley server composes it (config, REST listing of the bindings, local services for 600/601).
//
//   UDP/TCP ─► TransportLayer ─► REGISTER rate limit ─► TransactionLayer ─┬─► Registrar ─► LocationService
//                                                                         └─► Proxy ◄──────────┘
// Both authenticate with one Authenticator, which limits failed authentications per source address for every
// method (password guessing through INVITE as much as through REGISTER).

import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { DigestAlgorithm } from '../sip/auth/digest-algorithm.js';
import { type Clock, RealClock } from '../sip/clock.js';
import { createResponse } from '../sip/message/builders.js';
import type { SipMessage, SipRequest } from '../sip/message/message.js';
import type { TimerConfig } from '../sip/timers.js';
import { type ServerTransaction, TransactionLayer } from '../sip/transaction/transaction-layer.js';
import { type Logger, silentLogger } from '../sip/transport/logger.js';
import type { Destination, MessageSource, TransportProtocol } from '../sip/transport/transport.js';
import { TransportLayer, type TransportLayerOptions } from '../sip/transport/transport-layer.js';
import { AuthFailureLimiter, type AuthFailureLimiterOptions } from './auth-failure-limiter.js';
import { Authenticator } from './authenticator.js';
import { type HostResolver, systemResolver } from './contact-check.js';
import { RegistrarError } from './errors.js';
import { LocalIdentity } from './local-identity.js';
import type { LocalService } from './local-service.js';
import { type Binding, type BindingInfo, type BindingRemovalReason, LocationService } from './location-service.js';
import { DEFAULT_REGISTRAR_POLICY, Registrar, type RegistrarPolicy } from './registrar.js';
import { SourceRateLimiter, type SourceRateLimiterOptions } from './source-rate-limiter.js';
import { StatefulProxy } from './stateful-proxy.js';

export interface EmbeddedSipServerOptions {
  /** Address to bind. Default 127.0.0.1 (a laptop demo is not reachable from the network unless asked). */
  host?: string;
  /** UDP and TCP port. Default 5060; 0 picks free ports (UDP and TCP may then differ). */
  port?: number;
  /** Host written in Via and Record-Route; default the bound address. */
  advertisedHost?: string;
  /**
   * The domain of the AORs and the digest realm. Default the advertised or bound host; for a wildcard bind
   * (`0.0.0.0`), the address the transport puts in its Via (this machine's first external address).
   */
  domain?: string;
  /** user -> password. */
  users: Readonly<Record<string, string>> | ReadonlyMap<string, string>;
  /** Runs binding expiry, nonce lifetimes, rate limits and every SIP timer. Default the real clock. */
  clock?: Clock;
  logger?: Logger;
  /** Expiry limits and the answer to an unknown user (see RegistrarPolicy). */
  policy?: Partial<RegistrarPolicy>;
  /** REGISTER rate limit per source address; false turns it off. */
  rateLimit?: Omit<SourceRateLimiterOptions, 'clock'> | false;
  /**
   * Failed authentications per source address, every method (default 10, then one per minute); over it,
   * requests needing authentication are answered 503 with Retry-After unchecked. False turns it off.
   */
  authFailureLimit?: Omit<AuthFailureLimiterOptions, 'clock'> | false;
  /** Most live digest nonces tracked against replay (default 10000); beyond it new ones wait (503). */
  maxTrackedNonces?: number;
  /** Numbers the domain serves itself (echo, tone), routed to the gateway. */
  services?: LocalService[];
  /** Challenge out-of-dialog INVITE/MESSAGE/SUBSCRIBE/REFER/PUBLISH from the domain's users. Default true. */
  authenticateLocalUsers?: boolean;
  /** Decides whether a Contact's host name resolves. Default the system resolver with a 2 s timeout. */
  resolveHost?: HostResolver;
  /** RFC 3261 timers (T1...). */
  timers?: TimerConfig;
  /** §16.6 Timer C in ms. Default 181 000. */
  timerC?: number;
  /** How long a digest nonce is accepted. Default 5 minutes. */
  nonceLifetimeMs?: number;
  /** Digest challenges offered, in order. Default SHA-256 then MD5 (RFC 8760). */
  digestAlgorithms?: DigestAlgorithm[];
  /** Makes the transport layer (tests give one on a fake network). Default a real TransportLayer. */
  createTransport?: (opts: TransportLayerOptions) => TransportLayer;
}

/** Why a request was turned away, for logs and metrics. */
export interface Refusal {
  method: string;
  status: number;
  user?: string;
  /** `UDP 127.0.0.1:5062` */
  source: string;
}

export interface EmbeddedSipServerEvents {
  /** A contact was registered (refreshed: it was already). */
  registered: [binding: Binding, refreshed: boolean];
  /** A binding ended: unregistered by its UA, expired, or replaced by a newer contact of the same instance. */
  unregistered: [binding: Binding, reason: BindingRemovalReason];
  /** A REGISTER answered with an error (401 challenges excluded). */
  registerRefused: [refusal: Refusal];
  /** A REGISTER over the rate limit (answered 503 or dropped). */
  rateLimited: [source: string, action: 'reject' | 'drop'];
  /** A request refused unchecked (503) because its address failed to authenticate too often. */
  authThrottled: [source: string, method: string];
}

function toMap(users: EmbeddedSipServerOptions['users']): Map<string, string> {
  return users instanceof Map ? new Map(users) : new Map(Object.entries(users));
}

export class EmbeddedSipServer extends EventEmitter<EmbeddedSipServerEvents> {
  private domainName: string;
  private readonly opts: EmbeddedSipServerOptions;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly users: Map<string, string>;
  private readonly location: LocationService;
  private readonly openConnections = new Set<string>();
  private transport: TransportLayer | undefined;
  private layer: TransactionLayer | undefined;
  private registrar: Registrar | undefined;
  private proxy: StatefulProxy | undefined;
  private limiter: SourceRateLimiter | undefined;
  private authFailures: AuthFailureLimiter | undefined;
  private starting: Promise<void> | undefined;
  private closing: Promise<void> | undefined;

  constructor(opts: EmbeddedSipServerOptions) {
    super();
    this.opts = opts;
    this.clock = opts.clock ?? new RealClock();
    this.logger = opts.logger ?? silentLogger;
    this.users = toMap(opts.users);
    this.domainName = opts.domain ?? opts.advertisedHost ?? opts.host ?? '127.0.0.1';
    this.location = new LocationService({ clock: this.clock });
    this.location.on('bindingAdded', (b, refreshed) => {
      this.logger.info({ user: b.user, contact: b.contact, expires: b.expires, refreshed }, 'registered');
      this.emit('registered', b, refreshed);
    });
    this.location.on('bindingRemoved', (b, reason) => {
      this.logger.info({ user: b.user, contact: b.contact, reason }, 'binding removed');
      this.emit('unregistered', b, reason);
    });
  }

  /** Binds UDP and TCP and starts answering. Rejects with REGISTRAR_START_FAILED (port in use...). */
  start(): Promise<void> {
    this.starting ??= this.doStart();
    return this.starting;
  }

  private async doStart(): Promise<void> {
    const o = this.opts;
    const host = o.host ?? '127.0.0.1';
    const port = o.port ?? 5060;
    const advertised = o.advertisedHost === undefined ? {} : { advertisedHost: o.advertisedHost };
    const transportOptions: TransportLayerOptions = {
      listen: (['UDP', 'TCP'] as const).map((t) => ({ transport: t, host, port, ...advertised })),
      clock: this.clock,
      logger: this.logger,
    };
    const transport = o.createTransport?.(transportOptions) ?? new TransportLayer(transportOptions);
    try {
      await transport.listen();
    } catch (cause) {
      await transport.close();
      throw new RegistrarError('REGISTRAR_START_FAILED', `cannot listen on ${host}:${port}: ${String(cause)}`, {
        status: 500,
        cause,
      });
    }
    this.transport = transport;
    if (o.domain === undefined && o.advertisedHost === undefined && (host === '0.0.0.0' || host === '::')) {
      this.domainName = transport.sentBy('UDP').host.replace(/^\[|\]$/g, '');
    }
    const identity = new LocalIdentity({
      domain: this.domain,
      hosts: [host, ...(o.advertisedHost === undefined ? [] : [o.advertisedHost])],
      ports: transport.addresses.map((a) => a.port),
    });
    const policy: RegistrarPolicy = { ...DEFAULT_REGISTRAR_POLICY, ...o.policy };
    if (o.authFailureLimit !== false) {
      this.authFailures = new AuthFailureLimiter({ clock: this.clock, ...o.authFailureLimit });
    }
    const auth = new Authenticator({
      ...(this.authFailures === undefined ? {} : { failures: this.authFailures }),
      onThrottled: (sourceHost, request) => {
        this.logger.info({ source: sourceHost, method: request.method }, 'authentication throttled');
        this.emit('authThrottled', sourceHost, request.method);
      },
      ...(o.maxTrackedNonces === undefined ? {} : { maxTrackedNonces: o.maxTrackedNonces }),
      realm: identity.domain,
      users: this.users,
      clock: this.clock,
      ...(o.nonceLifetimeMs === undefined ? {} : { nonceLifetimeMs: o.nonceLifetimeMs }),
      ...(o.digestAlgorithms === undefined ? {} : { algorithms: o.digestAlgorithms }),
    });
    const layer = new TransactionLayer({
      transport,
      clock: this.clock,
      logger: this.logger,
      ...(o.timers === undefined ? {} : { timers: o.timers }),
      user: {
        receiveRequest: (req, tx, source) => this.receiveRequest(req, tx, source),
        receiveAck: (ack, source) => this.proxy?.receiveAck(ack, source),
        receiveStrayResponse: (res) => this.proxy?.receiveStrayResponse(res),
      },
    });
    this.layer = layer;
    this.registrar = new Registrar({
      identity,
      users: this.users,
      location: this.location,
      auth,
      resolveHost: o.resolveHost ?? systemResolver(),
      policy,
      logger: this.logger,
    });
    this.proxy = new StatefulProxy({
      identity,
      location: this.location,
      auth,
      users: this.users,
      layer,
      transport,
      clock: this.clock,
      logger: this.logger,
      services: o.services ?? [],
      timerC: o.timerC ?? 181_000,
      authenticateLocalUsers: o.authenticateLocalUsers ?? true,
      isConnectionOpen: (id) => this.openConnections.has(id),
    });
    if (o.rateLimit !== false) this.limiter = new SourceRateLimiter({ clock: this.clock, ...o.rateLimit });
    transport.on('connectionOpened', (id) => this.openConnections.add(id));
    transport.on('connectionClosed', (id) => this.openConnections.delete(id));
    transport.on('message', (m, source) => this.receiveMessage(m, source));
    this.logger.info({ addresses: transport.addresses, domain: this.domain, users: this.users.size }, 'SIP server up');
  }

  /** The domain of the AORs (and digest realm): what UAs put after the @. */
  get domain(): string {
    return this.domainName;
  }

  /** The bound addresses (real ports), after start. */
  get addresses(): Destination[] {
    return this.transport?.addresses ?? [];
  }

  /** The bound port of a transport, after start. */
  port(transport: TransportProtocol = 'UDP'): number {
    const a = this.addresses.find((x) => x.transport === transport);
    if (a === undefined) throw new Error(`the SIP server is not listening on ${transport}`);
    return a.port;
  }

  /** Current registrations, for `/rest-api/registrar/bindings`. */
  bindings(): BindingInfo[] {
    return this.location.list();
  }

  /** Requests refused unchecked since start because their address failed to authenticate too often. */
  get authThrottledCount(): number {
    return this.authFailures?.refused ?? 0;
  }

  /** REGISTERs refused by the rate limit since start. */
  get rateLimitedCount(): number {
    return this.limiter?.limited ?? 0;
  }

  private receiveMessage(message: SipMessage, source: MessageSource): void {
    if (message.kind === 'request' && message.method === 'REGISTER' && this.limiter !== undefined) {
      const d = this.limiter.take(source.host, source.port);
      if (d.action !== 'pass') {
        this.emit('rateLimited', `${source.host}`, d.action);
        if (d.action === 'reject') this.rejectStateless(message, source, d.retryAfter);
        return;
      }
    }
    this.layer?.receiveMessage(message, source);
  }

  /** A 503 outside any transaction: a flood should not cost a transaction each (§21.5.4 Retry-After). */
  private rejectStateless(request: SipRequest, source: MessageSource, retryAfter: number): void {
    const r = createResponse(request, 503, 'Service Unavailable', {
      toTag: randomBytes(6).toString('hex'),
      headers: [['Retry-After', String(retryAfter)]],
    });
    this.transport
      ?.sendResponse(r, source)
      .catch((e: unknown) => this.logger.warn({ err: e, source: source.host }, '503 not sent'));
  }

  private receiveRequest(request: SipRequest, tx: ServerTransaction, source: MessageSource): void {
    if (request.method !== 'REGISTER') {
      this.proxy?.receiveRequest(request, tx, source);
      return;
    }
    const registrar = this.registrar;
    if (registrar === undefined) return;
    registrar.register(request, source).then(
      ({ response, user }) => {
        tx.respond(response);
        if (response.status >= 300 && response.status !== 401) {
          const refusal: Refusal = {
            method: 'REGISTER',
            status: response.status,
            source: `${source.transport} ${source.host}:${source.port}`,
          };
          if (user !== undefined) refusal.user = user;
          this.emit('registerRefused', refusal);
        }
      },
      (e: unknown) => {
        // register() answers every failure itself; reaching here is a bug, answered 500 and logged.
        this.logger.error({ err: e }, 'REGISTER processing threw');
        tx.respond(createResponse(request, 500, 'Server Internal Error', { toTag: randomBytes(6).toString('hex') }));
      },
    );
  }

  /** Stops listening, ends every transaction, forgets every binding (no events). Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      // A failed start was reported to its caller; closing only has less to close.
      await this.starting?.catch((e: unknown) => this.logger.debug({ err: e }, 'closing after a failed start'));
      this.proxy?.close();
      this.layer?.close();
      this.location.clear();
      await this.transport?.close();
    })();
    return this.closing;
  }
}
