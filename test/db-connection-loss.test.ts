import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { sha256Hex } from '../src/crypto/secrets.js';
import { openDatabase, queryRows, type Database } from '../src/db/client.js';
import { isDatabaseUnavailable } from '../src/db/errors.js';
import { createTestApp, type TestApp, type TestResponse } from './helpers/app.js';
import { loggedInOperator } from './helpers/fixtures.js';
import { registerApp } from './helpers/apps.js';
import { testEngine } from './helpers/database.js';
import { tcpProxy } from './helpers/tcp-proxy.js';
import { terminateConnections } from './helpers/terminate.js';

/*
 * PostgreSQL restarts, fails over, or has its connections killed by an operator. Threat: one
 * dropped connection used to kill the whole process (an `error` event on a pool client
 * checked out for a transaction, with no listener).
 */
describe.runIf(testEngine === 'postgres')('a PostgreSQL connection lost under load', () => {
  let t: TestApp;
  let admin: pg.Client;
  let appId: number;

  beforeAll(async () => {
    t = await createTestApp();
    admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await admin.connect();
    appId = (await registerApp(t, (await loggedInOperator(t)).token)).id;
  });
  afterAll(async () => {
    await admin.end();
    await t.close();
  });

  const terminateAll = () => terminateConnections(admin, t.databaseUrl!);

  /**
   * Terminates all of the app's connections `rounds` times, 250 ms apart, while `load` runs
   * until `storming()` turns false; answers how many connections were terminated.
   */
  const underTerminations = async (rounds: number, load: (storming: () => boolean) => Promise<unknown>) => {
    let storming = true;
    let terminated = 0;
    const storm = (async () => {
      for (let round = 0; round < rounds; round++) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        terminated += await terminateAll();
      }
      storming = false;
    })();
    await load(() => storming);
    await storm;
    return terminated;
  };

  /** A request that has not answered within 10 s hangs: the test fails instead of waiting. */
  const answer = <T>(request: Promise<T>): Promise<T> =>
    Promise.race([request, new Promise<T>((_, reject) => setTimeout(() => reject(new Error('the request hung')), 10_000))]);

  interface Client {
    token: string;
    refreshToken: string;
    profileId: string;
    /** What a 200 said was written: key -> value. */
    acknowledged: Record<string, number>;
  }

  const answers: TestResponse[] = [];
  const mergePatch = async (client: Client, key: string, value: number) => {
    const response = await answer(
      t.call('PATCH', `/user/profiles/${appId}/${client.profileId}`, {
        token: client.token,
        payload: JSON.stringify({ [key]: value }),
        headers: { 'content-type': 'application/merge-patch+json' },
      }),
    );
    answers.push(response);
    if (response.status === 200) client.acknowledged[key] = value;
    return response;
  };
  /**
   * A 503 does not say whether the rotation committed. The client retries the same refresh
   * token, as a client would: within the grace window that gets the successor it may have
   * missed, and must not end the session as a reuse (a 401 below would fail the test).
   */
  const refresh = async (client: Client) => {
    let response = await answer(t.call('POST', '/auth/refresh', { body: { refresh_token: client.refreshToken } }));
    answers.push(response);
    const first = response;
    while (response.status === 503) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      response = await answer(t.call('POST', '/auth/refresh', { body: { refresh_token: client.refreshToken } }));
      answers.push(response);
    }
    if (response.status === 200) {
      client.token = response.body.token;
      client.refreshToken = response.body.refresh_token;
    }
    return first;
  };

  it('a transaction whose connection dies before COMMIT rejects as "database unavailable" (a 503) and writes nothing', async () => {
    const table = `commit_probe_${Date.now()}`;
    const attempt = t.database.db.transaction(async (tx) => {
      await tx.execute(sql.raw(`CREATE TABLE ${table} (id int)`));
      const [row] = await queryRows<{ pid: number }>(tx, sql`SELECT pg_backend_pid() AS pid`);
      await admin.query('SELECT pg_terminate_backend($1)', [row!.pid]);
      await new Promise((resolve) => setTimeout(resolve, 100));
    });
    const error = await attempt.then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(isDatabaseUnavailable(error)).toBe(true);
    const [found] = await queryRows<{ name: string | null }>(t.database.db, sql`SELECT to_regclass(${table})::text AS name`);
    expect(found!.name).toBeNull();
  });

  it('PATCH /user/profiles and POST /auth/refresh: the process survives, answers 200 or 503 with Retry-After, recovers, and loses no acknowledged write', async () => {
    const clients: Client[] = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const user = await t.registerUser();
        const session = await t.login(user);
        const created = await t.call('POST', '/user/profiles/create', { token: session.token, body: { app_id: appId, profile_data: {} } });
        return {
          token: session.token,
          refreshToken: session.refresh_token,
          profileId: created.body.profile.profile_id,
          acknowledged: {},
        };
      }),
    );

    const terminated = await underTerminations(10, (storming) =>
      Promise.all(
        clients.map(async (client, i) => {
          for (let n = 0; storming(); n++) {
            await (n % 2 === 0 ? mergePatch(client, `key${n}`, i * 1000 + n) : refresh(client));
          }
        }),
      ),
    );

    const failures = answers.filter((response) => response.status !== 200);
    expect(terminated).toBeGreaterThan(0);
    expect(failures.length).toBeGreaterThan(0); // the terminations did hit requests
    for (const response of failures) {
      expect(response.status, response.text).toBe(503);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.body.type).toBe('urn:sentinel:problem:database_unavailable');
      expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
    }

    // No restart: once the terminations stop, every request succeeds again.
    await new Promise((resolve) => setTimeout(resolve, 200));
    for (const [i, client] of clients.entries()) {
      expect((await mergePatch(client, 'after', i)).status).toBe(200);
      expect((await refresh(client)).status).toBe(200);
    }
    expect((await t.call('GET', '/readyz')).status).toBe(200);

    // What a 200 acknowledged is stored.
    for (const client of clients) {
      const [row] = await queryRows<{ profile_data: Record<string, number> }>(
        t.database.db,
        sql`SELECT profile_data FROM profiles WHERE id = ${client.profileId}`,
      );
      expect(row!.profile_data).toMatchObject(client.acknowledged);
    }
  });

  it('POST /auth/login and GET /user/profiles/:appid (statements outside Drizzle): 200 or 503, recovery, and no session without its login event', async () => {
    const readers = await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const user = await t.registerUser();
        const session = await t.login(user);
        await t.call('POST', '/user/profiles/create', { token: session.token, body: { app_id: appId, profile_data: { n: i } } });
        return { user, token: session.token, n: i };
      }),
    );
    const logIn = async (reader: (typeof readers)[number]) => {
      const response = await answer(t.call('POST', '/auth/login', { body: { email: reader.user.email, password: reader.user.password } }));
      if (response.status === 200) reader.token = response.body.token;
      return response;
    };
    const readProfiles = async (reader: (typeof readers)[number]) => {
      const response = await answer(t.call('GET', `/user/profiles/${appId}`, { token: reader.token }));
      if (response.status === 200) expect(response.body.profiles.map((p: any) => p.profile_data)).toEqual([{ n: reader.n }]);
      return response;
    };

    const seen: TestResponse[] = [];
    const terminated = await underTerminations(8, (storming) =>
      Promise.all(
        readers.map(async (reader) => {
          for (let n = 0; storming(); n++) seen.push(await (n % 3 === 0 ? logIn(reader) : readProfiles(reader)));
        }),
      ),
    );

    const failures = seen.filter((response) => response.status !== 200);
    expect(terminated).toBeGreaterThan(0);
    expect(failures.length).toBeGreaterThan(0);
    for (const response of failures) {
      expect(response.status, response.text).toBe(503);
      expect(response.body.type).toBe('urn:sentinel:problem:database_unavailable');
      expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
    }

    await new Promise((resolve) => setTimeout(resolve, 200));
    for (const reader of readers) {
      expect((await logIn(reader)).status).toBe(200);
      expect((await readProfiles(reader)).status).toBe(200);
    }
    // A login's session and its login.succeeded event commit together or not at all.
    const [orphans] = await queryRows<{ count: number }>(
      t.database.db,
      sql`SELECT count(*)::int AS count FROM sessions s
          WHERE s.user_id IN (${sql.join(
            readers.map((reader) => sql`${reader.user.id}::uuid`),
            sql`, `,
          )})
            AND NOT EXISTS (SELECT 1 FROM audit_events a WHERE a.action = 'login.succeeded' AND a.detail->>'session_id' = s.id::text)`,
    );
    expect(orphans!.count).toBe(0);
  });
});

