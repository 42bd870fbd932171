import path from 'node:path';
import type { Config } from './config.js';
import { openDatabase, type Database } from './db/client.js';
import { lockDataDir } from './db/data-dir-lock.js';

export interface Runtime {
  database: Database;
  close(): Promise<void>;
}

/**
 * Opens the configured database for a command: PostgreSQL when DATABASE_URL is set,
 * otherwise PGlite in the data directory, locked against a second process. Migrates first,
 * so every command works on a fresh data directory.
 */
export async function openRuntime(config: Config, command: string, onError?: (error: Error) => void): Promise<Runtime> {
  const lock = config.databaseUrl ? undefined : lockDataDir(config.dataDir, command);
  try {
    const database = await openDatabase({
      url: config.databaseUrl,
      pgliteDir: path.join(config.dataDir, 'pglite'),
      poolSize: config.databasePoolSize,
      connectTimeoutMs: config.databaseConnectTimeoutSeconds * 1000,
      ...(onError ? { onError } : {}),
    });
    try {
      await database.migrate();
    } catch (error) {
      await database.close();
      throw error;
    }
    return {
      database,
      close: async () => {
        await database.close();
        lock?.release();
      },
    };
  } catch (error) {
    lock?.release();
    throw error;
  }
}
