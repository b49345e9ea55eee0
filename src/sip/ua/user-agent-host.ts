// Many user agents on one network: the gateway listens on one SIP address (one transport layer, one
// transaction layer) for every account, and this host hands each incoming request to the UA it is for.
//
// - Each UA gets its own Contact user, `<login>-<random token>`. Registrars send requests for an
//   address-of-record to its registered Contact (RFC 3261 §10.2.1, §16.5 "lookup"), so the Request-URI of an
//   incoming INVITE names the UA, even when several sessions registered the same login.
// - A request inside a dialog goes by its dialog id (§12.2.2: Call-ID, To tag as local tag, From tag as
//   remote tag); when the id is unknown (an early dialog), by its Request-URI, which is our Contact there too
//   (§12.2.1.1: the remote target). Responses are matched to their client transaction below (§17.1.3).
// - What no UA takes: 404 for an unknown Contact user (§21.4.5), 480 for one whose UA is closed (§21.4.18),
//   481 for an unknown dialog or CANCEL (§12.2.2, §9.2), 200 to an OPTIONS for the endpoint itself (§11.2).
import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import { dialogIdOfIncomingRequest, dialogKey } from '../dialog/dialog.js';
import { SipError } from '../errors.js';
import type { SipRequest } from '../message/message.js';
import { parseUri } from '../message/uri.js';
import type { TimerConfig } from '../timers.js';
import { type Logger, silentLogger } from '../transport/logger.js';
import type { TransportProtocol } from '../transport/transport.js';
import { ALLOWED_METHODS, SUPPORTED } from './context.js';
import { createResponse } from './message-factory.js';
import type { IncomingRequestHandler, ServerTransactionPort, UaNetwork } from './network.js';
import { UserAgent, type UserAgentOptions } from './user-agent.js';

/** The layers every hosted UA shares: a UaNetwork that can be reached on several transports. */
export interface SharedNetwork extends Omit<UaNetwork, 'contact' | 'dialogOpened' | 'dialogClosed' | 'release'> {
  /** The sent-by address on `transport`, or undefined when the endpoint does not listen on it. */
  contactFor(transport: TransportProtocol): { host: string; port: number } | undefined;
}

export interface UserAgentHostOptions {
  network: SharedNetwork;
  clock?: Clock;
  timers?: TimerConfig;
  logger?: Logger;
  /** How many closed accounts' Contact users are remembered for 480 (oldest forgotten first). Default 10,000. */
  goneMemory?: number;
}

export interface HostedUserAgentOptions extends Omit<UserAgentOptions, 'network'> {
  /** The transport of the Contact and of the account's requests. Default UDP. */
  transport?: TransportProtocol;
  /** The Contact user; default `<user>-<16 hex digits>`. Must be unique on the host. */
  contactUser?: string;
}

/** One UA's view of the shared network: its own Contact, its own handler, its dialogs known to the host. */
class HostedNetwork implements UaNetwork {
  readonly contact: UaNetwork['contact'];
  readonly dialogs = new Set<string>();
  handler: IncomingRequestHandler | undefined;
  ua: UserAgent | undefined;

  constructor(
    private readonly host: UserAgentHost,
    private readonly shared: SharedNetwork,
    contact: UaNetwork['contact'],
  ) {
    this.contact = contact;
  }

  sendRequest: UaNetwork['sendRequest'] = (request, callbacks) => this.shared.sendRequest(request, callbacks);
  sendAck: UaNetwork['sendAck'] = (ack) => this.shared.sendAck(ack);
  onRequest(handler: IncomingRequestHandler): void {
    this.handler = handler;
  }
  dialogOpened(key: string): void {
    this.dialogs.add(key);
    this.host.dialogOpened(key, this);
  }
  dialogClosed(key: string): void {
    this.dialogs.delete(key);
    this.host.dialogClosed(key, this);
  }
  release(): void {
    this.host.release(this);
  }
}

export class UserAgentHost {
  private readonly network: SharedNetwork;
  private readonly o: UserAgentHostOptions;
  private readonly logger: Logger;
  /** By Contact user (unescaped, compared exactly: RFC 3261 §19.1.4). */
  private readonly users = new Map<string, HostedNetwork>();
  private readonly dialogs = new Map<string, HostedNetwork>();
  private readonly gone = new Map<string, true>();
  private readonly goneMemory: number;
  private closing: Promise<void> | undefined;

  constructor(o: UserAgentHostOptions) {
    this.o = o;
    this.network = o.network;
    this.logger = o.logger ?? silentLogger;
    this.goneMemory = o.goneMemory ?? 10_000;
    o.network.onRequest((req, tx) => this.dispatch(req, tx));
  }

  /** Hosted user agents not closed yet. */
  get size(): number {
    return this.users.size;
  }

