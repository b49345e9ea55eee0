// GET /demo/accounts: the embedded registrar's demo accounts for the phone page (issue 7: "the phone page,
// opened from the same server, offers the demo accounts"). Served only while the registrar runs with its
// generated demo users (never users an operator configured), and only to a client on this machine: the
// passwords are for trying Parley on a laptop, not for whoever can reach a server bound to a network.
import type { FastifyInstance } from 'fastify';

export interface DemoAccounts {
  domain: string;
  port: number;
  accounts: { login: string; password: string }[];
}

const isLoopback = (address: string | undefined): boolean =>
  address !== undefined && (/^127\./.test(address) || address === '::1' || /^::ffff:127\./.test(address));

export function registerDemoAccounts(app: FastifyInstance, demo: () => DemoAccounts | undefined): void {
  app.get('/demo/accounts', (req, reply) => {
    const accounts = demo();
    if (!accounts || !isLoopback(req.socket.remoteAddress)) {
      return reply.code(404).send({ error: { code: 'NO_DEMO_ACCOUNTS', message: 'No demo accounts here.' } });
    }
    return reply.header('cache-control', 'no-store').send(accounts);
  });
}
