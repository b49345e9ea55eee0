// A whole SIP user agent on real sockets: transport layer (UDP/TCP/TLS) + transaction layer + UserAgent,
// started together and closed together (the UA first, so that its BYEs and un-REGISTER go out).
import { validateUser } from '../message/user.js';
import type { TransportProtocol } from '../transport/transport.js';
import { type ListenConfig, TransportLayer } from '../transport/transport-layer.js';
import { StackNetwork } from './stack-network.js';
import { UserAgent, type UserAgentOptions } from './user-agent.js';

export interface SipStackOptions extends Omit<UserAgentOptions, 'network'> {
  /** Where to listen; the first entry is the transport the UA's Contact names. */
  listen: ListenConfig[];
}

export interface SipStack {
  ua: UserAgent;
  network: StackNetwork;
  transport: TransportLayer;
  /** The Contact transport and address. */
  contact: { host: string; port: number; transport: TransportProtocol };
  /** Closes the UA (BYE, un-REGISTER), then the transactions and the sockets. Idempotent. */
  close(): Promise<void>;
}

/**
 * Binds the sockets and builds the UA. Throws a SipError (`SIP_INVALID_USER`, naming the field) for a user
 * name that can never be valid, before any socket is opened.
 */
export async function startSipStack(o: SipStackOptions): Promise<SipStack> {
  const first = o.listen[0];
  if (first === undefined) throw new RangeError('startSipStack: at least one listen address');
  for (const [value, field] of [
    [o.user, 'login'],
    [o.authenticationName, 'authenticationName'],
  ] as const) {
    const v = value === undefined ? undefined : validateUser(value, field);
    if (v !== undefined && !v.ok) throw v.error;
  }
  const transport = new TransportLayer({ listen: o.listen, logger: o.logger, clock: o.clock });
  await transport.listen();
  const sentBy = transport.sentBy(first.transport);
  const contact = { host: sentBy.host, port: sentBy.port, transport: first.transport };
  const network = new StackNetwork({
    transport,
    contact,
    clock: o.clock,
    timers: o.timers,
    logger: o.logger,
  });
  transport.on('message', (m, s) => network.receiveMessage(m, s));
  let ua: UserAgent;
  try {
    ua = new UserAgent({ ...o, network });
  } catch (e) {
    network.close();
    await transport.close();
    throw e;
  }
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      await ua.close();
      network.close();
      await transport.close();
    })();
    return closing;
  };
  return { ua, network, transport, contact, close };
}
