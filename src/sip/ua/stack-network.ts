// The user agent's network on the real stack: the transaction layer (src/sip/transaction) over a transport
// layer (src/sip/transport). It picks the destination of each request as RFC 3261 §8.1.2 says (the first Route
// URI when there is a route set, else the Request-URI) with the port and transport of that URI.
// DEVIATION: no RFC 3263 DNS (NAPTR/SRV) yet; a host name goes to the transport as written, port 5060/5061.
import type { Clock } from '../clock.js';
import { parseAddr, splitAddrList, uriParams } from '../dialog/addr.js';
import { SipError } from '../errors.js';
import type { SipMessage, SipRequest, SipResponse } from '../message/message.js';
import type { TimerConfig } from '../timers.js';
import {
  type ServerTransaction,
  TransactionLayer,
  type TransactionLayerTransport,
} from '../transaction/transaction-layer.js';
import { type Logger, silentLogger } from '../transport/logger.js';
import type { Destination, MessageSource, TransportProtocol } from '../transport/transport.js';
import type { IncomingRequestHandler, RequestCallbacks, UaNetwork } from './network.js';

export interface StackNetworkOptions {
  transport: TransactionLayerTransport;
  /** Where this UA is reachable (the transport layer's bound or advertised address). */
  contact: UaNetwork['contact'];
  clock?: Clock;
  timers?: TimerConfig;
  logger?: Logger;
}

/** §8.1.2 / §19.1.4: the destination of a request from its first Route, else its Request-URI. */
export function destinationOf(request: SipRequest): Destination | undefined {
  const route = request.headers.get('Route');
  const first = route === undefined ? undefined : parseAddr(splitAddrList(route)[0] ?? '')?.uri;
  return uriDestination(first ?? request.uri);
}

export function uriDestination(uri: string): Destination | undefined {
  const m = /^(sips?):(?:[^@;?]*@)?(\[[^\]]+\]|[^:;?>]+)(?::(\d+))?/i.exec(uri.trim());
  if (m === null) return undefined;
  const secure = m[1]!.toLowerCase() === 'sips';
  const t = uriParams(uri).get('transport')?.toUpperCase();
  const transport: TransportProtocol = secure ? 'TLS' : t === 'TCP' ? 'TCP' : t === 'TLS' ? 'TLS' : 'UDP';
  const host = m[2]!.startsWith('[') ? m[2]!.slice(1, -1) : m[2]!;
  const port = m[3] === undefined ? (transport === 'TLS' ? 5061 : 5060) : Number(m[3]);
  return { host, port, transport };
}

export class StackNetwork implements UaNetwork {
  readonly contact: UaNetwork['contact'];
  readonly layer: TransactionLayer;
  private handler: IncomingRequestHandler | undefined;
  private readonly logger: Logger;

  constructor(o: StackNetworkOptions) {
    this.contact = o.contact;
    this.logger = o.logger ?? silentLogger;
    this.layer = new TransactionLayer({
      transport: o.transport,
      clock: o.clock,
      timers: o.timers,
      logger: o.logger,
      user: {
        receiveRequest: (req: SipRequest, tx: ServerTransaction) =>
          this.deliver(req, { respond: (r) => tx.respond(r) }),
        receiveAck: (ack: SipRequest) => this.deliver(ack, undefined),
        receiveStrayResponse: (res: SipResponse) =>
          this.logger.debug({ status: res.status }, 'stray response (2xx retransmission after Timer M) dropped'),
      },
    });
  }

  /** Feed the transport layer's `message` events here. */
  receiveMessage(message: SipMessage, source: MessageSource): void {
    this.layer.receiveMessage(message, source);
  }

  sendRequest(request: SipRequest, callbacks: RequestCallbacks): void {
    const dest = destinationOf(request);
    if (dest === undefined) {
      const e = new SipError('SIP_INVALID_URI', `no destination for ${request.method} ${request.uri}`, { status: 416 });
      queueMicrotask(() => callbacks.onError(e));
      return;
    }
    try {
      this.layer.sendRequest(request, dest, { receiveResponse: callbacks.receiveResponse, onError: callbacks.onError });
    } catch (cause) {
      const e =
        cause instanceof SipError ? cause : new SipError('SIP_TRANSPORT_ERROR', String(cause), { status: 503, cause });
      queueMicrotask(() => callbacks.onError(e));
    }
  }

  sendAck(ack: SipRequest): void {
    const dest = destinationOf(ack);
    if (dest === undefined) {
      this.logger.warn({ uri: ack.uri }, 'ACK has no destination');
      return;
    }
    this.layer.sendAck(ack, dest).catch((e: unknown) => this.logger.warn({ err: e }, 'ACK not sent'));
  }

  onRequest(handler: IncomingRequestHandler): void {
    this.handler = handler;
  }

  close(): void {
    this.layer.close();
  }

  private deliver(req: SipRequest, tx: { respond(r: SipResponse): void } | undefined): void {
    if (this.handler === undefined) {
      this.logger.warn({ method: req.method }, 'request before the user agent was attached');
      return;
    }
    this.handler(req, tx);
  }
}
