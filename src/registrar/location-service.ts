// The location service of RFC 3261 §10.2/§10.3: the bindings of each address-of-record (here: each user of
// the domain) to contact addresses, with their expiry on the injected clock. The registrar writes it, the
// proxy reads it (§16.5), the server lists it (/rest-api/registrar/bindings).

import { EventEmitter } from 'node:events';
import type { Clock, TimerHandle } from '../sip/clock.js';
import type { Destination } from '../sip/transport/transport.js';

/** One binding of an AOR to a contact (§10.3 step 7 keeps its Call-ID and CSeq). */
export interface Binding {
  /** The user part of the AOR (`1001`). */
  user: string;
  /** `sip:1001@domain` */
  aor: string;
  /** The Contact URI as registered (what the proxy puts in the Request-URI). */
  contact: string;
  /** Comparison key of the contact URI (§19.1.4). */
  contactKey: string;
  /** The `q` value, 0..1 (1 when absent). */
  q: number;
  callId: string;
  cseq: number;
  /** Where the REGISTER came from: requests for this binding are sent there (see `flow`). */
  source: Destination & { connectionId?: string };
  /** Clock time the binding expires at (ms, on the registrar's clock). */
  expiresAt: number;
  /** The expiry granted, in seconds. */
  expires: number;
  userAgent?: string;
  /** +sip.instance (RFC 5626), when the UA sent one. */
  instance?: string;
  /** Wall-clock time of the last (re)registration, ms since the epoch. */
  updatedAt: number;
}

/** A binding as listed by `bindings()`: its remaining lifetime rather than a clock reading. */
export interface BindingInfo {
  user: string;
  aor: string;
  contact: string;
  q: number;
  /** Seconds left. */
  expiresIn: number;
  callId: string;
  cseq: number;
  transport: Destination['transport'];
  /** `host:port` the registration came from. */
  source: string;
  userAgent?: string;
  /** ISO 8601 time of the last (re)registration. */
  updatedAt: string;
}

export type BindingRemovalReason = 'unregistered' | 'expired' | 'replaced';

export interface LocationServiceEvents {
  /** A new binding, or a refreshed one (same contact). */
  bindingAdded: [binding: Binding, refreshed: boolean];
  bindingRemoved: [binding: Binding, reason: BindingRemovalReason];
}

export interface LocationServiceOptions {
  clock: Clock;
  /** Wall clock for `updatedAt`. Default Date.now. */
  wallClock?: () => number;
}

interface Entry {
  binding: Binding;
  timer: TimerHandle;
}

export class LocationService extends EventEmitter<LocationServiceEvents> {
  private readonly clock: Clock;
  private readonly wallClock: () => number;
  /** user -> contactKey -> entry */
  private readonly byUser = new Map<string, Map<string, Entry>>();

  constructor(opts: LocationServiceOptions) {
    super();
    this.clock = opts.clock;
    this.wallClock = opts.wallClock ?? Date.now;
  }

  /** The live bindings of a user, highest q first (§16.6: order of preference). */
  lookup(user: string): Binding[] {
    const m = this.byUser.get(user);
    if (m === undefined) return [];
    return [...m.values()].map((e) => e.binding).sort((a, b) => b.q - a.q);
  }

  /** Every live binding. */
  all(): Binding[] {
    const out: Binding[] = [];
    for (const m of this.byUser.values()) for (const e of m.values()) out.push(e.binding);
    return out;
  }

  /** The binding of a user for a contact key. */
  find(user: string, contactKey: string): Binding | undefined {
    return this.byUser.get(user)?.get(contactKey)?.binding;
  }

  /** Every binding, for the status API. */
  list(): BindingInfo[] {
    const out: BindingInfo[] = [];
    for (const m of this.byUser.values()) {
      for (const { binding: b } of m.values()) {
        const info: BindingInfo = {
          user: b.user,
          aor: b.aor,
          contact: b.contact,
          q: b.q,
          expiresIn: this.expiresIn(b),
          callId: b.callId,
          cseq: b.cseq,
          transport: b.source.transport,
          source: `${b.source.host}:${b.source.port}`,
          updatedAt: new Date(b.updatedAt).toISOString(),
        };
        if (b.userAgent !== undefined) info.userAgent = b.userAgent;
        out.push(info);
      }
    }
    return out;
  }

  /** Seconds left before a binding expires. */
  expiresIn(b: Binding): number {
    return Math.max(0, Math.round((b.expiresAt - this.clock.now()) / 1000));
  }

  get size(): number {
    let n = 0;
    for (const m of this.byUser.values()) n += m.size;
    return n;
  }

  /** Adds or refreshes a binding; it is removed when `expires` seconds have passed. */
  put(binding: Omit<Binding, 'expiresAt' | 'updatedAt'>): Binding {
    let m = this.byUser.get(binding.user);
    if (m === undefined) {
      m = new Map();
      this.byUser.set(binding.user, m);
    }
    const old = m.get(binding.contactKey);
    if (old !== undefined) this.clock.clearTimeout(old.timer);
    const b: Binding = {
      ...binding,
      expiresAt: this.clock.now() + binding.expires * 1000,
      updatedAt: this.wallClock(),
    };
    const timer = this.clock.setTimeout(() => this.remove(b.user, b.contactKey, 'expired'), binding.expires * 1000);
    m.set(b.contactKey, { binding: b, timer });
    this.emit('bindingAdded', b, old !== undefined);
    return b;
  }

  /** Removes one binding; false when there was none. */
  remove(user: string, contactKey: string, reason: BindingRemovalReason): boolean {
    const m = this.byUser.get(user);
    const e = m?.get(contactKey);
    if (m === undefined || e === undefined) return false;
    this.clock.clearTimeout(e.timer);
    m.delete(contactKey);
    if (m.size === 0) this.byUser.delete(user);
    this.emit('bindingRemoved', e.binding, reason);
    return true;
  }

  /** Drops every binding and timer without events (the server is closing). Idempotent. */
  clear(): void {
    for (const m of this.byUser.values()) for (const e of m.values()) this.clock.clearTimeout(e.timer);
    this.byUser.clear();
  }
}
