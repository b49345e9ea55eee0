// A dialog (RFC 3261 §12): the peer-to-peer relationship between two user agents, identified by
// Call-ID, local tag and remote tag, holding what is needed to send requests inside it.
//
//        1xx with To-tag          2xx
//  (none) ──────────────▶ Early ───────▶ Confirmed ──── BYE / failure ───▶ Terminated
//     └────────────────── 2xx ────────────▶┘
//  An early dialog ends on a non-2xx final response to the INVITE (§12.3).
import { randomBytes } from 'node:crypto';
import { Headers } from '../message/headers.js';
import { SipRequest, type SipResponse } from '../message/message.js';
import { formatAddr, isLooseRouter, parseAddr, splitAddrList, tagOf } from './addr.js';
import { DialogError } from './errors.js';

export type DialogState = 'Early' | 'Confirmed' | 'Terminated';

export interface DialogId {
  callId: string;
  localTag: string;
  remoteTag: string;
}

/** The key under which a user agent finds the dialog of an incoming message. */
export function dialogKey(id: DialogId): string {
  return `${id.callId}\n${id.localTag}\n${id.remoteTag}`;
}

/** The dialog id of a request received by a UAS: local tag is To's, remote tag is From's (§12.2.2). */
export function dialogIdOfIncomingRequest(req: SipRequest): DialogId | undefined {
  const callId = req.headers.get('Call-ID');
  const localTag = tagOf(req.headers.get('To'));
  const remoteTag = tagOf(req.headers.get('From'));
  if (callId === undefined || localTag === undefined || remoteTag === undefined) return undefined;
  return { callId, localTag, remoteTag };
}

/** The dialog id of a response received by a UAC: local tag is From's, remote tag is To's (§12.1.2). */
export function dialogIdOfIncomingResponse(res: SipResponse): DialogId | undefined {
  const callId = res.headers.get('Call-ID');
  const localTag = tagOf(res.headers.get('From'));
  const remoteTag = tagOf(res.headers.get('To'));
  if (callId === undefined || localTag === undefined || remoteTag === undefined) return undefined;
  return { callId, localTag, remoteTag };
}

/** A tag (§19.3: at least 32 bits of randomness). */
export function newTag(): string {
  return randomBytes(6).toString('hex');
}

/** The sequence number of a CSeq value, or undefined. */
export function cseqNumber(value: string | undefined): number | undefined {
  const m = value === undefined ? null : /^\s*(\d{1,10})\s+\S+\s*$/.exec(value);
  if (m === null) return undefined;
  const n = Number(m[1]);
  return n < 2 ** 31 ? n : undefined;
}

/** The URI of the (first) Contact of a message, or undefined. */
export function contactUri(headers: Headers): string | undefined {
  const first = headers.getAll('Contact').flatMap(splitAddrList)[0];
  return first === undefined ? undefined : parseAddr(first)?.uri;
}

function recordRoute(headers: Headers): string[] {
  return headers.getAll('Record-Route').flatMap(splitAddrList);
}

export interface DialogInit {
  id: DialogId;
  state: 'Early' | 'Confirmed';
  /** The From value of our requests (with our tag), To of theirs. */
  localUri: string;
  /** The To value of our requests (with their tag). */
  remoteUri: string;
  remoteTarget: string;
  routeSet: string[];
  localSeq: number | undefined;
  remoteSeq: number | undefined;
  /** Our Contact value (a name-addr), sent on target refresh requests. */
  localContact: string;
  secure: boolean;
}

export interface InDialogRequestOptions {
  body?: Buffer;
  contentType?: string;
  /** Extra headers, appended in order. */
  headers?: [string, string][];
  /** The CSeq number to use (ACK and CANCEL reuse the INVITE's); default: the next local sequence number. */
  cseq?: number;
}

