import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAppWithServices } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { sha256Hex } from '../src/crypto/secrets.js';
import { queryRows } from '../src/db/client.js';
import { type TestApp, type TestUser, unique } from './helpers/app.js';
import { appWithOperator, type SignedIn } from './helpers/fixtures.js';

/* Soft delete, then restore or purge (by an operator, or after the retention period). */
let t: TestApp;
let op: SignedIn;
beforeAll(async () => ({ t, operator: op } = await appWithOperator()));
afterAll(() => t.close());

const asOp = (method: 'GET' | 'POST' | 'DELETE', url: string, body?: unknown) =>
  t.call(method, url, { token: op.token, body, apiKey: null });
const rows = <T = Record<string, unknown>>(query: ReturnType<typeof sql>) => queryRows<T>(t.database.db, query);
const eventsOf = (action: string, targetId: string) =>
  rows<{ actor_user_id: string | null; detail: Record<string, unknown> }>(
    sql`SELECT actor_user_id, detail FROM audit_events WHERE action = ${action} AND target_user_id = ${targetId}`,
  );

async function deletedUser(): Promise<TestUser> {
  const user = await t.registerUser();
  expect((await asOp('GET', `/operator/users/delete/${user.email}`)).status).toBe(200);
  return user;
}

/** Gives a user data in every table that hangs off users, as other features would. */
async function seedUserData(userId: string): Promise<void> {
  const [app] = await rows<{ id: number }>(sql`INSERT INTO apps (name) VALUES (${unique('app')}) RETURNING id`);
  await rows(
    sql`INSERT INTO profiles (user_id, app_id, profile_data, data_bytes) VALUES (${userId}, ${app!.id}, '{"a":1}', 7), (${userId}, ${app!.id}, '{"b":2}', 7)`,
  );
  await rows(sql`INSERT INTO user_totp (user_id, secret_encrypted) VALUES (${userId}, 'sealed')`);
  await rows(sql`INSERT INTO otp_recovery_codes (user_id, code_hash) VALUES (${userId}, 'hash')`);
}

const leftovers = async (userId: string) =>
  (
    await rows<{ users: number; profiles: number; sessions: number; totp: number; codes: number; events: number }>(sql`SELECT
      (SELECT count(*)::int FROM users WHERE id = ${userId}) AS users,
      (SELECT count(*)::int FROM profiles WHERE user_id = ${userId}) AS profiles,
      (SELECT count(*)::int FROM sessions WHERE user_id = ${userId}) AS sessions,
      (SELECT count(*)::int FROM user_totp WHERE user_id = ${userId}) AS totp,
      (SELECT count(*)::int FROM otp_recovery_codes WHERE user_id = ${userId}) AS codes,
      (SELECT count(*)::int FROM audit_events WHERE target_user_id = ${userId}) AS events`)
  )[0]!;

describe('POST /operator/users/restore', () => {
  it('brings a deleted account back: it logs in again, its old sessions stay ended, one operator.user_restored is recorded', async () => {
    const user = await t.registerUser();
    const old = await t.login(user);
    await asOp('GET', `/operator/users/delete/${user.email}`);
    const response = await asOp('POST', '/operator/users/restore', { user_id: user.id });
    expect(response.status).toBe(200);
    expect(response.body.user).toMatchObject({ user_id: user.id, email: user.email, deleted_at: null });
    expect((await t.call('GET', '/auth/verify', { token: old.token })).status).toBe(401);
    expect((await t.call('POST', '/auth/refresh', { body: { refresh_token: old.refresh_token } })).status).toBe(401);
    const { token } = await t.login(user);
    expect((await t.call('GET', '/auth/verify', { token })).status).toBe(200);
    expect(await eventsOf('operator.user_restored', user.id)).toEqual([{ actor_user_id: op.id, detail: { operator: false } }]);
  });

  it('restores an operator with the role they had', async () => {
    const other = await t.createOperator();
    await asOp('GET', `/operator/users/delete/${other.email}`);
    const response = await asOp('POST', '/operator/users/restore', { user_id: other.id });
    expect(response.body.user.operator).toBe(true);
    const { token } = await t.login(other);
    expect((await t.call('GET', '/operator/users', { token })).status).toBe(200);
  });

  it('answers 409 for an active user, 404 for an unknown one and 400 for a malformed id', async () => {
    const user = await t.registerUser();
    const active = await asOp('POST', '/operator/users/restore', { user_id: user.id });
    expect(active.status).toBe(409);
    expect(active.body.type).toBe('urn:sentinel:problem:user_not_deleted');
    expect((await asOp('POST', '/operator/users/restore', { user_id: '00000000-0000-4000-8000-000000000000' })).status).toBe(404);
    expect((await asOp('POST', '/operator/users/restore', { user_id: 'x' })).status).toBe(400);
    expect(await eventsOf('operator.user_restored', user.id)).toEqual([]);
  });
});

