import { sql } from 'drizzle-orm';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../../config.js';
import { queryRows, type Db } from '../../db/client.js';
import { randomSecret, sha256Hex } from '../../crypto/secrets.js';
import { EncryptionKeyRing } from './encryption-keys.js';

export interface InstanceSecrets {
  jwtSecret: string;
  /**
   * Master secret for encryption at rest (TOTP secrets); purpose keys are derived from it
   * with HKDF. loadInstanceSecrets always sets it; secrets built by hand may leave it out,
   * and then the keys derive from jwtSecret instead.
   */
  encryptionKey?: string;
  /** Every key that may have sealed a stored value, encryptionKey first; loadInstanceSecrets sets it. */
  encryptionKeys?: EncryptionKeyRing;
  /** SHA-256 of the bootstrap API key: the key itself is never stored in the database. */
  bootstrapApiKeyHash: string;
  /** How the operator can learn the bootstrap key; undefined when it came from SENTINEL_API_KEY. */
  apiKeyNotice?: string;
}

/** The hash of the generated bootstrap API key, in instance_settings. */
export const BOOTSTRAP_KEY_SETTING = 'bootstrap_api_key_sha256';

/** The key file of the embedded database; a PostgreSQL database's file adds its host, port and name. */
export const API_KEY_FILE = 'bootstrap-api-key';

/**
 * Where a generated bootstrap key is written: one file per database, so that pointing the
 * same checkout at PostgreSQL, and back, never overwrites the key of the other database.
 */
export function apiKeyFile(config: Pick<Config, 'dataDir' | 'databaseUrl'>): string {
  if (!config.databaseUrl) return path.join(config.dataDir, API_KEY_FILE);
  const url = new URL(config.databaseUrl);
  const database = decodeURIComponent(url.pathname.slice(1)) || decodeURIComponent(url.username) || 'postgres';
  const name = `${url.hostname || 'localhost'}-${url.port || '5432'}-${database}`.replace(/[^A-Za-z0-9._-]+/g, '_');
  return path.join(config.dataDir, `${API_KEY_FILE}.${name}`);
}

/**
 * The JWT secret, encryption keys and bootstrap API key: from the environment when set,
 * otherwise generated on the first start and kept in the database, so that restarts (and
 * every other process on the same database) keep them. A generated API key is written once,
 * readable only by this user, to the data directory; the database keeps only its hash.
 */
export async function loadInstanceSecrets(db: Db, config: Config): Promise<InstanceSecrets> {
  const jwtSecret = config.jwtSecret ?? (await keepFirst(db, 'jwt_secret', randomSecret(48))).value;
  const encryptionKeys = await EncryptionKeyRing.load(db, { current: config.encryptionKey, previous: config.previousEncryptionKeys });
  const keys = { jwtSecret, encryptionKey: encryptionKeys.current, encryptionKeys };
  if (config.apiKey !== undefined) return { ...keys, bootstrapApiKeyHash: sha256Hex(config.apiKey) };

  const candidate = newBootstrapKey();
  const stored = await keepFirst(db, BOOTSTRAP_KEY_SETTING, sha256Hex(candidate));
  const file = apiKeyFile(config);
  if (stored.created) {
    writeKeyFile(file, candidate);
    return { ...keys, bootstrapApiKeyHash: stored.value, apiKeyNotice: `Generated the bootstrap API key; it is in ${file}` };
  }
  const notice = fs.existsSync(file)
    ? `Bootstrap API key: in ${file}`
    : `Bootstrap API key: written to ${path.basename(file)} in the data directory of the first process that started on this database ` +
      `(sentinel api-key rotate makes a new one here); or set SENTINEL_API_KEY to use your own`;
  return { ...keys, bootstrapApiKeyHash: stored.value, apiKeyNotice: notice };
}

export function newBootstrapKey(): string {
  return `sk_${randomSecret(32)}`;
}

/** Writes the key readable by this user only, whole or not at all (a new file renamed over the old). */
export function writeKeyFile(file: string, key: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const next = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(next, `${key}\n`, { mode: 0o600 });
  fs.renameSync(next, file);
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
