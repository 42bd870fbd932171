import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { buildAppWithServices } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { sha256Hex } from '../src/crypto/secrets.js';
import type { Database } from '../src/db/client.js';

/**
 * What every profile benchmark starts from: Sentinel on `database` (migrated here), listening
 * on a free port, with one operator. Cheap argon2: the benchmarks measure profiles, not hashing.
 */
export async function startBenchServer(database: Database, env: Record<string, string> = {}) {
  await database.migrate();
  const config = {
    ...loadConfig({ SENTINEL_API_KEY: 'sk_bench_bootstrap_key_0123456789', SENTINEL_JWT_SECRET: randomBytes(32).toString('hex'), ...env }),
    argon2: { memoryKib: 1024, iterations: 1, parallelism: 1 },
  };
  const { app, services } = await buildAppWithServices({
    config,
    database,
    secrets: { jwtSecret: config.jwtSecret!, bootstrapApiKeyHash: sha256Hex(config.apiKey!) },
    logger: false,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const context = { ip: null, userAgent: 'bench', appId: null };
  const operator = await services.accounts.register(
    { user_info: { username: 'benchop', email: 'benchop@example.com' }, password: 'bench password' },
    context,
    { operator: true },
  );
  return { app, services, base, context, operator };
}
