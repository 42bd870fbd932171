import { buildApp } from './app.js';
import type { Config } from './config.js';
import { loadInstanceSecrets } from './modules/system/instance-secrets.js';
import { openRuntime } from './runtime.js';

/** `sentinel serve`: migrate, listen, and drain in-flight requests on SIGTERM or SIGINT. */
export async function serve(config: Config): Promise<void> {
  const runtime = await openRuntime(config, 'serve', (error) => console.error(`database: ${error.message}`));
  const secrets = await loadInstanceSecrets(runtime.database.db, config);
  const app = await buildApp({ config, database: runtime.database, secrets });
  if (secrets.apiKeyNotice) app.log.info(secrets.apiKeyNotice);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info(`${signal} received: finishing in-flight requests`);
    try {
      await app.close();
    } finally {
      await runtime.close();
    }
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));

  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    await app.close().catch(() => {});
    await runtime.close();
    throw error;
  }
  app.log.info(
    `Sentinel ${runtime.database.engine === 'pglite' ? `on PGlite (${config.dataDir})` : 'on PostgreSQL'}; API docs at http://${config.host}:${config.port}/docs`,
  );
}
