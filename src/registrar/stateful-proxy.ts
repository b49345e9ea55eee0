// The stateful proxy of the embedded server (RFC 3261 §16) for its own domain:
//   §16.3 validation (Max-Forwards 483, Proxy-Require 420), §16.4 Route preprocessing (loose routing, our own
//   Route values removed), §16.5 targets (the location service: 404 unknown user, 480 no binding; local
//   services), authentication of requests from the domain's users (407), §16.6 forwarding with Record-Route to
//   every target at once, §16.7-§16.10 in the ResponseContext, ACK for 2xx and stray 2xx forwarded statelessly.
// Media is not anchored: SDP passes through untouched.
//
// Policy: not an open relay (RFC 3261 §16.4, §22.3). An out-of-dialog request (no To tag) whose target leaves the
// domain (a Request-URI of another domain, or a Route value after ours) is forwarded only for a user of the
// domain (From) who passes the 407 challenge as that user; anyone else gets 403 Relaying Denied. Requests for
// the domain's users, services and registered contacts go there; out-of-dialog INVITE, MESSAGE, SUBSCRIBE,
// REFER and PUBLISH from a user of the domain must authenticate (407) too. In-dialog requests leave the domain
// only along a route set we recorded for their dialog (our Record-Route value carries an HMAC of the Call-ID,
// RouteToken), so a To tag added to a fresh request does not reopen the relay; to a registered contact they go. No request goes to a broadcast,
// multicast or unspecified address. Failed authentications are limited per source address (Authenticator).

import { randomBytes } from 'node:crypto';
import type { Clock } from '../sip/clock.js';
import { createResponse } from '../sip/message/builders.js';
import { type SipRequest, SipResponse } from '../sip/message/message.js';
import type { SipUri } from '../sip/message/types.js';
import { parseUri } from '../sip/message/uri.js';
import { formatVia, parseVia } from '../sip/message/via.js';
import { newBranch } from '../sip/transaction/transaction-key.js';
import type { ServerTransaction, TransactionLayer } from '../sip/transaction/transaction-layer.js';
import type { Logger } from '../sip/transport/logger.js';
import type { Address, Destination, MessageSource, TransportProtocol } from '../sip/transport/transport.js';
import type { Authenticator } from './authenticator.js';
import { type Answer, authenticateCaller, authorizeRelay } from './caller-auth.js';
import { contactKey } from './contact-check.js';
import type { LocalIdentity } from './local-identity.js';
import type { LocalService } from './local-service.js';
import type { Binding, LocationService } from './location-service.js';
import { cloneRequest, fromUri, hasToTag, maxForwards } from './request-fields.js';
import { ResponseContext } from './response-context.js';
import {
  preprocessRoutes,
  RouteToken,
  recordRoute,
  routeUri,
  routeValues,
  statelessBranch,
  uriDestination,
} from './route-set.js';
import { isUnroutableAddress } from './unroutable-address.js';

/** What the proxy needs from the transport layer (a TransportLayer is one). */
export interface ProxyTransport {
  sentBy(transport: TransportProtocol): Address;
  send(message: SipRequest, destination: Destination): Promise<void>;
  sendResponse(response: SipResponse, source: MessageSource): Promise<void>;
}

export interface ProxyOptions {
  identity: LocalIdentity;
  location: LocationService;
  auth: Authenticator;
  users: ReadonlyMap<string, string>;
  layer: TransactionLayer;
  transport: ProxyTransport;
  clock: Clock;
  logger: Logger;
  services: readonly LocalService[];
  /** §16.6 step 11 Timer C (ms). Default 181 s. */
  timerC: number;
  /** Challenge out-of-dialog requests from the domain's users (407). Default true. */
  authenticateLocalUsers: boolean;
  /** Whether a TCP connection a binding registered over is still open. */
  isConnectionOpen(connectionId: string): boolean;
}

/** Methods whose out-of-dialog requests from the domain's users are authenticated. */
const AUTHENTICATED = new Set(['INVITE', 'MESSAGE', 'SUBSCRIBE', 'REFER', 'PUBLISH']);
/** Methods that create dialogs: Record-Route goes in (§16.6 step 4). */
const DIALOG_CREATING = new Set(['INVITE', 'SUBSCRIBE', 'REFER']);
const ALLOW = 'INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE, PRACK, REFER, NOTIFY, SUBSCRIBE, MESSAGE, REGISTER';

interface Target {
  uri: string;
  destination: Destination;
}

export class StatefulProxy {
  private readonly o: ProxyOptions;
  private readonly contexts = new Map<ServerTransaction, ResponseContext>();
  /** Marks our Record-Route values per dialog (Call-ID); a new secret each start. */
  private readonly token = new RouteToken(randomBytes(32));

