import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import type { AuditAction } from '../src/modules/audit/audit-log.js';
import { users as usersTable } from '../src/db/schema.js';
import { type TestApp, unique } from './helpers/app.js';
import { auditEventsOf } from './helpers/audit.js';
import { appWithOperator, loggedInOperator, type SignedIn } from './helpers/fixtures.js';
import { stored } from './helpers/stored.js';

/* The soft delete at the original's path, and the list of deleted users (restore and purge: operators-lifecycle.test.ts). */
let t: TestApp;
let op: SignedIn;
beforeAll(async () => ({ t, operator: op } = await appWithOperator()));
afterAll(() => t.close());

const storedUser = async (id: string) => ({ deleted: (await stored(t.database).row(usersTable, { id }))!.deletedAt !== null });

const eventsOf = (action: AuditAction, targetId: string) => auditEventsOf(t, action, targetId);

const asOp = (method: 'GET' | 'POST' | 'DELETE', url: string, body?: unknown) =>
  t.call(method, url, { token: op.token, body, apiKey: null });

describe('GET /operator/users/delete/:email', () => {
  it('soft-deletes the user: their token is refused at once, login fails, and one operator.user_deleted is recorded', async () => {
    const user = await t.registerUser();
    const { token } = await t.login(user);
    const response = await asOp('GET', `/operator/users/delete/${encodeURIComponent(user.email)}`);
    expect(response.status).toBe(200);
    expect(response.body.user_id).toBe(user.id);
    expect((await storedUser(user.id))!.deleted).toBe(true);
    expect((await t.call('GET', '/auth/verify', { token })).status).toBe(401);
    expect((await t.call('POST', '/auth/login', { body: { email: user.email, password: user.password } })).status).toBe(401);
    expect(await eventsOf('operator.user_deleted', user.id)).toEqual([
      { actor_user_id: op.id, target_user_id: user.id, detail: { sessions_ended: 1 } },
    ]);
  });

  it('finds emails with +, URL-encoded characters and another case', async () => {
    const user = await t.registerUser({ email: `${unique('o.k+tag')}@Example.com` });
    const raw = user.email.toUpperCase().replace('@', '%40').replace('+', '%2B');
    const response = await asOp('GET', `/operator/users/delete/${raw}`);
    expect(response.status).toBe(200);
    expect(response.body.user_id).toBe(user.id);
    const plus = await t.registerUser({ email: `${unique('plus+')}@example.com` });
    expect((await asOp('GET', `/operator/users/delete/${plus.email}`)).body.user_id).toBe(plus.id);
  });

  it('answers 404 for an unknown email, 400 for one that is not an email or holds NUL, 409 when already deleted', async () => {
    expect((await asOp('GET', '/operator/users/delete/ghost%40example.com')).status).toBe(404);
    for (const path of ['not-an-email', 'a%20b%40example.com', 'a%00b%40example.com', 'x%2Fy', '%E2%80%AE%40x']) {
      const response = await asOp('GET', `/operator/users/delete/${path}`);
      expect(response.status, path).toBe(400);
    }
    const broken = await asOp('GET', '/operator/users/delete/a%ZZ%40example.com');
    expect(broken.status).toBe(400);
    expect(broken.headers['content-type']).toMatch(/^application\/problem\+json/);
    const user = await t.registerUser();
    expect((await asOp('GET', `/operator/users/delete/${user.email}`)).status).toBe(200);
    const again = await asOp('GET', `/operator/users/delete/${user.email}`);
    expect(again.status).toBe(409);
    expect(again.body.type).toBe('urn:sentinel:problem:user_deleted');
  });

  // Threat: a removed operator keeps a live token.
  it("deleting another operator refuses that operator's old token on /operator/* at once", async () => {
    const other = await loggedInOperator(t);
    expect((await asOp('GET', `/operator/users/delete/${other.email}`)).status).toBe(200);
    const refused = await t.call('GET', '/operator/users', { token: other.token });
    expect(refused.status).toBe(401);
  });
});

describe('GET /operator/users/deleted', () => {
  it('lists soft-deleted users, most recently deleted first, page by page', async () => {
    const users = [await t.registerUser(), await t.registerUser(), await t.registerUser()];
    for (const user of users) await asOp('GET', `/operator/users/delete/${user.email}`);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const response: { status: number; body: any } = await asOp(
        'GET',
        `/operator/users/deleted?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(response.status).toBe(200);
      expect(response.body.users.length).toBeLessThanOrEqual(2);
      for (const user of response.body.users) expect(user.deleted_at).not.toBeNull();
      seen.push(...response.body.users.map((user: { user_id: string }) => user.user_id));
      cursor = response.body.next_cursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.slice(0, 3)).toEqual(users.map((user) => user.id).reverse());
    const total = await queryRows<{ n: number }>(t.database.db, sql`SELECT count(*)::int AS n FROM users WHERE deleted_at IS NOT NULL`);
    expect(seen).toHaveLength(total[0]!.n);
  });

  it('answers 400 for a forged cursor, even one shaped like a real one', async () => {
    const id = '00000000-0000-4000-8000-000000000000';
    for (const key of [
      ['yesterday', 'x'],
      ['2026-13-01T00:00:00.000000Z', id],
      ['2026-02-31T00:00:00.000000Z', id],
      ['2026-01-01T24:00:00.000000Z', id],
      ['2026-01-01T00:00:00.000000Z', 'x'],
    ]) {
      const forged = Buffer.from(JSON.stringify(key)).toString('base64url');
      const response = await asOp('GET', `/operator/users/deleted?cursor=${forged}`);
      expect(response.status, key[0]).toBe(400);
      expect(response.body.errors[0].path).toBe('querystring/cursor');
    }
    const real = Buffer.from(JSON.stringify(['2026-01-01T00:00:00.000000Z', id])).toString('base64url');
    expect((await asOp('GET', `/operator/users/deleted?cursor=${real}`)).status).toBe(200);
  });
});
