import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { sha256Hex } from '../src/crypto/secrets.js';
import { openDatabase, queryRows, type Database } from '../src/db/client.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { cliEnv, startServer, tempDir } from './helpers/cli.js';
import { createTestDatabase, testEngine, type TestDatabase } from './helpers/database.js';
import { tcpProxy, type TcpProxy } from './helpers/tcp-proxy.js';

let t: TestApp;
const secretsOf = (app: TestApp) => ({ jwtSecret: app.config.jwtSecret!, bootstrapApiKeyHash: sha256Hex(app.config.apiKey!) });
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe('GET /healthz and GET /readyz', () => {
  it('GET /healthz answers 200 without credentials', async () => {
    const response = await t.call('GET', '/healthz', { apiKey: null });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ok' });
  });

  it('GET /readyz answers 200 with the database check when the database answers and is migrated', async () => {
    const response = await t.call('GET', '/readyz', { apiKey: null });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ready', checks: { database: { status: 'ok' } } });
  });

  it('GET /readyz answers 503 while the database lacks a migration this version ships', async () => {
    const [removed] = await queryRows<{ hash: string; created_at: string }>(
      t.database.db,
      sql`DELETE FROM drizzle.__drizzle_migrations WHERE created_at = (SELECT max(created_at) FROM drizzle.__drizzle_migrations) RETURNING hash, created_at`,
    );
    try {
      const response = await t.call('GET', '/readyz', { apiKey: null });
      expect(response.status).toBe(503);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.body).toMatchObject({
        type: 'urn:sentinel:problem:not_ready',
        status: 503,
        detail: 'database: the database lacks migrations this version needs (run sentinel migrate)',
        checks: { database: { status: 'failed' } },
      });
    } finally {
      await t.database.db.execute(
        sql`INSERT INTO drizzle.__drizzle_migrations (hash, created_at) VALUES (${removed!.hash}, ${removed!.created_at})`,
      );
    }
    expect((await t.call('GET', '/readyz')).status).toBe(200);
  });

  it('GET /readyz answers 503 once the process drains, while it still serves everything else with Connection: close', async () => {
    // A second app on the same database: draining cannot be undone.
    const draining = await buildApp({ config: t.config, database: t.database, secrets: secretsOf(t), logger: false });
    try {
      draining.readiness.drain();
      const ready = await draining.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toMatchObject({ type: 'urn:sentinel:problem:not_ready', detail: 'shutdown: shutting down' });
      const live = await draining.inject({ method: 'GET', url: '/healthz' });
      expect(live.statusCode).toBe(200);
      expect(live.headers.connection).toBe('close');
    } finally {
      await draining.close();
    }
  });
});

/* PostgreSQL going away and coming back, played by a TCP relay in front of the test database. */
describe.runIf(testEngine === 'postgres')('GET /readyz when PostgreSQL goes away', () => {
  let proxy: TcpProxy;
  let database: Database;
  let app: FastifyInstance;

  beforeAll(async () => {
    proxy = await tcpProxy(t.databaseUrl!);
    database = await openDatabase({ url: proxy.url, poolSize: 2, connectTimeoutMs: 1000 });
    app = await buildApp({
      config: t.config,
      database,
      secrets: secretsOf(t),
      logger: false,
    });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await database.close();
    await proxy.close();
  });

  it('turns 503 while the server is unreachable, and 200 again once it is back, without a restart', async () => {
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);

    await proxy.stop();
    const started = Date.now();
    const down = await app.inject({ method: 'GET', url: '/readyz' });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(down.statusCode).toBe(503);
    expect(down.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(down.json()).toMatchObject({
      type: 'urn:sentinel:problem:not_ready',
      checks: { database: { status: 'failed', message: 'the database does not answer' } },
    });
    // Requests needing the database get a 503 to retry, not a 500.
    const request = await app.inject({ method: 'GET', url: '/health' });
    expect(request.statusCode).toBe(503);
    expect(request.json()).toMatchObject({ type: 'urn:sentinel:problem:database_unavailable' });
    expect(request.headers['retry-after']).toBe('2');
    // /healthz does not depend on the database: the process itself is fine.
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);

    await proxy.start();
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
  });
});

describe('sentinel serve on SIGTERM', () => {
  let postgres: TestDatabase | undefined;
  afterAll(async () => postgres?.drop());

  it('answers 503 on GET /readyz during the grace period while still serving, then exits 0', async () => {
    if (testEngine === 'postgres') {
      postgres = await createTestDatabase();
      await postgres.database.close();
    }
    const server = await startServer(cliEnv({ SENTINEL_DATA_DIR: tempDir(), DATABASE_URL: postgres?.url, SENTINEL_SHUTDOWN_GRACE: '3' }));
    try {
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
      const exited = server.stop();
      const sent = Date.now();
      let ready = 200;
      while (ready === 200 && Date.now() - sent < 2000) ready = (await fetch(`${server.url}/readyz`)).status;
      expect(ready).toBe(503);
      const live = await fetch(`${server.url}/healthz`);
      expect(live.status).toBe(200);
      expect(live.headers.get('connection')).toBe('close');
      expect(await exited).toBe(0);
      expect(Date.now() - sent).toBeGreaterThanOrEqual(2500);
    } finally {
      server.child.kill('SIGKILL');
    }
  }, 90_000);
});
