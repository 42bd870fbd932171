import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anotherProcess, createTestApp, testEngine, type TestApp } from './helpers/app.js';
import { loggedInOperator, loggedInUser } from './helpers/fixtures.js';
import { within } from './helpers/eventually.js';

const verify = (app: FastifyInstance, token: string) =>
  app.inject({ method: 'GET', url: '/auth/verify', headers: { authorization: `Bearer ${token}` } });

/*
 * Scaling out means several `sentinel serve` processes on one PostgreSQL, each keeping the
 * users and sessions that tokens name in memory. Threat: one of them keeps accepting a session
 * revoked through another, or serving an account as it was (an operator role, an email, a
 * deleted account) after another process or a script changed it.
 */
describe.runIf(testEngine === 'postgres')('revocations and account changes across processes on one PostgreSQL', () => {
  let a: TestApp;
  let b: Awaited<ReturnType<typeof anotherProcess>>;

  beforeAll(async () => {
    a = await createTestApp();
    // A slow poll, so only LISTEN/NOTIFY can make the test pass in time.
    b = await anotherProcess(a, { revocationPollMs: 60_000 });
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  it('refuses on B, within a second, a token logged out through A', async () => {
    const user = await a.registerUser();
    const session = await a.login(user);
    const verifyOnB = () => b.app.inject({ method: 'GET', url: '/auth/verify', headers: { authorization: `Bearer ${session.token}` } });
    expect((await verifyOnB()).statusCode).toBe(200);

    expect((await a.call('GET', '/auth/logout', { token: session.token })).status).toBe(200);
    const deadline = Date.now() + 1000;
    let status = 200;
    while (Date.now() < deadline && status === 200) {
      status = (await verifyOnB()).statusCode;
      if (status === 200) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(status).toBe(401);
  });

  it('loads sessions revoked before it started', async () => {
    const user = await a.registerUser();
    const session = await a.login(user);
    await a.call('GET', '/auth/logout', { token: session.token });
    const c = await anotherProcess(a);
    try {
      const response = await c.app.inject({ method: 'GET', url: '/auth/verify', headers: { authorization: `Bearer ${session.token}` } });
      expect(response.statusCode).toBe(401);
    } finally {
      await c.close();
    }
  });

  const seenOnB = (token: string, check: (body: any, status: number) => boolean) =>
    within(1000, async () => {
      const response = await verify(b.app, token);
      return check(response.json(), response.statusCode);
    });

  it('B answers a changed email, within a second of the change through A', async () => {
    const user = await loggedInUser(a);
    expect((await verify(b.app, user.token)).json().user.email).toBe(user.email);
    const email = `new-${user.email}`;
    expect((await a.call('POST', '/user/userinfo/update', { token: user.token, body: { email } })).status).toBe(200);
    expect(await seenOnB(user.token, (body) => body.user?.email === email)).toBe(true);
  });

  it('B answers an operator role granted through A within a second, and lets the token into /operator/*', async () => {
    const operator = await loggedInOperator(a);
    const user = await loggedInUser(a);
    expect((await verify(b.app, user.token)).json().user.operator).toBe(false);
    await a.call('POST', '/operator/userinfo/update', { token: operator.token, body: { user_id: user.id, operator: true } });
    expect(await seenOnB(user.token, (body) => body.user?.operator === true)).toBe(true);
    const list = await b.app.inject({ method: 'GET', url: '/operator/users', headers: { authorization: `Bearer ${user.token}` } });
    expect(list.statusCode).toBe(200);
  });

  it('B refuses, within a second, the token of a user deleted straight in the database (no session ended, no call to Sentinel)', async () => {
    const user = await loggedInUser(a);
    expect((await verify(b.app, user.token)).statusCode).toBe(200);
    await a.database.db.execute(sql`UPDATE users SET deleted_at = now() WHERE id = ${user.id}`);
    expect(await seenOnB(user.token, (_body, status) => status === 401)).toBe(true);
  });

  it('B refuses, within a second, the token of a user purged from the database', async () => {
    const user = await loggedInUser(a);
    expect((await verify(b.app, user.token)).statusCode).toBe(200);
    await a.database.db.execute(sql`DELETE FROM users WHERE id = ${user.id}`);
    expect(await seenOnB(user.token, (_body, status) => status === 401)).toBe(true);
  });

  it('B reads from the database while its LISTEN connection is down, so no change is missed meanwhile', async () => {
    const admin = new pg.Client({ connectionString: a.databaseUrl });
    await admin.connect();
    try {
      const user = await loggedInUser(a);
      expect((await verify(b.app, user.token)).json().user.last_name).toBe('User');
      const { rows } = await admin.query<{ pid: number }>(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()",
      );
      // A's listener and B's.
      expect(rows.length).toBe(2);
      await admin.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [rows.map((row) => row.pid)]);
      // Wait until B has noticed (it reconnects a second later): the change below goes unannounced to it.
      await new Promise((resolve) => setTimeout(resolve, 200));
      await admin.query("UPDATE users SET last_name = 'Unannounced' WHERE id = $1", [user.id]);
      expect((await verify(b.app, user.token)).json().user.last_name).toBe('Unannounced');
    } finally {
      await admin.end();
    }
  });
});
