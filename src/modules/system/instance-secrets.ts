import { sql } from 'drizzle-orm';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../../config.js';
import { queryRows, type Db } from '../../db/client.js';
import { randomSecret, sha256Hex } from '../../crypto/secrets.js';

export interface InstanceSecrets {
  jwtSecret: string;
  /**
   * Master secret for encryption at rest (TOTP secrets); purpose keys are derived from it
   * with HKDF. loadInstanceSecrets always sets it; secrets built by hand may leave it out,
   * and then the keys derive from jwtSecret instead.
   */
  encryptionKey?: string;
  /** SHA-256 of the bootstrap API key: the key itself is never stored in the database. */
  bootstrapApiKeyHash: string;
  /** How the operator can learn the bootstrap key; undefined when it came from SENTINEL_API_KEY. */
  apiKeyNotice?: string;
}

export const API_KEY_FILE = 'bootstrap-api-key';

/**
 * The JWT secret and bootstrap API key: from the environment when set, otherwise generated
 * on the first start and kept in the database, so that restarts (and every other process
 * on the same database) keep them. A generated API key is written once, readable only by
 * this user, to the data directory; the database keeps only its hash.
 */
export async function loadInstanceSecrets(db: Db, config: Config): Promise<InstanceSecrets> {
  const jwtSecret = config.jwtSecret ?? (await keepFirst(db, 'jwt_secret', randomSecret(48))).value;
  const encryptionKey = config.encryptionKey ?? (await keepFirst(db, 'encryption_key', randomSecret(32))).value;
  if (config.apiKey !== undefined) return { jwtSecret, encryptionKey, bootstrapApiKeyHash: sha256Hex(config.apiKey) };

  const candidate = `sk_${randomSecret(32)}`;
  const stored = await keepFirst(db, 'bootstrap_api_key_sha256', sha256Hex(candidate));
  const file = path.join(config.dataDir, API_KEY_FILE);
  if (stored.created) {
    fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
    fs.writeFileSync(file, `${candidate}\n`, { mode: 0o600 });
    return {
      jwtSecret,
      encryptionKey,
      bootstrapApiKeyHash: stored.value,
      apiKeyNotice: `Generated the bootstrap API key; it is in ${file}`,
    };
  }
  const notice = fs.existsSync(file)
    ? `Bootstrap API key: in ${file}`
    : `Bootstrap API key: written to ${API_KEY_FILE} in the data directory of the first process that started on this database; set SENTINEL_API_KEY to use your own`;
  return { jwtSecret, encryptionKey, bootstrapApiKeyHash: stored.value, apiKeyNotice: notice };
}

/** Stores `value` under `key` unless a value is already there; concurrent starters agree on one. */
async function keepFirst(db: Db, key: string, value: string): Promise<{ value: string; created: boolean }> {
  const inserted = await queryRows<{ value: string }>(
    db,
    sql`INSERT INTO instance_settings (key, value) VALUES (${key}, ${value}) ON CONFLICT (key) DO NOTHING RETURNING value`,
  );
  if (inserted[0]) return { value: inserted[0].value, created: true };
  const [existing] = await queryRows<{ value: string }>(db, sql`SELECT value FROM instance_settings WHERE key = ${key}`);
  return { value: existing!.value, created: false };
}
