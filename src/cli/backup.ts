import type { Command } from 'commander';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { loadConfig, type Config } from '../config.js';
import { DataDirLockedError, isLocal, lockDataDir } from '../db/data-dir-lock.js';
import { secureDataDir } from '../db/data-dir-permissions.js';
import { SOCKET_PORT } from '../db/pglite-socket.js';
import { API_KEY_FILE } from '../modules/system/instance-secrets.js';
import { CliError } from './errors.js';

export function backupCommand(program: Command): void {
  program
    .command('backup')
    .description('copy the PGlite data directory to DIR, consistently, also while sentinel serve runs (PostgreSQL: use pg_dump)')
    .argument('<dir>', 'a new or empty directory: start a server on it with SENTINEL_DATA_DIR=DIR')
    .action(async (target: string) => {
      const config = loadConfig();
      if (config.databaseUrl) {
        throw new CliError('on PostgreSQL, back up with pg_dump: pg_dump --format=custom --file=sentinel.dump "$DATABASE_URL"');
      }
      const destination = path.resolve(target);
      prepareDestination(destination, config.dataDir);
      const source = path.join(config.dataDir, 'pglite');
      if (!fs.existsSync(source)) throw new CliError(`${config.dataDir} holds no database yet: nothing to back up`);
      // Copied under another name and renamed last: a backup killed halfway leaves no `pglite`
      // folder that a server would start on as if it were whole.
      const partial = path.join(destination, PARTIAL_COPY);
      const how = await copyConsistently(config, source, partial);
      for (const name of fs.readdirSync(config.dataDir)) {
        if (name.startsWith(API_KEY_FILE) && !name.endsWith('.tmp'))
          fs.copyFileSync(path.join(config.dataDir, name), path.join(destination, name));
      }
      fs.renameSync(partial, path.join(destination, 'pglite'));
      secureDataDir(destination);
      process.stdout.write(`Backed up ${config.dataDir} to ${destination} (${how}); start from it with SENTINEL_DATA_DIR=${destination}\n`);
    });
}

/** Where the database is copied before it is renamed into place. */
const PARTIAL_COPY = 'pglite.partial';

function prepareDestination(destination: string, dataDir: string): void {
  const inside = path.relative(path.resolve(dataDir), destination);
  if (!inside.startsWith('..') && !path.isAbsolute(inside)) throw new CliError('the backup must go outside the data directory');
  // What a backup killed halfway left: start again from nothing.
  const leftover = path.join(destination, PARTIAL_COPY);
  if (fs.existsSync(leftover) && !fs.existsSync(path.join(destination, 'pglite'))) {
    for (const name of fs.readdirSync(destination))
      if (name === PARTIAL_COPY || name.startsWith(API_KEY_FILE)) fs.rmSync(path.join(destination, name), { recursive: true });
  }
  if (fs.existsSync(destination) && fs.readdirSync(destination).length > 0) {
    throw new CliError(`${destination} is not empty: back up into a new or empty directory`);
  }
  fs.mkdirSync(destination, { recursive: true, mode: 0o700 });
}

/**
 * With the data directory free: lock it and copy. While `sentinel serve` holds it: through
 * the server's socket, open a transaction, which keeps every other query and transaction
 * waiting (see src/db/pglite-socket.ts), checkpoint so the data files hold every commit, copy
 * the quiet files, and let go. Requests wait for the copy (about a second per 100 MB).
 */
async function copyConsistently(config: Config, source: string, destination: string): Promise<string> {
  try {
    const lock = lockDataDir(config.dataDir, 'backup');
    try {
      fs.cpSync(source, destination, { recursive: true });
      return 'no server was running';
    } finally {
      lock.release();
    }
  } catch (error) {
    const holder = error instanceof DataDirLockedError ? error.holder : undefined;
    if (!holder?.socket || holder.command !== 'serve' || !isLocal(holder)) throw error;
    const client = new pg.Client({ host: path.dirname(holder.socket), port: SOCKET_PORT, user: 'postgres', database: 'postgres' });
    await client.connect();
    try {
      await client.query('BEGIN');
      await client.query('CHECKPOINT');
      fs.cpSync(source, destination, { recursive: true });
      await client.query('ROLLBACK');
    } finally {
      await client.end();
    }
    return `while sentinel serve (process ${holder.pid}) was running`;
  }
}
