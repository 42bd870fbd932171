import pg from 'pg';

export interface PoolOptions {
  max: number;
  /** How long to wait for a new connection, or for a free one when all are busy, before failing (a 503). */
  connectTimeoutMs: number;
  /** Idle connections, and a checked-out connection losing its server, are reported here. */
  onError?: ((error: Error) => void) | undefined;
}

/** Shown in pg_stat_activity, so an operator can tell Sentinel's connections from others. */
export const APPLICATION_NAME = 'sentinel';

/**
 * A node-postgres pool (a connection URL, or a socket's directory and port) that survives its server going away.
 *
 * pg's pool only listens for errors on idle clients. A client checked out for a Drizzle
 * transaction whose connection drops emits `error` with no listener, which kills the
 * process; and Drizzle never releases a client whose BEGIN failed, so each such drop would
 * also leak a pool slot until requests waited forever. Here every client gets a listener
 * when it connects; a checked-out client that loses its connection is released at once with
 * the error, which makes the pool discard it, and the later release by its user does nothing.
 */
export function createPool(server: string | Pick<pg.PoolConfig, 'host' | 'port' | 'user' | 'database'>, options: PoolOptions): pg.Pool {
  const pool = new pg.Pool({
    ...(typeof server === 'string' ? { connectionString: server } : server),
    max: options.max,
    connectionTimeoutMillis: options.connectTimeoutMs,
    idleTimeoutMillis: 10_000,
    // Finds a server that vanished without closing the socket (host down, network cut) while the connection is idle.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    application_name: APPLICATION_NAME,
  });
  const checkedOut = new Set<pg.PoolClient>();
  pool.on('acquire', (client) => checkedOut.add(client));
  pool.on('release', (_error, client) => checkedOut.delete(client));
  pool.on('remove', (client) => checkedOut.delete(client as pg.PoolClient));
  pool.on('connect', (client) => {
    client.on('error', (error) => {
      const poolClient = client as pg.PoolClient;
      if (!checkedOut.has(poolClient)) return; // idle: the pool's own listener removes it and emits 'error' below
      options.onError?.(error);
      const release = poolClient.release;
      poolClient.release = () => {};
      release.call(poolClient, error);
    });
  });
  // An idle client losing its connection: the pool has already discarded it.
  pool.on('error', (error) => options.onError?.(error));
  return pool;
}
