import { sql } from 'drizzle-orm';
import { timingSafeEqual } from 'node:crypto';
import { sha256Hex } from '../../crypto/secrets.js';
import { queryRows, type Executor } from '../../db/client.js';
import type { ApiClient } from '../../http/auth.js';
import type { AppsRepository } from '../apps/apps-repository.js';
import { BOOTSTRAP_KEY_SETTING } from './instance-secrets.js';

/**
 * Where the bootstrap key's hash comes from: fixed (SENTINEL_API_KEY, or a test), or the
 * generated key in instance_settings, which `sentinel api-key rotate` replaces while servers run.
 */
export type BootstrapKeySource = { hash: string } | { hash: string; db: Executor };

/**
 * Checks an X-API-KEY: the bootstrap key (compared in constant time), then the apps' keys by
 * hash. A generated bootstrap key is confirmed against the database on each use, so a
 * rotated-away key stops working at once in every process; a key that matches nothing is
 * compared with the stored hash again, so a new key works at once too.
 */
export function apiKeyVerifier(bootstrap: BootstrapKeySource, apps: AppsRepository): (key: string) => Promise<ApiClient | undefined> {
  let known = Buffer.from(bootstrap.hash, 'hex');
  const stored = async (): Promise<Buffer> => {
    if (!('db' in bootstrap)) return known;
    const [row] = await queryRows<{ value: string }>(
      bootstrap.db,
      sql`SELECT value FROM instance_settings WHERE key = ${BOOTSTRAP_KEY_SETTING}`,
    );
    if (row) known = Buffer.from(row.value, 'hex');
    return known;
  };
  return async (key) => {
    const hash = Buffer.from(sha256Hex(key), 'hex');
    if (timingSafeEqual(hash, known) && timingSafeEqual(hash, await stored())) return { kind: 'bootstrap' };
    const appKey = await apps.findKeyByHash(hash.toString('hex'));
    if (appKey) return { kind: 'app', appId: appKey.appId, keyId: appKey.id };
    if ('db' in bootstrap && timingSafeEqual(hash, await stored())) return { kind: 'bootstrap' };
    return undefined;
  };
}
