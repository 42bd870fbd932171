import type pg from 'pg';

/**
 * Ends every connection to the database at `databaseUrl` but `admin`'s own, as an operator's
 * `pg_terminate_backend`, a failover or a restart of PostgreSQL does; answers how many.
 */
export async function terminateConnections(admin: pg.Client, databaseUrl: string): Promise<number> {
  const result = await admin.query<{ n: number }>(
    'SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
    [new URL(databaseUrl).pathname.slice(1)],
  );
  return result.rows[0]!.n;
}
