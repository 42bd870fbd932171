import { PGlite } from '@electric-sql/pglite';
import type { SQL } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import { fileURLToPath } from 'node:url';
import { DatabaseUnreachableError, describeConnectionFailure } from './errors.js';
import type pg from 'pg';
import { PostgresListeners } from './listeners.js';
import { SOCKET_PORT } from './pglite-socket.js';
import { createPool } from './pool.js';
import * as schema from './schema.js';

/** The committed SQL migrations; the same relative place from src/db and dist/db. */
export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle', import.meta.url));

/** Any constant: every Sentinel process takes this advisory lock while it migrates. */
const MIGRATION_LOCK_ID = 7_361_201;

/** One Drizzle type for both engines: they speak the same PostgreSQL dialect. */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

/** A transaction, or the database itself: repositories accept either. */
export type Executor = Pick<Db, 'select' | 'insert' | 'update' | 'delete' | 'execute' | 'transaction'>;

export type Engine = 'pglite' | 'postgres';

export interface Database {
  readonly engine: Engine;
  readonly db: Db;
  /** The PGlite instance when this process opened the data directory itself (serve shares it over a socket). */
  readonly pglite?: PGlite;
  /** Connections in use and waiting, for the metrics; undefined where this process opened PGlite itself. */
  poolStats?(): PoolStats;
  /**
   * Tells the other `sentinel serve` processes on this database about a change
   * (PostgreSQL NOTIFY; on PGlite, the listeners of this process).
   */
  notify(channel: string, payload: string): Promise<void>;
  /**
   * Subscribes to notify(); returns an unsubscribe function. PostgreSQL: `connection` hears
   * when the listening connection is lost (notifications may be missed from then on) and when
   * it listens again. PGlite: notifications made in this process, delivered as their query ends.
   */
  listen(channel: string, onMessage: (payload: string) => void, connection?: ListenerConnection): Promise<() => Promise<void>>;
  /**
   * Runs a named statement straight through the driver, rows as objects keyed by column name:
   * on PostgreSQL prepared once per connection (node-postgres named statements), on PGlite as
   * is. For the hottest reads only, where Drizzle's per-call execution and row mapping show
   * in the profiles (docs/benchmarks.md); everything else goes through `db`. Cast bigint
   * columns (`::float8`) and keep to types both drivers parse alike (int, text, jsonb, timestamptz).
   */
  prepared<T>(statement: PreparedStatement, values: unknown[]): Promise<T[]>;
  /** Applies the pending migrations; safe to run again and from several processes at once. */
  migrate(): Promise<void>;
  close(): Promise<void>;
}

/** SQL with $1.. placeholders, and the name it is prepared under on each connection. */
export interface PreparedStatement {
  name: string;
  text: string;
}

export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
}

export interface ListenerConnection {
  onLost(): void;
  onRestored(): void;
}

export interface DatabaseOptions {
  /** postgres://... for a PostgreSQL server; otherwise PGlite. */
  url?: string | undefined;
  /**
   * The directory holding the socket of a `sentinel serve` that shares its PGlite database
   * (src/db/pglite-socket.ts): the database is reached through it, not opened.
   */
  pgliteSocketDir?: string | undefined;
  /** PGlite data directory; omitted means in memory (tests). */
  pgliteDir?: string | undefined;
  poolSize?: number;
  /** How long to wait for a PostgreSQL connection (or a free one from the pool); 5 s if omitted. */
  connectTimeoutMs?: number;
  /** A connection lost or failing in the background (requests see their own failures). */
  onError?: (error: Error) => void;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.url) return openPostgres(options.url, options);
  if (options.pgliteSocketDir) return openSharedPglite(options.pgliteSocketDir, options);
  return openPglite(options.pgliteDir);
}

async function openPglite(dataDir: string | undefined): Promise<Database> {
  const client = await PGlite.create(dataDir ?? 'memory://');
  const db = drizzlePglite({ client, schema }) as unknown as Db;
  return {
    engine: 'pglite',
    db,
    pglite: client,
    notify: async (channel, payload) => {
      await client.query('SELECT pg_notify($1, $2)', [channel, payload]);
    },
    listen: (channel, onMessage) => client.listen(channel, onMessage),
    prepared: async <T>(statement: PreparedStatement, values: unknown[]) => (await client.query<T>(statement.text, values)).rows,
    migrate: () => migratePglite(drizzlePglite({ client }), { migrationsFolder: MIGRATIONS_FOLDER }),
    close: once(() => client.close()),
  };
}

