// The registrar of RFC 3261 §10.3: processes REGISTER requests in the order of the section's steps and
// answers with the response to send. Bindings live in the LocationService.
//
//   1. Request-URI in our domain           5. AOR from To, a user of the domain
//   2. Require: no extension supported     6. Contact * (with Expires 0 only) removes all
//   3. authenticate (401, then 403/404)    7. per contact: expiry, Call-ID/CSeq order, atomic commit
//   4. authenticated user == AOR user      8. 200 OK with every current binding and its expires

import { randomBytes } from 'node:crypto';
import { createResponse } from '../sip/message/builders.js';
import { parseCSeq } from '../sip/message/cseq.js';
import type { SipRequest, SipResponse } from '../sip/message/message.js';
import { scanNameAddr } from '../sip/message/name-addr.js';
import { parseUri } from '../sip/message/uri.js';
import type { Logger } from '../sip/transport/logger.js';
import type { MessageSource } from '../sip/transport/transport.js';
import type { Authenticator } from './authenticator.js';
import { type ContactSpec, checkReachable, type HostResolver, readContacts } from './contact-check.js';
import { RegistrarError } from './errors.js';
import type { LocalIdentity } from './local-identity.js';
import type { Binding, LocationService } from './location-service.js';
import { uriDestination } from './route-set.js';

export interface RegistrarPolicy {
  /** §10.3 step 7: expiry when the request gives none. Default 3600 s. */
  defaultExpires: number;
  /** Shorter non-zero expiries are answered 423 with Min-Expires. Default 60 s. */
  minExpires: number;
  /** Longer expiries are shortened to this. Default 3600 s. */
  maxExpires: number;
  /** Contacts per user. Default 10. */
  maxContacts: number;
  /**
   * The answer once the credentials of a user the domain does not have fail: 404 as the project's issue 7 asks
   * (RFC 3261 §10.3 step 5), or 403 so that an unknown user and a wrong password cannot be told apart at all.
   */
  unknownUserStatus: 403 | 404;
}

export const DEFAULT_REGISTRAR_POLICY: Readonly<RegistrarPolicy> = Object.freeze({
  defaultExpires: 3600,
  minExpires: 60,
  maxExpires: 3600,
  maxContacts: 10,
  unknownUserStatus: 404,
});

export interface RegistrarOptions {
  identity: LocalIdentity;
  users: ReadonlyMap<string, string>;
  location: LocationService;
  auth: Authenticator;
  resolveHost: HostResolver;
  policy: RegistrarPolicy;
  logger: Logger;
}

/** Outcome of a REGISTER for logs and events. */
export interface RegisterResult {
  response: SipResponse;
  /** The AOR user, when the To could be read. */
  user?: string;
}

const EXPIRES = /^\d{1,10}$/;

export class Registrar {
  private readonly o: RegistrarOptions;

  constructor(opts: RegistrarOptions) {
    this.o = opts;
  }