  constructor(opts: ProxyOptions) {
    this.o = opts;
  }

  /** Pending response contexts, for tests and metrics. */
  get pending(): number {
    return this.contexts.size;
  }

  /** A new request other than REGISTER, with its server transaction. Never throws. */
  receiveRequest(request: SipRequest, tx: ServerTransaction, source: MessageSource): void {
    if (request.method === 'CANCEL') {
      this.receiveCancel(request, tx);
      return;
    }
    const answer: Answer = (status, reason, headers = []) => {
      tx.respond(createResponse(request, status, reason, { toTag: randomBytes(6).toString('hex'), headers }));
      return undefined;
    };
    // §16.2: a stateful proxy answers an INVITE with 100 (Trying) at once (it will take longer than 200 ms).
    if (request.method === 'INVITE') tx.respond(createResponse(request, 100, 'Trying'));
    const fwd = cloneRequest(request);
    const targets = this.targetsFor(request, fwd, source, answer);
    if (targets === undefined) return;
    // A Route, Request-URI or contact host naming no single device (broadcast, multicast, unspecified) is never
    // a next hop; the other targets of a fork still go.
    const routable = targets.filter((t) => !isUnroutableAddress(t.destination.host));
    if (routable.length === 0) {
      this.o.logger.info({ method: request.method, uri: request.uri, source: source.host }, 'unroutable target');
      answer(403, 'Destination Not Allowed');
      return;
    }
    this.forward(request, fwd, tx, source, routable);
  }

  /** §16.3 - §16.5: validates, preprocesses the Route and finds the targets; answers when there is none. */
  private targetsFor(
    request: SipRequest,
    fwd: SipRequest,
    source: MessageSource,
    answer: Answer,
  ): Target[] | undefined {
    // §16.3 step 3: "If the request does not contain a Max-Forwards header field, this check is passed. If the
    // request contains a Max-Forwards header field with a field value of zero (0), the element MUST NOT forward".
    const mf = maxForwards(request);
    if (mf === 'bad') return answer(400, 'Bad Max-Forwards');
    if (mf === 0) return request.method === 'OPTIONS' ? answer(200, 'OK', [['Allow', ALLOW]]) : answer(483);
    // §16.3 step 6: "If the request contains a Proxy-Require header field with one or more option-tags this
    // element does not understand, the element MUST return a 420 (Bad Extension) response."
    const proxyRequire = request.headers.getAll('Proxy-Require');
    if (proxyRequire.length > 0) return answer(420, 'Bad Extension', [['Unsupported', proxyRequire.join(', ')]]);

    const ours = preprocessRoutes(fwd, this.o.identity);
    const viaUs = ours.length > 0;
    const ruri = parseUri(fwd.uri);
    if (!ruri.ok) return answer(ruri.error.status ?? 400);
    const inDialog = hasToTag(request);
    // A route set we recorded for this very dialog (our Record-Route value with the Call-ID's token).
    const recorded = inDialog && this.token.present(ours, request.headers.get('Call-ID'));
    const routes = routeValues(fwd);
    if (routes.length > 0) {
      // §16.5: the Request-URI is the only target; §16.6 step 7: the first Route value is the next hop. A route
      // that does not start with us is not ours to follow; one that goes on past us leaves the domain.
      const next = routeUri(routes[0]!);
      if (!viaUs || next === undefined) return answer(403, 'Relaying Denied');
      if (inDialog) {
        if (!recorded) return answer(403, 'Relaying Denied');
      } else if (!authorizeRelay(this.o, request, fwd, source, answer)) {
        return undefined;
      }
      return [{ uri: fwd.uri, destination: uriDestination(next) }];
    }
    if (ruri.value.user === undefined && this.o.identity.isUs(ruri.value)) {
      // A request to the server itself (no user): OPTIONS is a keep-alive or capability query.
      return request.method === 'OPTIONS' ? answer(200, 'OK', [['Allow', ALLOW]]) : answer(404, 'Not Found');
    }
    // An in-dialog request is not retargeted (§12.2: its Request-URI is the remote target, a contact): it goes
    // to the flow the contact registered from, else to the URI itself along the route set through us.
    const flow = this.flowOfContact(ruri.value);
    if (inDialog && flow !== undefined) return [{ uri: fwd.uri, destination: flow }];
    if (this.o.identity.isOurDomain(ruri.value) && ruri.value.user !== undefined) {
      return this.domainTargets(request, fwd, source, ruri.value.user, answer);
    }
    // A device registered here, addressed by its contact: a target of the domain.
    if (flow !== undefined) return [{ uri: fwd.uri, destination: flow }];
    // The target leaves the domain. In a dialog, only along the route set we recorded for it; out of a dialog,
    // only for a user of the domain who authenticates (§22.3, §16.4): never an open relay.
    if (ruri.value.scheme === 'tel') return answer(416, 'Unsupported URI Scheme');
    if (inDialog) {
      if (!recorded) return answer(403, 'Relaying Denied');
    } else if (!authorizeRelay(this.o, request, fwd, source, answer)) {
      return undefined;
    }
    return [{ uri: fwd.uri, destination: uriDestination(ruri.value) }];
  }