async function openPostgres(url: string, options: DatabaseOptions): Promise<Database> {
  const connectTimeoutMs = options.connectTimeoutMs ?? 5000;
  // At least two connections: migrate() holds one for its lock while the migrator uses another.
  const pool = createPool(url, { max: Math.max(2, options.poolSize ?? 10), connectTimeoutMs, onError: options.onError });
  try {
    const probe = await pool.connect();
    probe.release();
  } catch (error) {
    await pool.end().catch(() => {});
    throw new DatabaseUnreachableError(describeConnectionFailure(url, error, connectTimeoutMs), { cause: error });
  }
  const db = drizzlePg({ client: pool, schema }) as unknown as Db;
  const listeners = new PostgresListeners(url, connectTimeoutMs, options.onError);
  return {
    engine: 'postgres',
    db,
    poolStats: () => statsOf(pool),
    notify: async (channel, payload) => {
      await pool.query('SELECT pg_notify($1, $2)', [channel, payload]);
    },
    listen: (channel, onMessage, connection) => listeners.add(channel, onMessage, connection),
    prepared: (statement, values) => runPrepared(pool, statement, values),
    migrate: async () => {
      // Drizzle's migrator checks then applies; the lock stops two starting processes racing.
      const lock = await pool.connect();
      try {
        await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
        await migratePg(drizzlePg({ client: pool }), { migrationsFolder: MIGRATIONS_FOLDER });
      } finally {
        await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]).catch(() => {});
        lock.release();
      }
    },
    close: once(async () => {
      await listeners.close();
      await pool.end();
    }),
  };
}

/**
 * A PGlite database another process (`sentinel serve`) owns and shares on a Unix socket:
 * node-postgres through the socket, with PGlite's semantics: one backend, so no advisory lock
 * worth taking (the socket runs one transaction at a time). A NOTIFY sent here runs in that
 * backend and reaches the owner's listeners, so a `sentinel keys rotate` is seen at once; this
 * process listens to nothing (a command does not stay long enough to care).
 */
async function openSharedPglite(socketDir: string, options: DatabaseOptions): Promise<Database> {
  const pool = createPool(
    { host: socketDir, port: SOCKET_PORT, user: 'postgres', database: 'postgres' },
    // Two: migrate() reads and writes the journal on separate connections.
    { max: 2, connectTimeoutMs: options.connectTimeoutMs ?? 5000, onError: options.onError },
  );
  try {
    const probe = await pool.connect();
    probe.release();
  } catch (error) {
    await pool.end().catch(() => {});
    throw new DatabaseUnreachableError(`cannot reach the database shared on ${socketDir}: ${(error as Error).message}`, { cause: error });
  }
  return {
    engine: 'pglite',
    db: drizzlePg({ client: pool, schema }) as unknown as Db,
    poolStats: () => statsOf(pool),
    notify: async (channel, payload) => {
      await pool.query('SELECT pg_notify($1, $2)', [channel, payload]);
    },
    listen: async () => async () => {},
    // Unnamed: every connection to the socket shares PGlite's one session, where a name
    // prepared by one command would still exist when the next command prepares it.
    prepared: async <T>(statement: PreparedStatement, values: unknown[]) =>
      (await pool.query<T & pg.QueryResultRow>(statement.text, values)).rows,
    migrate: () => migratePg(drizzlePg({ client: pool }), { migrationsFolder: MIGRATIONS_FOLDER }),
    close: once(() => pool.end()),
  };
}

async function runPrepared<T>(pool: pg.Pool, statement: PreparedStatement, values: unknown[]): Promise<T[]> {
  return (await pool.query<T & pg.QueryResultRow>({ name: statement.name, text: statement.text, values })).rows;
}

function statsOf(pool: pg.Pool): PoolStats {
  return { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount };
}

/** Closing twice (a shutdown signal during a failed start, say) must not throw. */
function once(close: () => Promise<void>): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => (closing ??= close());
}

/** Runs raw SQL and returns its rows, on either engine. */
export async function queryRows<T>(executor: Pick<Db, 'execute'>, query: SQL): Promise<T[]> {
  const result = (await executor.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}