export class Dialog {
  readonly id: DialogId;
  state: DialogState;
  readonly localUri: string;
  readonly remoteUri: string;
  remoteTarget: string;
  /** RFC 3261 §12.1: the Record-Route set, in the order the requests of this UA send it as Route. */
  routeSet: string[];
  /** §12.1.2: a UAC's local sequence number starts at the INVITE's CSeq. Undefined until we send. */
  localSeq: number | undefined;
  remoteSeq: number | undefined;
  localContact: string;
  readonly secure: boolean;

  constructor(init: DialogInit) {
    this.id = init.id;
    this.state = init.state;
    this.localUri = init.localUri;
    this.remoteUri = init.remoteUri;
    this.remoteTarget = init.remoteTarget;
    this.routeSet = init.routeSet;
    this.localSeq = init.localSeq;
    this.remoteSeq = init.remoteSeq;
    this.localContact = init.localContact;
    this.secure = init.secure;
  }

  get key(): string {
    return dialogKey(this.id);
  }

  /**
   * RFC 3261 §12.1.2: the UAC side of a dialog made by a 1xx (with To-tag) or 2xx to our INVITE
   * (or SUBSCRIBE/REFER). "The route set MUST be set to the list of URIs in the Record-Route header field
   * from the response, taken in reverse order."
   */
  static fromUacResponse(request: SipRequest, response: SipResponse, localContact: string): Dialog {
    const id = dialogIdOfIncomingResponse(response);
    if (id === undefined) throw new DialogError('SIP_DIALOG_BAD_MESSAGE', 'response lacks Call-ID, From tag or To tag');
    // §12.1.2: "The remote target MUST be set to the URI from the Contact header field of the response."
    // DEVIATION: a response without a readable Contact (a broken peer) keeps the Request-URI as remote target,
    // so that the call can still be ACKed and hung up instead of hanging.
    const target = contactUri(response.headers);
    return new Dialog({
      id,
      state: response.status >= 200 ? 'Confirmed' : 'Early',
      localUri: request.headers.get('From') ?? '',
      remoteUri: response.headers.get('To') ?? '',
      remoteTarget: target ?? request.uri,
      routeSet: recordRoute(response.headers).reverse(),
      localSeq: cseqNumber(request.headers.get('CSeq')),
      remoteSeq: undefined,
      localContact,
      secure: request.uri.toLowerCase().startsWith('sips:'),
    });
  }

  /**
   * RFC 3261 §12.1.1: the UAS side, made when we send a 1xx or 2xx with a To tag. "The route set MUST be set
   * to the list of URIs in the Record-Route header field from the request, taken in order".
   */
  static fromUasRequest(
    request: SipRequest,
    localTag: string,
    localContact: string,
    state: 'Early' | 'Confirmed',
  ): Dialog {
    const callId = request.headers.get('Call-ID');
    const remoteTag = tagOf(request.headers.get('From'));
    const target = contactUri(request.headers);
    if (callId === undefined || target === undefined) {
      throw new DialogError('SIP_DIALOG_BAD_MESSAGE', 'request creating a dialog lacks Call-ID or Contact');
    }
    const to = parseAddr(request.headers.get('To') ?? '');
    if (to === undefined) throw new DialogError('SIP_DIALOG_BAD_MESSAGE', 'request has no readable To');
    to.params.set('tag', localTag);
    return new Dialog({
      // §12.1.1: a request without a From tag (RFC 2543 peer) gets an empty remote tag.
      id: { callId, localTag, remoteTag: remoteTag ?? '' },
      state,
      localUri: formatAddr(to),
      remoteUri: request.headers.get('From') ?? '',
      remoteTarget: target,
      routeSet: recordRoute(request.headers),
      localSeq: undefined,
      remoteSeq: cseqNumber(request.headers.get('CSeq')),
      localContact,
      secure: request.uri.toLowerCase().startsWith('sips:'),
    });
  }

  /** §12.1.2: a 2xx confirms an early dialog; its route set is then taken again from the 2xx. */
  confirm(response?: SipResponse): void {
    if (this.state === 'Terminated') return;
    if (response !== undefined && this.state === 'Early') {
      this.routeSet = recordRoute(response.headers).reverse();
      this.refreshTarget(response.headers);
    }
    this.state = 'Confirmed';
  }

