// REFER (RFC 3515) in an INVITE dialog: as transferor we send REFER and read the NOTIFY progress (message/
// sipfrag); as transferee we accept with 202, tell the TU, and report its progress in NOTIFYs (§2.4.4, §2.4.5).
// Replaces (RFC 3891 §3) travels as a header of the Refer-To URI for an attended transfer.
import type { EventEmitter } from 'node:events';
import { parseAddr } from '../dialog/addr.js';
import type { SipRequest } from '../message/message.js';
import type { UaContext } from './context.js';
import { createResponse } from './message-factory.js';
import type { ServerTransactionPort } from './network.js';
import { formatSipfrag, parseSipfrag } from './sipfrag.js';

export interface ReferProgress {
  status: number;
  reason: string;
  /** The subscription ended (the referred call succeeded or failed). */
  final: boolean;
}

export interface IncomingRefer {
  /** The Refer-To URI without its headers. */
  target: string;
  /** The Replaces value (unescaped) when this is an attended transfer. */
  replaces: string | undefined;
  referredBy: string | undefined;
  /** Answers 202 and sends NOTIFY "100 Trying"; report the outcome with notify(). */
  accept(): void;
  reject(status?: number): void;
  /** NOTIFY with the referred call's status; a final status (>= 200) ends the implicit subscription. */
  notify(status: number, reason: string): void;
}

interface SessionLike extends EventEmitter {
  request(
    method: string,
    opts?: { body?: Buffer; contentType?: string; headers?: [string, string][] },
  ): Promise<{ status: number; reason: string; body: Buffer }>;
  emit(event: 'refer', r: IncomingRefer): boolean;
  emit(event: 'referProgress', p: ReferProgress): boolean;
}

/** Splits `sip:c@h?Replaces=abc%3Bto-tag%3D1` into the URI and the unescaped Replaces. */
export function parseReferTo(value: string): { target: string; replaces: string | undefined } | undefined {
  const a = parseAddr(value);
  if (a === undefined) return undefined;
  const q = a.uri.indexOf('?');
  if (q < 0) return { target: a.uri, replaces: undefined };
  let replaces: string | undefined;
  for (const h of a.uri.slice(q + 1).split('&')) {
    const eq = h.indexOf('=');
    if (eq > 0 && h.slice(0, eq).toLowerCase() === 'replaces') {
      try {
        replaces = decodeURIComponent(h.slice(eq + 1));
      } catch {
        return undefined;
      }
    }
  }
  return { target: a.uri.slice(0, q), replaces };
}

export class ReferHandler {
  constructor(
    private readonly session: SessionLike,
    private readonly ctx: UaContext,
  ) {}

  send(target: string, replaces?: string) {
    const uri = replaces === undefined ? target : `${target}?Replaces=${encodeURIComponent(replaces)}`;
    return this.session.request('REFER', {
      headers: [
        ['Refer-To', `<${uri}>`],
        ['Referred-By', `<${this.ctx.aor}>`],
      ],
    });
  }

  receiveRefer(req: SipRequest, tx: ServerTransactionPort): void {
    const referTo = req.headers.getAll('Refer-To');
    const parsed = referTo.length === 1 ? parseReferTo(referTo[0]!) : undefined;
    // RFC 3515 §2.4.1: "A REFER request MUST contain exactly one Refer-To header field value".
    if (parsed === undefined) {
      tx.respond(createResponse(req, 400, { reason: 'Bad Refer-To' }));
      return;
    }
    let answered = false;
    let ended = false;
    const notify = (status: number, reason: string) => {
      if (ended) return;
      if (status >= 200) ended = true;
      const state = ended ? 'terminated;reason=noresource' : 'active;expires=60';
      this.session
        .request('NOTIFY', {
          contentType: 'message/sipfrag;version=2.0',
          body: formatSipfrag(status, reason),
          headers: [
            ['Event', 'refer'],
            ['Subscription-State', state],
          ],
        })
        .then(
          (r) => {
            if (r.status >= 300) this.ctx.logger.warn({ status: r.status }, 'NOTIFY refused');
          },
          (e: unknown) => this.ctx.logger.warn({ err: e }, 'NOTIFY not sent'),
        );
    };
    const refer: IncomingRefer = {
      target: parsed.target,
      replaces: parsed.replaces,
      referredBy: req.headers.get('Referred-By'),
      accept: () => {
        if (answered) return;
        answered = true;
        tx.respond(createResponse(req, 202));
        // §2.4.4: "the notifier MUST send a NOTIFY immediately" after accepting.
        notify(100, 'Trying');
      },
      reject: (status = 603) => {
        if (answered) return;
        answered = true;
        ended = true;
        tx.respond(createResponse(req, status));
      },
      notify,
    };
    if (this.session.listenerCount('refer') === 0) {
      refer.reject(603);
      return;
    }
    this.session.emit('refer', refer);
  }

  receiveNotify(req: SipRequest, tx: ServerTransactionPort): void {
    const event = (req.headers.get('Event') ?? '').split(';')[0]!.trim().toLowerCase();
    if (event !== 'refer') {
      tx.respond(createResponse(req, 489, { reason: 'Bad Event' }));
      return;
    }
    tx.respond(createResponse(req, 200));
    const frag = parseSipfrag(req.body);
    if (frag === undefined) {
      this.ctx.logger.warn({}, 'NOTIFY without a readable sipfrag');
      return;
    }
    const final = /^\s*terminated/i.test(req.headers.get('Subscription-State') ?? '') || frag.status >= 200;
    this.session.emit('referProgress', { ...frag, final });
  }
}
