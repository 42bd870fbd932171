import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * PGlite is PostgreSQL in this process: two processes on one data directory would corrupt it.
 * A lock file names the holder so that a second command can say who to stop.
 */
export class DataDirLockedError extends Error {
  override name = 'DataDirLockedError';

  constructor(
    message: string,
    /** Who holds the directory, when it could be read. */
    readonly holder?: LockHolder,
  ) {
    super(message);
  }
}

export interface LockHolder {
  pid: number;
  command: string;
  host: string;
  started_at: string;
  /**
   * Set by `sentinel serve` once it has opened the database: the Unix socket other commands
   * reach it through, or null when it shares none. Absent while it is still starting.
   */
  socket?: string | null;
}

export interface DataDirLock {
  release(): void;
  /** Tells later commands where this process shares the database (null: it does not). */
  announceSocket(socket: string | null): void;
}

/** Locks this process holds: a lock file with our own pid but not in here is a stale one (a container restarted as pid 1). */
const heldHere = new Set<string>();

export function lockDataDir(dataDir: string, command: string): DataDirLock {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, 'sentinel.lock');
  const me: LockHolder = { pid: process.pid, command, host: os.hostname(), started_at: new Date().toISOString() };

  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, JSON.stringify(me), { flag: 'wx', mode: 0o600 });
      heldHere.add(file);
      const release = () => {
        if (!heldHere.delete(file)) return;
        if (readHolder(file)?.pid === me.pid) fs.rmSync(file, { force: true });
        process.off('exit', release);
      };
      process.on('exit', release);
      const announceSocket = (socket: string | null) => {
        // Written whole under another name, then renamed: a reader never sees half a file.
        const next = `${file}.${process.pid}`;
        fs.writeFileSync(next, JSON.stringify({ ...me, socket }), { mode: 0o600 });
        fs.renameSync(next, file);
      };
      return { release, announceSocket };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = readHolder(file);
    if (heldHere.has(file) || (holder && isRunning(holder))) {
      const who = holder ?? me;
      throw new DataDirLockedError(
        `The data directory ${dataDir} is in use by process ${who.pid} (sentinel ${who.command}, ` +
          `started ${who.started_at} on ${who.host}). PGlite allows one process per data directory: ` +
          `stop that process first, or run this command with DATABASE_URL pointing at a PostgreSQL server.`,
        holder,
      );
    }
    // The holder is gone (crash, kill -9): its lock is stale.
    fs.rmSync(file, { force: true });
  }
  throw new DataDirLockedError(`Could not lock the data directory ${dataDir}: another process keeps taking it.`);
}

function readHolder(file: string): LockHolder | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as LockHolder;
  } catch {
    return undefined;
  }
}

/** Whether the holder runs on this machine (its socket, if any, is reachable from here). */
export function isLocal(holder: LockHolder): boolean {
  return holder.host === os.hostname();
}

function isRunning(holder: LockHolder): boolean {
  // A lock from another machine (a shared volume) cannot be checked: assume it is live.
  if (holder.host !== os.hostname()) return true;
  if (holder.pid === process.pid) return false;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
