/**
 * The OpenAPI document that GET /openapi.json serves, built in this process on an in-memory
 * PGlite with the default configuration (so it is the same on every machine), without listening.
 */
import { randomBytes } from 'node:crypto';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { sha256Hex } from '../src/crypto/secrets.js';
import { openDatabase } from '../src/db/client.js';

export async function servedDocument(): Promise<unknown> {
  const apiKey = randomBytes(24).toString('hex');
  const config = loadConfig({ SENTINEL_API_KEY: apiKey, SENTINEL_JWT_SECRET: randomBytes(32).toString('hex') });
  const database = await openDatabase({});
  await database.migrate();
  const secrets = { jwtSecret: config.jwtSecret!, bootstrapApiKeyHash: sha256Hex(apiKey), encryptionKey: randomBytes(32).toString('hex') };
  const app = await buildApp({ config, database, secrets, logger: false });
  try {
    const response = await app.inject({ method: 'GET', url: '/openapi.json' });
    if (response.statusCode !== 200) throw new Error(`GET /openapi.json answered ${response.statusCode}`);
    return response.json();
  } finally {
    await app.close();
    await database.close();
  }
}