  /** §16.5 for a user of the domain; answers and returns undefined when there is no target. */
  private domainTargets(
    request: SipRequest,
    fwd: SipRequest,
    source: MessageSource,
    user: string,
    answer: Answer,
  ): Target[] | undefined {
    const from = fromUri(request);
    if (
      this.o.authenticateLocalUsers &&
      !hasToTag(request) &&
      AUTHENTICATED.has(request.method) &&
      from !== undefined &&
      this.o.identity.isOurDomain(from) &&
      !authenticateCaller(this.o, request, fwd, source, from, answer)
    ) {
      return undefined;
    }
    const service = this.o.services.find((s) => s.handlesUser(user));
    if (service !== undefined) {
      const t = service.target(user);
      const u = parseUri(t.uri);
      if (!u.ok) {
        this.o.logger.error({ service: service.name, uri: t.uri }, 'local service gave a bad URI');
        return answer(500, 'Server Internal Error');
      }
      return [{ uri: t.uri, destination: t.destination ?? uriDestination(u.value) }];
    }
    const bindings = this.o.location.lookup(user);
    if (bindings.length === 0) {
      // §16.5 / §21.4.18: a user of the domain that is not registered now is 480; a user we do not have is 404.
      return answer(this.o.users.has(user) ? 480 : 404);
    }
    return bindings.map((b) => ({ uri: b.contact, destination: this.flowOf(b) }));
  }

  /** §16.6: one copy per target, Record-Route, Max-Forwards, our Via; all branches start at once. */
  private forward(
    original: SipRequest,
    fwd: SipRequest,
    tx: ServerTransaction,
    source: MessageSource,
    targets: Target[],
  ): void {
    const ctx = new ResponseContext({
      serverTx: tx,
      request: original,
      source,
      layer: this.o.layer,
      clock: this.o.clock,
      timerC: this.o.timerC,
      logger: this.o.logger,
      sendStateless: (r) =>
        this.o.transport.sendResponse(r, source).catch((e: unknown) => this.o.logger.warn({ err: e }, '2xx not sent')),
      onDone: () => {
        if (this.contexts.get(tx) === ctx) this.contexts.delete(tx);
      },
    });
    this.contexts.set(tx, ctx);
    tx.on('stateChanged', (state) => {
      if (state === 'Terminated' && this.contexts.get(tx) === ctx && ctx.answered) this.contexts.delete(tx);
    });
    const recordRouting = DIALOG_CREATING.has(original.method) && !hasToTag(original);
    const token = this.token.forCallId(original.headers.get('Call-ID') ?? '');
    for (const t of targets) {
      const branch = cloneRequest(fwd);
      branch.uri = t.uri; // §16.6 step 2
      const mf = maxForwards(branch);
      branch.headers.set('Max-Forwards', String(typeof mf === 'number' ? mf - 1 : 70)); // step 3
      if (recordRouting) {
        recordRoute(
          branch,
          { transport: source.transport, sentBy: this.o.transport.sentBy(source.transport) },
          { transport: t.destination.transport, sentBy: this.o.transport.sentBy(t.destination.transport) },
          token,
        );
      }
      this.prependVia(branch, t.destination.transport, newBranch()); // step 8
      this.o.logger.debug({ method: original.method, uri: t.uri, destination: t.destination }, 'forwarding');
      ctx.fork(branch, t.destination);
    }
  }

  /** §16.10: a CANCEL matching a pending INVITE is answered 200 and cancels every branch. */
  private receiveCancel(cancel: SipRequest, tx: ServerTransaction): void {
    const invite = this.o.layer.matchCancel(cancel);
    if (invite === undefined) {
      // DEVIATION: §16.10 would forward an unmatched CANCEL statelessly; this proxy forwards nothing it did not
      // see the INVITE of, so the CANCEL's transaction does not exist here.
      tx.respond(createResponse(cancel, 481, undefined, { toTag: randomBytes(6).toString('hex') }));
      return;
    }
    tx.respond(createResponse(cancel, 200, 'OK'));
    this.contexts.get(invite)?.cancel();
  }