describe('DELETE /operator/users/:userid (purge)', () => {
  it('erases a deleted user with their profiles, sessions and TOTP data; audit events stay; email becomes free', async () => {
    const user = await t.registerUser();
    await t.login(user);
    await seedUserData(user.id);
    await asOp('GET', `/operator/users/delete/${user.email}`);
    const eventsBefore = (await leftovers(user.id)).events;

    const response = await asOp('DELETE', `/operator/users/${user.id}`);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ user_id: user.id, profiles_deleted: 2, sessions_deleted: 1 });
    expect(await leftovers(user.id)).toEqual({ users: 0, profiles: 0, sessions: 0, totp: 0, codes: 0, events: eventsBefore + 1 });
    expect(await eventsOf('operator.user_purged', user.id)).toEqual([
      { actor_user_id: op.id, detail: { profiles_deleted: 2, sessions_deleted: 1 } },
    ]);
    expect((await asOp('POST', '/operator/userinfo', { user_id: user.id })).status).toBe(404);
    // Nothing about the person is left in the trail: ids only.
    const trail = await rows(sql`SELECT action, detail FROM audit_events WHERE target_user_id = ${user.id} OR actor_user_id = ${user.id}`);
    expect(JSON.stringify(trail)).not.toContain(user.email);
    expect(JSON.stringify(trail)).not.toContain(user.username);
    // The email and username can be registered again.
    await t.registerUser({ email: user.email, username: user.username });
  });

  it('answers 409 for a user who is not deleted, 404 for an unknown or already purged one, and 400 for a malformed id', async () => {
    const user = await t.registerUser();
    const active = await asOp('DELETE', `/operator/users/${user.id}`);
    expect(active.status).toBe(409);
    expect(active.body.type).toBe('urn:sentinel:problem:user_not_deleted');
    expect((await leftovers(user.id)).users).toBe(1);
    expect((await asOp('DELETE', '/operator/users/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await asOp('DELETE', '/operator/users/1234')).status).toBe(400);
    const gone = await deletedUser();
    expect((await asOp('DELETE', `/operator/users/${gone.id}`)).status).toBe(200);
    expect((await asOp('DELETE', `/operator/users/${gone.id}`)).status).toBe(404);
    expect(await eventsOf('operator.user_purged', gone.id)).toHaveLength(1);
  });

  // Threat: a session left live (a crash between the soft delete and the revocation) outlives the purge.
  it('ends any session still live at once', async () => {
    const user = await t.registerUser();
    const { token } = await t.login(user);
    await rows(sql`UPDATE users SET deleted_at = now() WHERE id = ${user.id}`);
    // A deleted account's tokens are refused already; its session itself is still live.
    expect(await rows(sql`SELECT id FROM sessions WHERE user_id = ${user.id} AND revoked_at IS NULL`)).toHaveLength(1);
    expect((await asOp('DELETE', `/operator/users/${user.id}`)).status).toBe(200);
    expect((await t.call('GET', '/auth/verify', { token })).status).toBe(401);
  });

  it('lets exactly one of two simultaneous purges win', async () => {
    const user = await deletedUser();
    const answers = await Promise.all([asOp('DELETE', `/operator/users/${user.id}`), asOp('DELETE', `/operator/users/${user.id}`)]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 404]);
    expect(await eventsOf('operator.user_purged', user.id)).toHaveLength(1);
  });
});

