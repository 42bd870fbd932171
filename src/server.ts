import { buildApp } from './app.js';
import { CliError } from './cli/errors.js';
import type { Config } from './config.js';
import { loadInstanceSecrets } from './modules/system/instance-secrets.js';
import { openRuntime } from './runtime.js';

/**
 * `sentinel serve`: migrate, listen, and stop cleanly. On SIGTERM (what orchestrators send)
 * /readyz turns 503 first and the process keeps serving for the grace period, so load
 * balancers stop sending before it stops; then it finishes in-flight requests and closes.
 * SIGINT (Ctrl-C), or a second signal, skips the grace; a signal while closing exits at once.
 */
export async function serve(config: Config): Promise<void> {
  let reportDatabaseError = (error: Error) => console.error(`database: ${error.message}`);
  const runtime = await openRuntime(config, 'serve', (error) => reportDatabaseError(error));
  const secrets = await loadInstanceSecrets(runtime.database.db, config);
  const app = await buildApp({ config, database: runtime.database, secrets });
  reportDatabaseError = (error) => app.log.warn({ code: (error as { code?: unknown }).code }, `database connection: ${error.message}`);
  if (secrets.apiKeyNotice) app.log.info(secrets.apiKeyNotice);
  if (!config.mail) app.log.info('Mail is off (SMTP_URL is not set): password reset and email verification answer 503 mail_not_configured');
  else app.log.info(`Mail is on: sending as ${config.mail.from}`);
  const socket = await runtime.share((message) => app.log.warn(message));
  // A key rotation (sentinel encryption-key rotate) reaches this process without a restart.
  const stopWatchingKeys = secrets.encryptionKeys?.watch(runtime.database.db, (error) =>
    app.log.warn({ err: error }, 'could not read the encryption keys again'),
  );
  app.addHook('onClose', async () => stopWatchingKeys?.());

  let phase: 'serving' | 'grace' | 'closing' = 'serving';
  let endGrace = () => {};
  const stop = async (signal: NodeJS.Signals) => {
    if (phase === 'grace') return endGrace();
    if (phase === 'closing') {
      // A third signal, or a second after the grace: the operator does not want to wait for in-flight requests.
      app.log.warn(`${signal} received again: exiting now`);
      process.exit(1);
    }
    phase = 'grace';
    app.readiness.drain();
    const graceMs = signal === 'SIGTERM' ? config.shutdownGraceSeconds * 1000 : 0;
    if (graceMs > 0) {
      app.log.info(`${signal} received: not ready; serving ${config.shutdownGraceSeconds} s more so load balancers stop sending`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, graceMs);
        endGrace = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    phase = 'closing';
    app.log.info(`${signal} received: finishing in-flight requests`);
    try {
      await app.close();
    } finally {
      await runtime.close();
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));

  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    await app.close().catch(() => {});
    await runtime.close();
    throw listenFailure(error, config);
  }
  app.log.info(
    `Sentinel ${runtime.database.engine === 'pglite' ? `on PGlite (${config.dataDir})` : 'on PostgreSQL'}; API docs at http://${config.host}:${config.port}/docs`,
  );
  if (socket) app.log.info(`Other sentinel commands on ${config.dataDir} use this server's database through ${socket}`);
}

/** The usual reasons a port cannot be had, in one line. */
function listenFailure(error: unknown, { host, port }: Config): unknown {
  switch ((error as { code?: unknown }).code) {
    case 'EADDRINUSE':
      return new CliError(`port ${port} on ${host} is already in use: stop the other server or set PORT to a free port`);
    case 'EACCES':
      return new CliError(`not allowed to listen on port ${port} (ports below 1024 need privileges): set PORT to a higher port`);
    case 'EADDRNOTAVAIL':
      return new CliError(`cannot listen on ${host}: not an address of this machine (set HOST)`);
    default:
      return error;
  }
}
