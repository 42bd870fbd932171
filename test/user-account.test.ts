import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { createTestApp, type TestApp, unique } from './helpers/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const storedUser = async (id: string) =>
  (
    await queryRows<{ username: string; email: string; first_name: string; deleted_at: Date | null }>(
      t.database.db,
      sql`SELECT username, email, first_name, deleted_at FROM users WHERE id = ${id}`,
    )
  )[0]!;

describe('POST /user/userinfo/update', () => {
  it('changes the given fields only and answers the updated User', async () => {
    const user = await t.registerUser({ first_name: 'Ada', last_name: 'Lovelace' });
    const { token } = await t.login(user);
    const newUsername = unique('renamed');
    const response = await t.call('POST', '/user/userinfo/update', { token, body: { username: newUsername, first_name: 'Augusta' } });
    expect(response.status).toBe(200);
    expect(response.body.user).toMatchObject({ username: newUsername, first_name: 'Augusta', last_name: 'Lovelace', email: user.email });
    expect(Date.parse(response.body.user.updated_at)).toBeGreaterThanOrEqual(Date.parse(response.body.user.created_at));
    expect(await storedUser(user.id)).toMatchObject({ username: newUsername, first_name: 'Augusta' });
    // The new username logs in.
    expect((await t.call('POST', '/auth/login', { body: { username: newUsername, password: user.password } })).status).toBe(200);
  });

  it("answers 409 for another user's email or username, in any case, and changes nothing", async () => {
    const taken = await t.registerUser();
    const user = await t.registerUser();
    const { token } = await t.login(user);
    const byEmail = await t.call('POST', '/user/userinfo/update', { token, body: { email: taken.email.toUpperCase() } });
    expect(byEmail.status).toBe(409);
    expect(byEmail.body.type).toBe('urn:sentinel:problem:email_taken');
    const byUsername = await t.call('POST', '/user/userinfo/update', {
      token,
      body: { username: taken.username.toUpperCase(), first_name: 'X' },
    });
    expect(byUsername.status).toBe(409);
    expect(await storedUser(user.id)).toMatchObject({ email: user.email, username: user.username, first_name: 'Test' });
  });

  it('lets a user change the case of their own email', async () => {
    const user = await t.registerUser();
    const { token } = await t.login(user);
    const response = await t.call('POST', '/user/userinfo/update', { token, body: { email: user.email.toUpperCase() } });
    expect(response.status).toBe(200);
    expect(response.body.user.email).toBe(user.email.toUpperCase());
  });

  it.each([
    ['an empty body', {}, ''],
    ['an unknown field', { operator: true }, '/operator'],
    ['a bad email', { email: 'nope' }, '/email'],
    ['a username of one letter', { username: 'a' }, '/username'],
    ['a null name', { first_name: null }, '/first_name'],
  ])('answers 400 for %s and changes nothing', async (_name, body, path) => {
    const user = await t.registerUser();
    const { token } = await t.login(user);
    const response = await t.call('POST', '/user/userinfo/update', { token, body });
    expect(response.status).toBe(400);
    expect(response.body.errors.map((error: { path: string }) => error.path)).toContain(path);
    expect(await storedUser(user.id)).toMatchObject({ email: user.email, username: user.username });
  });

  it('cannot make the caller an operator', async () => {
    // Threat: privilege escalation through the self-service update.
    const user = await t.registerUser();
    const { token } = await t.login(user);
    await t.call('POST', '/user/userinfo/update', { token, body: { operator: true } });
    const [row] = await queryRows<{ operator: boolean }>(t.database.db, sql`SELECT operator FROM users WHERE id = ${user.id}`);
    expect(row!.operator).toBe(false);
  });
});

describe('GET /user/delete', () => {
  it('soft-deletes the account and ends all its sessions at once', async () => {
    const user = await t.registerUser();
    const first = await t.login(user);
    const second = await t.login(user);
    expect((await t.call('GET', '/user/delete', { token: first.token })).status).toBe(200);
    expect((await storedUser(user.id)).deleted_at).not.toBeNull();
    for (const session of [first, second]) {
      expect((await t.call('GET', '/auth/verify', { token: session.token })).status).toBe(401);
      expect((await t.call('POST', '/auth/refresh', { body: { refresh_token: session.refresh_token } })).status).toBe(401);
    }
    const events = await queryRows<{ action: string }>(
      t.database.db,
      sql`SELECT action FROM audit_events WHERE target_user_id = ${user.id} AND action = 'user.deleted'`,
    );
    expect(events).toHaveLength(1);
  });

  it('keeps the email and username reserved while the account is soft-deleted', async () => {
    const user = await t.registerUser();
    const { token } = await t.login(user);
    await t.call('GET', '/user/delete', { token });
    const again = await t.call('POST', '/auth/register', {
      body: { user_info: { username: unique('other'), email: user.email }, password: 'another password' },
    });
    expect(again.status).toBe(409);
  });

  it('refuses to delete the last operator (409), and allows it once another operator exists', async () => {
    // A database of its own: the shared one may hold other operators.
    const app = await createTestApp();
    try {
      const operator = await app.createOperator();
      const { token } = await app.login(operator);
      const refused = await app.call('GET', '/user/delete', { token });
      expect(refused.status).toBe(409);
      expect(refused.body.type).toBe('urn:sentinel:problem:last_operator');
      expect((await app.call('GET', '/auth/verify', { token })).status).toBe(200);

      await app.createOperator();
      expect((await app.call('GET', '/user/delete', { token })).status).toBe(200);
    } finally {
      await app.close();
    }
  });
});