  /** Processes one REGISTER (a new server transaction) and returns the final response. Never throws. */
  async register(request: SipRequest, source: MessageSource): Promise<RegisterResult> {
    const { identity, auth } = this.o;
    const answer = (status: number, reason?: string, headers: [string, string][] = []) =>
      createResponse(request, status, reason, { toTag: toTagFor(request), headers });

    // Step 1: "The registrar inspects the Request-URI to determine whether it has access to bindings for the
    // domain identified in the Request-URI." We proxy nothing to other domains' registrars.
    const ruri = parseUri(request.uri);
    if (!ruri.ok || !identity.isOurDomain(ruri.value)) return { response: answer(403, 'Domain Not Served Here') };
    // Step 2: "If a Require header field is present and the registrar does not understand the extension, the
    // registrar MUST respond with a 420".
    const require = request.headers.getAll('Require');
    if (require.length > 0) return { response: answer(420, 'Bad Extension', [['Unsupported', require.join(', ')]]) };
    // Step 5 needs the AOR for the answers below; a To that cannot be read is a bad request.
    const to = scanNameAddr(request.headers.get('To') ?? '');
    const toUri = to.ok ? parseUri(to.value.uri) : undefined;
    if (toUri === undefined || !toUri.ok || toUri.value.scheme === 'tel' || toUri.value.user === undefined) {
      return { response: answer(400, 'Bad To') };
    }
    const user = toUri.value.user;
    // Step 3: authentication (§22). Known and unknown users alike get the same challenge.
    const outcome = auth.authenticate(request, 'www', source.host, source.port);
    switch (outcome.kind) {
      case 'throttled':
        // §21.5.4: 503 with Retry-After; the credentials were not checked.
        return { user, response: answer(503, 'Service Unavailable', [['Retry-After', String(outcome.retryAfter)]]) };
      case 'challenge':
        return {
          user,
          response: answer(
            401,
            'Unauthorized',
            auth.challenge(source.host, outcome.stale).map((c) => ['WWW-Authenticate', c]),
          ),
        };
      case 'bad':
        return { user, response: answer(400, 'Bad Authorization') };
      case 'wrong-password':
        return { user, response: answer(403, 'Forbidden') };
      case 'unknown-user':
        return { user, response: answer(this.o.policy.unknownUserStatus) };
      case 'ok':
        break;
    }
    // Step 4: "the registrar MUST determine if the authenticated user is authorized to modify registrations
    // for this address-of-record". Each user may register its own AOR only. Step 5 (an AOR the domain does not
    // have: 404) is settled by then: a user that authenticated is a user of the domain.
    if (outcome.user !== user || !identity.isOurDomain(toUri.value))
      return { user, response: answer(403, 'Forbidden') };

    const result = await this.updateBindings(request, source, user, toUri.value.host);
    if (result instanceof RegistrarError) {
      const headers: [string, string][] =
        result.code === 'REGISTRAR_INTERVAL_TOO_BRIEF' ? [['Min-Expires', String(this.o.policy.minExpires)]] : [];
      this.o.logger.info({ user, code: result.code, reason: result.message, source: addr(source) }, 'REGISTER refused');
      return { user, response: answer(result.status, undefined, headers) };
    }
    // Step 8: "The 200 (OK) response MUST contain Contact header field values enumerating all current bindings.
    // Each Contact value MUST feature an "expires" parameter indicating its expiration interval". SHOULD: Date.
    const now = this.o.location.lookup(user);
    const headers: [string, string][] = now.map((b) => [
      'Contact',
      `<${b.contact}>;expires=${result.get(b.contactKey) ?? this.o.location.expiresIn(b)}`,
    ]);
    headers.push(['Date', new Date().toUTCString()]);
    return { user, response: answer(200, 'OK', headers) };
  }

