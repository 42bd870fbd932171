import { PGlite } from '@electric-sql/pglite';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SOCKET_PORT, sharePglite, socketPathOf, type SharedPglite } from './pglite-socket.js';

/*
 * The socket shares one PostgreSQL session (PGlite's) between this process and its clients.
 * Threat: a command's half-done transaction mixing with the server's writes, or a stuck
 * command freezing the server.
 */
let pglite: PGlite;
let shared: SharedPglite;
let dir: string;
const warnings: string[] = [];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-socket-'));
  pglite = await PGlite.create('memory://');
  await pglite.exec('CREATE TABLE events (id serial PRIMARY KEY, who text NOT NULL)');
  shared = await sharePglite(pglite, socketPathOf(dir), { onWarning: (message) => warnings.push(message), idleInTransactionMs: 300 });
});
afterAll(async () => {
  await shared.close();
  await pglite.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const client = async () => {
  const connection = new pg.Client({ host: dir, port: SOCKET_PORT, user: 'postgres', database: 'postgres' });
  connection.on('error', () => {});
  await connection.connect();
  return connection;
};
const whoRows = async () => (await pglite.query<{ who: string }>('SELECT who FROM events ORDER BY id')).rows.map((row) => row.who);

describe('PGlite shared on a Unix socket', () => {
  it('is readable and writable by its owner only', () => {
    expect(fs.statSync(socketPathOf(dir)).mode & 0o777).toBe(0o600);
  });

  it('runs parameterized queries from node-postgres', async () => {
    const connection = await client();
    try {
      const { rows } = await connection.query<{ sum: number }>('SELECT $1::int + $2::int AS sum', [2, 3]);
      expect(rows).toEqual([{ sum: 5 }]);
    } finally {
      await connection.end();
    }
  });

  it("keeps this process's queries out of a client's open transaction, and runs them after it commits", async () => {
    await pglite.exec('TRUNCATE events');
    const connection = await client();
    try {
      await connection.query('BEGIN');
      await connection.query("INSERT INTO events (who) VALUES ('client 1')");
      // The owner's write waits for the client's transaction instead of landing inside it.
      const ownerWrite = pglite.query("INSERT INTO events (who) VALUES ('owner')");
      await new Promise((resolve) => setTimeout(resolve, 100));
      await connection.query("INSERT INTO events (who) VALUES ('client 2')");
      await connection.query('ROLLBACK');
      await ownerWrite;
      expect(await whoRows()).toEqual(['owner']);
    } finally {
      await connection.end();
    }
  });

  it("keeps a client's statements out of this process's transaction", async () => {
    await pglite.exec('TRUNCATE events');
    const connection = await client();
    try {
      let clientWrite: Promise<unknown> | undefined;
      await pglite
        .transaction(async (tx) => {
          await tx.query("INSERT INTO events (who) VALUES ('owner')");
          clientWrite = connection.query("INSERT INTO events (who) VALUES ('client')");
          await new Promise((resolve) => setTimeout(resolve, 100));
          await tx.rollback();
        })
        .catch(() => {});
      await clientWrite;
      expect(await whoRows()).toEqual(['client']);
    } finally {
      await connection.end();
    }
  });

  it('serves several clients at once, one transaction at a time, losing no write', async () => {
    await pglite.exec('TRUNCATE events');
    const clients = await Promise.all([client(), client(), client()]);
    try {
      await Promise.all([
        ...clients.map(async (connection, n) => {
          for (let i = 0; i < 10; i++) {
            await connection.query('BEGIN');
            await connection.query('INSERT INTO events (who) VALUES ($1)', [`c${n}`]);
            await connection.query('INSERT INTO events (who) VALUES ($1)', [`c${n}`]);
            await connection.query('COMMIT');
          }
        }),
        ...Array.from({ length: 10 }, () => pglite.query("INSERT INTO events (who) VALUES ('owner')")),
      ]);
      const rows = await whoRows();
      expect(rows).toHaveLength(70);
      // Each client's pair of inserts is adjacent: no one else's statement ran between them.
      for (let i = 0; i < rows.length; i++) {
        if (rows[i] === 'owner') continue;
        expect(rows[i + 1]).toBe(rows[i]);
        i++;
      }
    } finally {
      await Promise.all(clients.map((connection) => connection.end()));
    }
  });

  it('rolls back a transaction whose client disconnects, and serves this process again at once', async () => {
    await pglite.exec('TRUNCATE events');
    const connection = await client();
    await connection.query('BEGIN');
    await connection.query("INSERT INTO events (who) VALUES ('gone')");
    const ownerRead = pglite.query('SELECT 1');
    (connection as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    await ownerRead;
    expect(await whoRows()).toEqual([]);
  });

  it('rolls back and drops a client that sits silent inside a transaction', async () => {
    await pglite.exec('TRUNCATE events');
    const connection = await client();
    await connection.query('BEGIN');
    await connection.query("INSERT INTO events (who) VALUES ('stuck')");
    const started = Date.now();
    await pglite.query('SELECT 1'); // waits for the idle timeout (300 ms here), not forever
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(await whoRows()).toEqual([]);
    expect(warnings.some((warning) => warning.includes('rolled it back'))).toBe(true);
    await expect(connection.query('SELECT 1')).rejects.toThrow();
  });
});