describe('retention of deleted users (SENTINEL_DELETED_USER_RETENTION)', () => {
  it('reads durations, 0 or never for "keep until purged", and refuses anything else', () => {
    const read = (value: string) => loadConfig({ SENTINEL_DELETED_USER_RETENTION: value }).deletedUserRetentionSeconds;
    expect(loadConfig({}).deletedUserRetentionSeconds).toBe(30 * 86_400);
    expect(read('7d')).toBe(7 * 86_400);
    expect(read('36h')).toBe(36 * 3600);
    expect(read('0')).toBe(0);
    expect(read('never')).toBe(0);
    for (const bad of ['soon', '-1d', '1w', '1.5d']) expect(() => read(bad), bad).toThrow(/SENTINEL_DELETED_USER_RETENTION/);
  });

  const ageDeletion = (userId: string, days: number) =>
    rows(sql`UPDATE users SET deleted_at = now() - make_interval(days => ${days}) WHERE id = ${userId}`);

  it('purges users deleted longer ago than the retention, recording user.purged with no actor, and keeps the others', async () => {
    expect(t.config.deletedUserRetentionSeconds).toBe(30 * 86_400);
    const old = await deletedUser();
    const recent = await deletedUser();
    const active = await t.registerUser();
    await seedUserData(old.id);
    await ageDeletion(old.id, 31);
    await ageDeletion(recent.id, 29);

    expect(await t.services.operators.retention.purgeExpired()).toBe(1);
    expect((await leftovers(old.id)).users).toBe(0);
    expect((await leftovers(old.id)).profiles).toBe(0);
    expect((await leftovers(recent.id)).users).toBe(1);
    expect((await leftovers(active.id)).users).toBe(1);
    const [event] = await eventsOf('user.purged', old.id);
    expect(event).toMatchObject({ actor_user_id: null, detail: { reason: 'retention', retention_seconds: 30 * 86_400 } });
    // Running again finds nothing; two days later the other one goes.
    expect(await t.services.operators.retention.purgeExpired()).toBe(0);
    t.clock.advance(2 * 86_400);
    expect(await t.services.operators.retention.purgeExpired()).toBe(1);
    expect((await leftovers(recent.id)).users).toBe(0);
    expect(await eventsOf('user.purged', recent.id)).toHaveLength(1);
    // The access token issued before the jump has expired meanwhile.
    op.token = (await t.login(op)).token;
  });

  it('runs when a server on the database starts, and not at all with retention 0', async () => {
    const user = await deletedUser();
    await ageDeletion(user.id, 2);
    const secrets = { jwtSecret: t.config.jwtSecret!, bootstrapApiKeyHash: sha256Hex(t.config.apiKey!) };
    const start = async (retentionSeconds: number) => {
      const { app } = await buildAppWithServices({
        config: { ...t.config, deletedUserRetentionSeconds: retentionSeconds },
        database: t.database,
        secrets,
        logger: false,
      });
      await app.ready();
      return app;
    };

    const never = await start(0);
    await never.close();
    expect((await leftovers(user.id)).users).toBe(1);

    const daily = await start(86_400);
    for (let i = 0; i < 50 && (await leftovers(user.id)).users > 0; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    await daily.close();
    expect((await leftovers(user.id)).users).toBe(0);
    expect(await eventsOf('user.purged', user.id)).toHaveLength(1);
  });
});

describe('GET /operator/users', () => {
  let prefix: string;
  let made: TestUser[];
  beforeAll(async () => {
    prefix = unique('srch');
    made = [
      await t.registerUser({ username: `${prefix}a`, email: `${prefix}a@example.com`, first_name: 'Zora', last_name: 'Neale' }),
      await t.registerUser({ username: `${prefix}b`, email: `x${prefix}b@example.com`, first_name: 'Zelda', last_name: 'Fitz' }),
      await t.registerUser({ username: `y${prefix}c`, email: `y${prefix}c@example.com`, first_name: prefix, last_name: 'Hurston' }),
    ];
    await asOp('GET', `/operator/users/delete/${made[1]!.email}`);
  });

  const ids = (body: { users: { user_id: string }[] }) => body.users.map((user) => user.user_id);

  it('finds users by the start of their email, username or names, in any case, newest first', async () => {
    const response = await asOp('GET', `/operator/users?q=${prefix.toUpperCase()}`);
    expect(response.status).toBe(200);
    expect(ids(response.body)).toEqual([made[2]!.id, made[1]!.id, made[0]!.id]);
    expect(response.body.users[1].deleted_at).not.toBeNull();
    expect(ids((await asOp('GET', `/operator/users?q=${encodeURIComponent(`${prefix} hur`)}`)).body)).toEqual([made[2]!.id]);
    expect(ids((await asOp('GET', `/operator/users?q=x${prefix}`)).body)).toEqual([made[1]!.id]);
    expect(ids((await asOp('GET', `/operator/users?q=${prefix}&deleted=false`)).body)).toEqual([made[2]!.id, made[0]!.id]);
    expect(ids((await asOp('GET', `/operator/users?q=${prefix}&deleted=true`)).body)).toEqual([made[1]!.id]);
    // Not a substring search, and LIKE wildcards are plain characters.
    expect(ids((await asOp('GET', `/operator/users?q=${prefix.slice(2)}`)).body)).toEqual([]);
    expect(ids((await asOp('GET', '/operator/users?q=%25')).body)).toEqual([]);
    expect(ids((await asOp('GET', `/operator/users?q=${prefix.slice(0, 2)}_`)).body)).toEqual([]);
  });

  it('filters operators, and pages through everyone without repeats or gaps', async () => {
    const operators = (await asOp('GET', '/operator/users?operator=true&limit=1000')).body.users;
    expect(operators.length).toBeGreaterThan(0);
    for (const user of operators) expect(user.operator).toBe(true);

    const all = await rows<{ id: string }>(sql`SELECT id FROM users`);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const response: { status: number; body: any } = await asOp('GET', `/operator/users?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(response.status).toBe(200);
      seen.push(...ids(response.body));
      cursor = response.body.next_cursor;
    } while (cursor);
    expect(seen.sort()).toEqual(all.map((row) => row.id).sort());
  });

  it('answers 400 for a limit out of range, a non-boolean filter or a forged cursor', async () => {
    for (const query of ['limit=0', 'limit=1001', 'deleted=maybe', `cursor=${Buffer.from('[1,2]').toString('base64url')}`, 'cursor=%%%']) {
      expect((await asOp('GET', `/operator/users?${query}`)).status, query).toBe(400);
    }
  });

  it('GET /operator/users/:userid answers the user, deleted ones too, and 404 for an unknown id', async () => {
    const response = await asOp('GET', `/operator/users/${made[1]!.id}`);
    expect(response.status).toBe(200);
    expect(response.body.user).toMatchObject({ user_id: made[1]!.id, email: made[1]!.email });
    expect(response.body.user.deleted_at).not.toBeNull();
    expect((await asOp('GET', '/operator/users/00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });
});