/*
 * Threat: a process whose LISTEN connection dropped keeps accepting tokens that another
 * process revoked (logout, password change) for as long as they live.
 */
describe.runIf(testEngine === 'postgres')('the LISTEN connection for revocations, terminated', () => {
  let a: TestApp;
  let admin: pg.Client;
  const others: { app: FastifyInstance; database: Database }[] = [];

  beforeAll(async () => {
    a = await createTestApp();
    admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await admin.connect();
  });
  afterAll(async () => {
    for (const other of others) {
      await other.app.close();
      await other.database.close();
    }
    await admin.end();
    await a.close();
  });

  /** A second process on A's database, told apart in pg_stat_activity by its application name. */
  const secondProcess = async (name: string, revocationPollMs: number, databaseUrl = a.databaseUrl!) => {
    const url = new URL(databaseUrl);
    url.searchParams.set('application_name', name);
    const database = await openDatabase({ url: url.toString(), poolSize: 2 });
    const app = await buildApp({
      config: a.config,
      database,
      secrets: { jwtSecret: a.config.jwtSecret!, bootstrapApiKeyHash: sha256Hex(a.config.apiKey!) },
      logger: false,
      revocationPollMs,
    });
    await app.ready();
    others.push({ app, database });
    return app;
  };
  const listenerPids = async (name: string) =>
    (
      await admin.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND query LIKE 'LISTEN%'", [name])
    ).rows.map((row) => row.pid);
  const terminateListener = async (name: string) => {
    const pids = await listenerPids(name);
    expect(pids).toHaveLength(1);
    await admin.query('SELECT pg_terminate_backend($1)', [pids[0]]);
    return pids[0]!;
  };
  const refusedWithin = async (app: FastifyInstance, token: string, ms: number) => {
    const deadline = Date.now() + ms;
    for (;;) {
      const response = await app.inject({ method: 'GET', url: '/auth/verify', headers: { authorization: `Bearer ${token}` } });
      if (response.statusCode === 401) return true;
      if (Date.now() > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const loggedInSession = async () => (await a.login(await a.registerUser())).token;

  it('GET /auth/verify on B refuses a token logged out through A, after B reconnected and listens again', async () => {
    // B polls too rarely to matter: only a working LISTEN can pass this test.
    const b = await secondProcess('sentinel_b', 60_000);
    const token = await loggedInSession();
    const old = await terminateListener('sentinel_b');
    let pids: number[] = [];
    for (const deadline = Date.now() + 5000; Date.now() < deadline && (pids.length === 0 || pids.includes(old));) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      pids = await listenerPids('sentinel_b');
    }
    expect(pids).toHaveLength(1);
    expect(pids[0]).not.toBe(old);

    expect((await a.call('GET', '/auth/logout', { token })).status).toBe(200);
    expect(await refusedWithin(b, token, 1000)).toBe(true);
  });

  it('GET /auth/verify on D refuses a token logged out through A, after the server refused D for a while and came back', async () => {
    const proxy = await tcpProxy(a.databaseUrl!);
    try {
      const d = await secondProcess('sentinel_d', 60_000, proxy.url);
      const token = await loggedInSession();
      // Cut D off, long enough for a reconnection attempt to fail, then let it back.
      await proxy.stop();
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await proxy.start();
      const deadline = Date.now() + 6000;
      while (Date.now() < deadline && (await listenerPids('sentinel_d')).length === 0) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(await listenerPids('sentinel_d')).toHaveLength(1);

      expect((await a.call('GET', '/auth/logout', { token })).status).toBe(200);
      expect(await refusedWithin(d, token, 1000)).toBe(true);
    } finally {
      await proxy.close();
    }
  });

  it('GET /auth/verify on C refuses a token logged out through A while its LISTEN connection was down', async () => {
    const c = await secondProcess('sentinel_c', 500);
    const token = await loggedInSession();
    expect((await c.inject({ method: 'GET', url: '/auth/verify', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(200);
    // The notification goes out while C is disconnected (it waits a second before reconnecting): the poll must catch it.
    await terminateListener('sentinel_c');
    expect((await a.call('GET', '/auth/logout', { token })).status).toBe(200);
    expect(await refusedWithin(c, token, 3000)).toBe(true);
  });
});
