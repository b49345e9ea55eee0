// The Parley server process: `node dist/server/main.js` (what `npm start` runs after the build).
// Loads the configuration, starts the SIP and media ports and the HTTP server, prints the URL to open, and
// stops gracefully on SIGINT/SIGTERM (calls hung up, registrations removed) or at once on a second signal.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from './config/errors.js';
import { loadConfig, redactConfig } from './config/load-config.js';
import type { DemoAccounts } from './http/demo-accounts.js';
import { ParleyServer } from './http/parley-server.js';
import { createLogger } from './logger.js';
import { uncaughtErrors } from './metrics.js';
import { PlayerMediaPort } from './rest/player-media-port.js';
import { createPorts } from './wiring/create-ports.js';
import { gatewaySources, type StartedRegistrar, startEmbeddedRegistrar } from './wiring/embedded-registrar.js';

// dist/server/main.js and src/server/main.ts are both two folders below the package root.
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig({ env: process.env });
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(
        `parley: invalid configuration\n${e.problems.map((p) => `  ${p.field}: ${p.message}`).join('\n')}\n`,
      );
      process.exit(2);
    }
    throw e;
  }
  const log = createLogger(config.logLevel);
  // Bad input must never stop the server: anything that escapes a handler is logged at fatal with its stack,
  // counted (parley_uncaught_errors_total, for alerts), and the process goes on: a crash would drop every
  // caller's call. Each one is a bug to fix.
  process.on('uncaughtException', (err) => {
    uncaughtErrors.inc({ kind: 'exception' });
    log.fatal({ err, stack: err.stack }, 'uncaught exception');
  });
  process.on('unhandledRejection', (err) => {
    uncaughtErrors.inc({ kind: 'rejection' });
    log.fatal({ err, stack: err instanceof Error ? err.stack : undefined }, 'unhandled rejection');
  });
  log.info({ config: redactConfig(config) }, 'starting');

  let registrar: StartedRegistrar | undefined;
  // Every browser account registers from the gateway's SIP port: the registrar must not rate-limit it as one
  // client. Known once the SIP endpoint has bound (below).
  let gatewaySipSources: readonly string[] = [];
  try {
    registrar = await startEmbeddedRegistrar(config, log, { exemptSources: () => gatewaySipSources });
  } catch (err) {
    log.error({ err }, 'the embedded SIP registrar did not start');
    process.stderr.write(
      `parley: the embedded SIP registrar cannot start on ${config.registrarHost}:${config.registrarPort}: ${(err as Error).message}\n` +
        '  set PARLEY_REGISTRAR_PORT to a free port, or PARLEY_REGISTRAR=off to use your own SIP server\n',
    );
    process.exit(1);
  }
  const ports = await createPorts(config, log);
  gatewaySipSources = gatewaySources(ports.endpoint.transport.addresses);
  // The service numbers (600 echo, 601 tone) answer with the gateway's media plane, so they start after it.
  await registrar?.startServices(ports.plane);
  const server = new ParleyServer(config, {
    log,
    sip: ports.sip,
    media: ports.media,
    dirs: { sdkDir: join(root, 'dist', 'sdk'), phoneDirs: [join(root, 'dist', 'phone')] },
    ...(registrar ? { registrar: registrar.server, demoAccounts: () => demoAccountsOf(registrar) } : {}),
    playerMedia: new PlayerMediaPort(ports.plane, log.child({ part: 'media' })),
  });
  const url = await server.listen();
  log.info({ url: url.href }, 'ready');
  if (registrar) {
    const { server: sip, users } = registrar;
    const names = Object.keys(users.users);
    process.stdout.write(
      `Embedded SIP registrar: domain ${sip.domain}, port ${sip.port('UDP')} (UDP/TCP), users ${names.join(', ')}` +
        `${users.file ? ` (passwords in ${users.file})` : ''}; call 600 for an echo, 601 for a tone and DTMF\n`,
    );
    // Generated passwords are shown once, at the start that made them, and only on a terminal: a service's
    // stdout ends in journald or container logs, which others read. The file (mode 600) keeps them.
    if (users.source === 'generated') {
      if (process.stdout.isTTY) {
        for (const [user, password] of Object.entries(users.users)) process.stdout.write(`  ${user}  ${password}\n`);
      } else {
        process.stdout.write(
          `  generated demo passwords are in ${users.file} (not printed: stdout is not a terminal)\n`,
        );
      }
    }
  }
  const sipAddresses = ports.endpoint.transport.addresses;
  process.stdout.write(
    `Gateway SIP address (every session's account): ${sipAddresses.map((a) => `${a.transport.toLowerCase()} ${a.host}:${a.port}`).join(', ')}\n`,
  );
  // Last: the line that says the server is ready (tests wait for it).
  process.stdout.write(
    `Parley is running: open ${url.href} in a browser (WebSocket ${url.href.replace(/^http/, 'ws')}ws)\n`,
  );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'stopping');
    server
      .close()
      .then(() => ports.close())
      .then(() => registrar?.close())
      .then(
        () => {
          log.info('stopped');
          process.exit(0);
        },
        (err: unknown) => {
          log.error({ err }, 'error while stopping');
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(`parley: failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});

/** Demo users (generated, not configured by an operator) as the phone page offers them. */
function demoAccountsOf(registrar: StartedRegistrar): DemoAccounts | undefined {
  const { server, users } = registrar;
  if (users.source === 'config') return undefined;
  return {
    domain: server.domain,
    port: server.port('UDP'),
    accounts: Object.entries(users.users).map(([login, password]) => ({ login, password })),
  };
}