  terminate(): void {
    this.state = 'Terminated';
  }

  /** §12.2.1.2, §12.2.2: a target refresh (re-INVITE, UPDATE, their 2xx) replaces the remote target. */
  refreshTarget(headers: Headers): void {
    const target = contactUri(headers);
    if (target !== undefined) this.remoteTarget = target;
  }

  /**
   * RFC 3261 §12.2.2: checks the CSeq of a request received in this dialog. "If the remote sequence number
   * was not empty, but the sequence number of the request is lower than the remote sequence number, the
   * request is out of order and MUST be rejected with a 500". ACK and CANCEL carry the INVITE's number.
   */
  receiveRequest(req: SipRequest): { ok: true } | { ok: false; status: 500 } {
    const seq = cseqNumber(req.headers.get('CSeq'));
    if (seq === undefined) return { ok: false, status: 500 };
    if (req.method === 'ACK' || req.method === 'CANCEL') return { ok: true };
    if (this.remoteSeq !== undefined && seq <= this.remoteSeq) return { ok: false, status: 500 };
    this.remoteSeq = seq;
    return { ok: true };
  }

  /** The next local CSeq number (§12.2.1.1: "incremented by one"; a fresh random start when empty). */
  nextSeq(): number {
    this.localSeq = this.localSeq === undefined ? 1 + (randomBytes(2).readUInt16BE(0) % 10000) : this.localSeq + 1;
    return this.localSeq;
  }

  /**
   * RFC 3261 §12.2.1.1: a request within the dialog. Request-URI and Route from the remote target and the
   * route set (loose or strict routing). Via is added by the transaction layer when it is sent.
   */
  createRequest(method: string, opts: InDialogRequestOptions = {}): SipRequest {
    const h = new Headers();
    const { uri, routes } = this.requestTarget();
    for (const r of routes) h.append('Route', r);
    h.append('Max-Forwards', '70');
    h.append('From', this.localUri);
    h.append('To', this.remoteUri);
    h.append('Call-ID', this.id.callId);
    const seq = opts.cseq ?? this.nextSeq();
    h.append('CSeq', `${seq} ${method}`);
    if (
      method === 'INVITE' ||
      method === 'UPDATE' ||
      method === 'SUBSCRIBE' ||
      method === 'REFER' ||
      method === 'NOTIFY'
    ) {
      h.append('Contact', this.localContact); // §12.2.1.1 target refresh requests carry Contact
    }
    for (const [k, v] of opts.headers ?? []) h.append(k, v);
    const body = opts.body ?? Buffer.alloc(0);
    if (body.length > 0) h.append('Content-Type', opts.contentType ?? 'application/sdp');
    h.append('Content-Length', String(body.length));
    return new SipRequest(method, uri, h, body);
  }

  /** The Request-URI and the Route values for a request in this dialog (§12.2.1.1). */
  requestTarget(): { uri: string; routes: string[] } {
    const first = this.routeSet[0];
    if (first === undefined) return { uri: this.remoteTarget, routes: [] };
    const firstUri = parseAddr(first)?.uri ?? first;
    if (isLooseRouter(firstUri)) return { uri: this.remoteTarget, routes: [...this.routeSet] };
    // Strict router (RFC 2543): "the UAC MUST place the first URI from the route set into the Request-URI,
    // stripping any parameters that are not allowed in a Request-URI ... MUST add the remote target as the
    // last value in the Route header field."
    return { uri: stripForRequestUri(firstUri), routes: [...this.routeSet.slice(1), `<${this.remoteTarget}>`] };
  }
}

/** §19.1.1 Table 1: method and header components are not allowed in a Request-URI. */
function stripForRequestUri(uri: string): string {
  const q = uri.indexOf('?');
  const base = q < 0 ? uri : uri.slice(0, q);
  return base.replace(/;method=[^;]*/i, '');
}