  /** Steps 6 and 7: validates every change first, then commits all of them or none. */
  private async updateBindings(
    request: SipRequest,
    source: MessageSource,
    user: string,
    domainHost: string,
  ): Promise<RegistrarError | Map<string, number>> {
    const { policy, location } = this.o;
    const callId = request.headers.get('Call-ID');
    const cseq = parseCSeq(request.headers.get('CSeq') ?? '');
    if (callId === undefined || !cseq.ok) return bad('Call-ID or CSeq missing');
    const expiresHeader = request.headers.get('Expires');
    if (expiresHeader !== undefined && !EXPIRES.test(expiresHeader.trim())) return bad('Expires is not a number');
    const headerExpires = expiresHeader === undefined ? undefined : Number(expiresHeader.trim());
    const list = readContacts(request);
    if (list instanceof RegistrarError) return list;
    const granted = new Map<string, number>();

    if (list.wildcard) {
      // Step 6: "*" is valid only with Expires 0; it removes every binding of the AOR whose Call-ID differs or
      // whose CSeq is lower; "Otherwise, the update MUST be aborted and the request fails."
      if (headerExpires !== 0) {
        return new RegistrarError('REGISTRAR_BAD_WILDCARD', 'Contact * needs Expires: 0', { status: 400 });
      }
      const all = location.lookup(user);
      for (const b of all) if (b.callId === callId && cseq.value.seq <= b.cseq) return outOfOrder(b);
      for (const b of all) location.remove(user, b.contactKey, 'unregistered');
      this.o.logger.info({ user, removed: all.length, source: addr(source) }, 'all bindings removed');
      return granted;
    }

    // A REGISTER without Contact is a query: the 200 lists the bindings (§10.2.3).
    const contacts = list.contacts;
    for (const c of contacts) {
      // A binding to this server itself would make the proxy forward to itself until Max-Forwards runs out: the
      // address requests would really go to (maddr, the transport's default port) is compared with ours.
      const to = uriDestination(c.parsed);
      if (this.o.identity.isOwnAddress(to.host, to.port)) {
        return new RegistrarError('REGISTRAR_BAD_CONTACT', `Contact ${c.uri} is this server`, { status: 400 });
      }
      const unreachable = await checkReachable(c, this.o.resolveHost);
      if (unreachable !== undefined) return unreachable;
    }
    // Step 7, computed on the state after the await: nothing is changed before every check passed.
    const changes: { c: ContactSpec; expires: number }[] = [];
    for (const c of contacts) {
      let expires = c.expires ?? headerExpires ?? policy.defaultExpires;
      if (expires > 0 && expires < policy.minExpires) {
        // §10.3 step 7 / §21.4.23: 423 Interval Too Brief with Min-Expires.
        return new RegistrarError('REGISTRAR_INTERVAL_TOO_BRIEF', `expires ${expires} < ${policy.minExpires}`, {
          status: 423,
        });
      }
      // "the registrar MAY shorten the expiration interval" (§10.3 step 7).
      expires = Math.min(expires, policy.maxExpires);
      const existing = location.find(user, c.key);
      if (existing !== undefined && existing.callId === callId && cseq.value.seq <= existing.cseq) {
        return outOfOrder(existing);
      }
      changes.push({ c, expires });
    }
    const after = new Set(location.lookup(user).map((b) => b.contactKey));
    for (const { c, expires } of changes) {
      if (expires === 0) after.delete(c.key);
      else after.add(c.key);
    }
    if (after.size > policy.maxContacts) {
      return new RegistrarError('REGISTRAR_TOO_MANY_CONTACTS', `more than ${policy.maxContacts} contacts`, {
        status: 403,
      });
    }
    const userAgent = request.headers.get('User-Agent');
    for (const { c, expires } of changes) {
      if (expires === 0) {
        location.remove(user, c.key, 'unregistered');
        continue;
      }
      // RFC 5626 §6: a new contact of the same instance replaces the old one (the device moved).
      if (c.instance !== undefined) {
        for (const b of location.lookup(user)) {
          if (b.instance === c.instance && b.contactKey !== c.key) location.remove(user, b.contactKey, 'replaced');
        }
      }
      const binding: Omit<Binding, 'expiresAt' | 'updatedAt'> = {
        user,
        aor: `sip:${user}@${domainHost}`,
        contact: c.uri,
        contactKey: c.key,
        q: c.q,
        callId,
        cseq: cseq.value.seq,
        source: {
          transport: source.transport,
          host: source.host,
          port: source.port,
          ...(source.connectionId === undefined ? {} : { connectionId: source.connectionId }),
        },
        expires,
      };
      if (userAgent !== undefined) binding.userAgent = userAgent.slice(0, 200);
      if (c.instance !== undefined) binding.instance = c.instance;
      location.put(binding);
      granted.set(c.key, expires);
    }
    return granted;
  }
}

function bad(why: string): RegistrarError {
  return new RegistrarError('REGISTRAR_BAD_REQUEST', why, { status: 400 });
}

function outOfOrder(b: Binding): RegistrarError {
  return new RegistrarError('REGISTRAR_CSEQ_OUT_OF_ORDER', `CSeq not above ${b.cseq} for Call-ID ${b.callId}`, {
    status: 400,
  });
}

function addr(s: MessageSource): string {
  return `${s.transport} ${s.host}:${s.port}`;
}

/** A To tag for the final response (§8.2.6.2); the server transaction re-sends the same response. */
function toTagFor(_request: SipRequest): string {
  return randomBytes(6).toString('hex');
}