  /**
   * A UA on the shared network, behaving as one with a network of its own. Throws a SipError:
   * `SIP_INVALID_USER`/`SIP_INVALID_URI` as the UserAgent does, `SIP_TRANSPORT_UNAVAILABLE` (503) when the
   * endpoint does not listen on the transport, `SIP_CONTACT_IN_USE` for a taken `contactUser`, `SIP_CLOSED`.
   */
  createUserAgent(o: HostedUserAgentOptions): UserAgent {
    if (this.closing !== undefined) throw new SipError('SIP_CLOSED', 'SIP endpoint closed', { status: 503 });
    const transport = o.transport ?? 'UDP';
    const at = this.network.contactFor(transport);
    if (at === undefined) {
      throw new SipError('SIP_TRANSPORT_UNAVAILABLE', `the gateway does not listen on ${transport}`, {
        status: 503,
        field: 'transport',
      });
    }
    const user = o.contactUser ?? `${o.user}-${randomBytes(8).toString('hex')}`;
    if (this.users.has(user)) throw new SipError('SIP_CONTACT_IN_USE', `Contact user ${user} is taken`);
    const net = new HostedNetwork(this, this.network, { ...at, transport, user });
    const { transport: _t, contactUser: _c, ...rest } = o;
    const ua = new UserAgent({
      ...(this.o.clock === undefined ? {} : { clock: this.o.clock }),
      ...(this.o.timers === undefined ? {} : { timers: this.o.timers }),
      logger: this.logger,
      ...rest,
      network: net,
    });
    net.ua = ua;
    this.users.set(user, net);
    this.gone.delete(user);
    return ua;
  }

  /** Closes every hosted UA (BYE, un-REGISTER). Idempotent; the shared layers are the caller's to close. */
  close(): Promise<void> {
    this.closing ??= Promise.all([...this.users.values()].map((n) => n.ua?.close())).then(() => undefined);
    return this.closing;
  }

  dialogOpened(key: string, net: HostedNetwork): void {
    this.dialogs.set(key, net);
  }

  dialogClosed(key: string, net: HostedNetwork): void {
    if (this.dialogs.get(key) === net) this.dialogs.delete(key);
  }

  release(net: HostedNetwork): void {
    const user = net.contact.user;
    if (user === undefined || this.users.get(user) !== net) return;
    this.users.delete(user);
    for (const key of net.dialogs) this.dialogClosed(key, net);
    this.gone.set(user, true);
    if (this.gone.size > this.goneMemory) {
      const oldest = this.gone.keys().next();
      if (oldest.done !== true) this.gone.delete(oldest.value);
    }
  }

  private dispatch(req: SipRequest, tx: ServerTransactionPort | undefined): void {
    const id = dialogIdOfIncomingRequest(req);
    const user = requestUser(req.uri);
    if (id !== undefined) {
      const owner = this.dialogs.get(dialogKey(id)) ?? (user === undefined ? undefined : this.users.get(user));
      if (owner?.handler !== undefined) {
        owner.handler(req, tx);
        return;
      }
      // §12.2.2: no dialog matches: 481. An ACK gets no response.
      if (tx !== undefined) tx.respond(createResponse(req, 481, { toTag: newTag() }));
      else this.logger.debug({ callId: id.callId }, 'ACK for an unknown dialog dropped');
      return;
    }
    if (tx === undefined) return; // an ACK outside a dialog: the transaction layer's business
    const owner = user === undefined ? undefined : this.users.get(user);
    if (owner?.handler !== undefined) {
      owner.handler(req, tx);
      return;
    }
    if (req.method === 'OPTIONS' && user === undefined) {
      tx.respond(
        createResponse(req, 200, {
          toTag: newTag(),
          headers: [
            ['Allow', ALLOWED_METHODS],
            ['Accept', 'application/sdp'],
            ['Supported', SUPPORTED],
          ],
        }),
      );
      return;
    }
    if (req.method === 'CANCEL') {
      tx.respond(createResponse(req, 481, { toTag: newTag() }));
      return;
    }
    const status = user !== undefined && this.gone.has(user) ? 480 : 404;
    this.logger.info({ method: req.method, uri: req.uri, status }, 'request for no hosted user agent');
    tx.respond(createResponse(req, status, { toTag: newTag() }));
  }
}

/** §8.2.6.2: a UAS adds a To tag to its responses (other than 100). */
const newTag = (): string => randomBytes(6).toString('hex');

/** The unescaped user part of a SIP/SIPS Request-URI, or undefined (none, or not a SIP URI). */
function requestUser(uri: string): string | undefined {
  const u = parseUri(uri);
  return u.ok && (u.value.scheme === 'sip' || u.value.scheme === 'sips') ? u.value.user : undefined;
}
