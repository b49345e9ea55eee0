// A hook for numbers the domain serves itself (issue 7: echo 600, tone 601), which need the gateway's media
// plane: the proxy knows SIP only, so a service names the SIP address that takes the call (the gateway's own
// user agent) and the proxy forwards requests for those users there, like to a registered contact.

import type { Destination } from '../sip/transport/transport.js';

export interface LocalService {
  /** For logs: `echo`, `tone`. */
  readonly name: string;
  /** True when requests for this user of the domain (`600`) go to the service. */
  handlesUser(user: string): boolean;
  /**
   * Where the request goes: the Request-URI to put in it and, optionally, the address to send it to (else the
   * URI's own host, port and transport).
   */
  target(user: string): { uri: string; destination?: Destination };
}

/** A service that sends requests for a fixed set of users to one SIP URI (`sip:echo@127.0.0.1:5090`). */
export function routeUsersTo(name: string, users: readonly string[], uri: (user: string) => string): LocalService {
  const set = new Set(users);
  return { name, handlesUser: (u) => set.has(u), target: (u) => ({ uri: uri(u) }) };
}