  /**
   * An ACK for a 2xx (its own transaction, §17.1.1.3): forwarded statelessly along the route set (§16.11), with
   * a branch derived from the incoming one so that retransmissions look the same.
   */
  receiveAck(ack: SipRequest, _source: MessageSource): void {
    const mf = maxForwards(ack);
    // An ACK for a 2xx is in a dialog (§13.2.2.4: To with the callee's tag); one without a tag is nothing a proxy
    // forwards (it cannot be challenged, so it would be relayed unauthenticated).
    if (mf === 'bad' || mf === 0 || !hasToTag(ack)) return;
    const fwd = cloneRequest(ack);
    const recorded = this.token.present(preprocessRoutes(fwd, this.o.identity), ack.headers.get('Call-ID'));
    const routes = routeValues(fwd);
    let destination: Destination | undefined;
    if (routes.length > 0) {
      const next = routeUri(routes[0]!);
      if (recorded && next !== undefined) destination = uriDestination(next);
    } else {
      // The remote target of the dialog: a registered contact's flow, else the URI along our route set. An
      // AOR of the domain or our own address is nowhere an ACK can go.
      const ruri = parseUri(fwd.uri);
      const flow = ruri.ok ? this.flowOfContact(ruri.value) : undefined;
      if (flow !== undefined) destination = flow;
      else if (ruri.ok && recorded && !this.o.identity.isOurDomain(ruri.value) && !this.o.identity.isUs(ruri.value)) {
        destination = uriDestination(ruri.value);
      }
    }
    if (destination === undefined || isUnroutableAddress(destination.host)) {
      this.o.logger.info({ uri: ack.uri }, 'ACK with nowhere to go dropped');
      return;
    }
    fwd.headers.set('Max-Forwards', String(typeof mf === 'number' ? mf - 1 : 70));
    this.prependVia(fwd, destination.transport, statelessBranch(ack));
    this.o.transport
      .send(fwd, destination)
      .catch((e: unknown) => this.o.logger.warn({ err: e, destination }, 'ACK not forwarded'));
  }

  /**
   * §16.7 / §16.11: a response matching no client transaction (a 2xx retransmitted after the INVITE client
   * transaction ended) is forwarded statelessly when its top Via is ours.
   */
  receiveStrayResponse(response: SipResponse): void {
    const top = parseVia(response.headers.get('Via') ?? '');
    const via = top.ok ? top.value[0] : undefined;
    const ours = via !== undefined && this.o.identity.isOwnAddress(via.host, via.port ?? 5060);
    if (!ours || response.status < 200 || response.status >= 300) {
      this.o.logger.debug({ status: response.status }, 'stray response dropped');
      return;
    }
    const up = new SipResponse(response.status, response.reason, response.headers.clone(), response.body);
    up.headers.removeFirst('Via');
    const next = parseVia(up.headers.get('Via') ?? '');
    const nextVia = next.ok ? next.value[0] : undefined;
    if (nextVia === undefined || isUnroutableAddress(nextVia.host)) return;
    const transport = (['UDP', 'TCP', 'TLS'] as const).find((t) => t === nextVia.transport) ?? 'UDP';
    const source: MessageSource = {
      transport,
      host: nextVia.host,
      port: nextVia.port ?? 5060,
      local: { host: '', port: 0 },
    };
    this.o.transport
      .sendResponse(up, source)
      .catch((e: unknown) => this.o.logger.warn({ err: e }, 'stray 2xx not sent'));
  }

  /** Where requests for a binding go: the connection or address it registered from (symmetric signalling). */
  private flowOf(b: Binding): Destination {
    const s = b.source;
    if (s.transport !== 'UDP' && (s.connectionId === undefined || !this.o.isConnectionOpen(s.connectionId))) {
      // The connection is gone: the contact's own address is all that is left.
      const u = parseUri(b.contact);
      if (u.ok) return uriDestination(u.value);
    }
    return { transport: s.transport, host: s.host, port: s.port };
  }

  /** The flow of a binding whose contact is this URI (an in-dialog request to a registered device). */
  private flowOfContact(uri: SipUri): Destination | undefined {
    const key = contactKey(uri);
    const b = this.o.location.all().find((x) => x.contactKey === key);
    return b === undefined ? undefined : this.flowOf(b);
  }

  private prependVia(request: SipRequest, transport: TransportProtocol, branch: string): void {
    const sentBy = this.o.transport.sentBy(transport);
    const params = new Map<string, string | null>([
      ['branch', branch],
      ['rport', null],
    ]);
    request.headers.prepend(
      'Via',
      formatVia({ protocol: 'SIP/2.0', transport, host: sentBy.host, port: sentBy.port, params }),
    );
  }

  /** Ends every pending context (the server is closing). */
  close(): void {
    for (const ctx of this.contexts.values()) ctx.dispose();
    this.contexts.clear();
  }
}
