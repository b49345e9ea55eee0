// The embedded SIP registrar and proxy of issue 7 (src/registrar), started with the server unless
// PARLEY_REGISTRAR=off, so that `npm start` alone gives working calls. Its users come from the configuration,
// or are demo users 1001-1010 with passwords generated once (never a fixed, published password), kept in
// the data folder and shown once, at the start that created them.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { MediaPlane } from '../../media/index.js';
import { EmbeddedSipServer, type LocalService, sourceKey } from '../../registrar/index.js';
import { type ServiceKind, type ServiceNumbers, startServiceNumbers } from '../../services/index.js';
import type { ParleyConfig } from '../config/settings.js';

export const DEMO_USERS_FILE = 'registrar-users.json';

export interface RegistrarUsers {
  users: Record<string, string>;
  /** Where they came from; `generated` only at the start that created the demo users. */
  source: 'config' | 'file' | 'generated';
  file?: string;
}

/** The registrar's users: configured, else the demo users of the data folder, else new demo users there. */
export function registrarUsers(config: ParleyConfig): RegistrarUsers {
  if (config.registrarUsers && config.registrarUsers.length > 0) {
    return { users: Object.fromEntries(config.registrarUsers.map((u) => [u.user, u.password])), source: 'config' };
  }
  const file = join(config.dataDir, DEMO_USERS_FILE);
  if (existsSync(file)) {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    const ok =
      typeof parsed === 'object' &&
      parsed !== null &&
      !Array.isArray(parsed) &&
      Object.values(parsed).every((v) => typeof v === 'string' && v.length > 0);
    if (!ok) throw new Error(`${file}: expected {"user": "password", ...}; delete it to generate new demo users`);
    return { users: parsed as Record<string, string>, source: 'file', file };
  }
  const users: Record<string, string> = {};
  for (let n = 1001; n <= 1010; n++) users[String(n)] = randomBytes(9).toString('base64url');
  mkdirSync(config.dataDir, { recursive: true });
  writeFileSync(file, `${JSON.stringify(users, null, 2)}\n`, { mode: 0o600 });
  return { users, source: 'generated', file };
}

export interface StartedRegistrar {
  server: EmbeddedSipServer;
  users: RegistrarUsers;
  /**
   * Starts the service numbers (600 echo, 601 tone) on the gateway's media plane; until then the proxy
   * treats 600/601 like any user (404).
   */
  startServices(media: MediaPlane): Promise<ServiceNumbers>;
  close(): Promise<void>;
}

/** Requests for a service's numbers go to the service numbers' own UA, once it runs. */
function serviceRoute(kind: ServiceKind, running: () => ServiceNumbers | undefined): LocalService {
  return {
    name: kind,
    handlesUser: (user) => running()?.numbers[kind].includes(user) ?? false,
    target: (user) => ({ uri: running()?.uri(user) ?? '' }),
  };
}

/**
 * The `ip:port` sources the gateway's REGISTERs come from: its UDP listener addresses (every browser account
 * shares them). A wildcard bind sends from the outgoing interface's address, so loopback is listed for it.
 * TCP connections come from ephemeral ports and are not listed.
 */
export function gatewaySources(addresses: readonly { transport: string; host: string; port: number }[]): string[] {
  const out = new Set<string>();
  for (const a of addresses) {
    if (a.transport !== 'UDP') continue;
    const hosts = a.host === '0.0.0.0' || a.host === '::' ? ['127.0.0.1', '::1'] : [a.host];
    for (const h of hosts) out.add(sourceKey(h, a.port));
  }
  return [...out];
}

export interface EmbeddedRegistrarOptions {
  /**
   * The gateway's own SIP source addresses, exempt from the registrar's per-address limits (REGISTER rate and
   * authentication failures): all browser accounts register from them. A getter, as the registrar starts
   * before the gateway's SIP endpoint has bound.
   */
  exemptSources?: () => readonly string[];
}

export async function startEmbeddedRegistrar(
  config: ParleyConfig,
  log: Logger,
  opts: EmbeddedRegistrarOptions = {},
): Promise<StartedRegistrar | undefined> {
  if (!config.registrar) return undefined;
  const exempt = opts.exemptSources;
  const users = registrarUsers(config);
  let services: ServiceNumbers | undefined;
  const server = new EmbeddedSipServer({
    services: [serviceRoute('echo', () => services), serviceRoute('tone', () => services)],
    host: config.registrarHost,
    port: config.registrarPort,
    users: users.users,
    digestAlgorithms: config.registrarDigestAlgorithms,
    logger: log.child({ part: 'registrar' }),
    ...(exempt ? { rateLimit: { exempt }, authFailureLimit: { exempt } } : {}),
  });
  await server.start();
  return {
    server,
    users,
    startServices: async (media) => {
      services ??= await startServiceNumbers({ host: '127.0.0.1', media, logger: log.child({ part: 'services' }) });
      return services;
    },
    close: async () => {
      await services?.close();
      await server.close();
    },
  };
}
