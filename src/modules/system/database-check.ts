import { sql } from 'drizzle-orm';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { MIGRATIONS_FOLDER, queryRows, type Database } from '../../db/client.js';
import { isDatabaseUnavailable } from '../../db/errors.js';
import type { ReadinessCheck } from './readiness.js';

/**
 * Ready when the database answers and holds every migration this build ships: one query
 * on Drizzle's own bookkeeping table (a migration's `created_at` is its journal time).
 */
export function databaseCheck(database: Database): ReadinessCheck {
  const latest = Math.max(0, ...readMigrationFiles({ migrationsFolder: MIGRATIONS_FOLDER }).map((migration) => migration.folderMillis));
  return async () => {
    let applied: number;
    try {
      const [row] = await queryRows<{ latest: string | number | null }>(
        database.db,
        sql`SELECT max(created_at) AS latest FROM drizzle.__drizzle_migrations`,
      );
      applied = Number(row?.latest ?? 0);
    } catch (error) {
      if (isDatabaseUnavailable(error)) return { status: 'failed', message: 'the database does not answer' };
      throw error;
    }
    if (applied < latest) return { status: 'failed', message: 'the database lacks migrations this version needs (run sentinel migrate)' };
    return { status: 'ok' };
  };
}
