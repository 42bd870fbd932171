import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from './config.js';
import { openDatabase, type Database } from './db/client.js';
import { DataDirLockedError, isLocal, lockDataDir, type DataDirLock } from './db/data-dir-lock.js';
import { secureDataDir } from './db/data-dir-permissions.js';
import { MAX_SOCKET_PATH_BYTES, sharePglite, socketPathOf } from './db/pglite-socket.js';

export interface Runtime {
  database: Database;
  /** `shared`: a `sentinel serve` owns the PGlite data directory and this process reaches it through its socket. */
  access: 'postgres' | 'pglite' | 'shared';
  /**
   * For `sentinel serve` on PGlite: shares the database on a Unix socket in the data
   * directory, so other commands can run while it serves. Answers the socket's path, or
   * undefined where it cannot share (another engine, or a path too long for a socket).
   */
  share(onWarning: (message: string) => void): Promise<string | undefined>;
  close(): Promise<void>;
}

/** How long a command waits for a starting `sentinel serve` (migrating a large database, say) to share its database. */
const SHARE_WAIT_MS = 60_000;

/**
 * Opens the configured database for a command: PostgreSQL when DATABASE_URL is set,
 * otherwise PGlite in the data directory, locked against a second process; when a
 * `sentinel serve` already holds that directory, other commands reach its database through
 * the socket it shares. Migrates first, so every command works on a fresh data directory.
 * The data directory is made owner-only first, every time.
 */
export async function openRuntime(config: Config, command: string, onError?: (error: Error) => void): Promise<Runtime> {
  if (!config.databaseUrl || fs.existsSync(config.dataDir)) secureDataDir(config.dataDir);
  const claim = config.databaseUrl ? undefined : await claimDataDir(config.dataDir, command);
  const lock = claim && 'lock' in claim ? claim.lock : undefined;
  try {
    const database = await openDatabase({
      url: config.databaseUrl,
      pgliteDir: path.join(config.dataDir, 'pglite'),
      pgliteSocketDir: claim && 'socketDir' in claim ? claim.socketDir : undefined,
      poolSize: config.databasePoolSize,
      connectTimeoutMs: config.databaseConnectTimeoutSeconds * 1000,
      ...(onError ? { onError } : {}),
    });
    try {
      await database.migrate();
      // Again: a new PGlite directory is unpacked from an archive with the archive's modes (666), whatever the umask.
      if (lock) secureDataDir(config.dataDir);
    } catch (error) {
      await database.close();
      throw error;
    }
    let shared: { close(): Promise<void> } | undefined;
    return {
      database,
      access: config.databaseUrl ? 'postgres' : lock ? 'pglite' : 'shared',
      share: async (onWarning) => {
        if (!lock || !database.pglite) return undefined;
        const socket = socketPathOf(config.dataDir);
        if (Buffer.byteLength(socket) > MAX_SOCKET_PATH_BYTES) {
          lock.announceSocket(null);
          onWarning(
            `not sharing the database with other sentinel commands: the socket path ${socket} is longer than ` +
              `${MAX_SOCKET_PATH_BYTES} bytes (move SENTINEL_DATA_DIR to a shorter path); commands need this server stopped`,
          );
          return undefined;
        }
        shared = await sharePglite(database.pglite, socket, { onWarning });
        lock.announceSocket(socket);
        return socket;
      },
      close: async () => {
        await shared?.close();
        await database.close();
        lock?.release();
      },
    };
  } catch (error) {
    lock?.release();
    throw error;
  }
}

/**
 * Takes the data directory, or, when a `sentinel serve` on this machine holds it, finds the
 * socket it shares the database on, waiting while that server is still starting.
 */
async function claimDataDir(dataDir: string, command: string): Promise<{ lock: DataDirLock } | { socketDir: string }> {
  const deadline = Date.now() + SHARE_WAIT_MS;
  let told = false;
  for (;;) {
    try {
      return { lock: lockDataDir(dataDir, command) };
    } catch (error) {
      const holder = error instanceof DataDirLockedError ? error.holder : undefined;
      // Only a server shares the directory; a second server, or a command behind another command, stops as before.
      if (!holder || command === 'serve' || holder.command !== 'serve' || !isLocal(holder) || holder.socket === null) throw error;
      if (holder.socket && (await answers(holder.socket))) return { socketDir: path.dirname(holder.socket) };
      if (Date.now() > deadline) {
        throw new DataDirLockedError(
          `sentinel serve (process ${holder.pid}) holds the data directory ${dataDir} but has not shared its database ` +
            `within ${SHARE_WAIT_MS / 1000} s; try again once it answers, or stop it`,
          holder,
        );
      }
      if (!told) process.stderr.write(`sentinel: waiting for sentinel serve (process ${holder.pid}) to share its database\n`);
      told = true;
      await sleep(250);
    }
  }
}

/** Whether something accepts connections on this Unix socket now. */
function answers(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.connect(socket);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}
