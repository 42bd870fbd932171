import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { users } from '../src/db/schema.js';
import { type TestApp, unique } from './helpers/app.js';
import { stored } from './helpers/stored.js';
import { appWithOperator, type SignedIn } from './helpers/fixtures.js';

let t: TestApp;
let operator: SignedIn;
beforeAll(async () => ({ t, operator } = await appWithOperator()));
afterAll(() => t.close());

const MD5_OF_PASSWORD = '5f4dcc3b5aa765d61d8327deb882cf99'; // md5("password")
const userCount = () => stored(t.database).count(users);

function item(overrides: Record<string, unknown> = {}, info: Record<string, unknown> = {}) {
  const username = unique('imp');
  return {
    user_info: { username, email: `${username}@example.com`, first_name: 'Imported', last_name: 'User', ...info },
    password_hash: MD5_OF_PASSWORD,
    hash_algorithm: 'md5',
    ...overrides,
  };
}

const importUsers = (users: unknown[], query = '', token = operator.token) =>
  t.call('POST', `/operator/users/import${query}`, { body: { users }, token, apiKey: null });

describe('POST /operator/users/import', () => {
  it('creates the good items and answers every item in order, skipping the bad ones with their reason', async () => {
    const existing = await t.registerUser();
    const first = item();
    const items = [
      first,
      item({}, { email: existing.email.toUpperCase() }),
      item({}, { username: existing.username }),
      item({}, { email: first.user_info.email }),
      item({ hash_algorithm: 'sha3' }),
      item({ password_hash: 'not-a-digest' }),
      item({ password_hash: '$2x$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234', hash_algorithm: 'bcrypt' }),
      item({}, { email: 'not-an-email' }),
      item({ password: 'correct horse battery' }),
      { ...item(), password_hash: undefined, hash_algorithm: undefined },
      item({ hash_algorithm: 'SHA256', password_hash: 'XohImNooBHFR0OVvjcYpJ3NgPQ1qq73WKhHvch0VQtg=' }),
    ];
    const before = await userCount();
    const response = await importUsers(items);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ dry_run: false, created: 2, would_create: 0, skipped: 9 });
    const results = response.body.results;
    expect(results.map((r: { index: number }) => r.index)).toEqual(items.map((_, i) => i));
    expect(results.map((r: { status: string; reason?: string }) => r.reason ?? r.status)).toEqual([
      'created',
      'email_taken',
      'username_taken',
      'duplicate',
      'unknown_hash_algorithm',
      'invalid_password_hash',
      'invalid_password_hash',
      'invalid',
      'password_required',
      'password_required',
      'created',
    ]);
    expect(results[3].detail).toContain('item 0');
    expect(results[7].errors).toContainEqual({ path: '/user_info/email', message: 'must match format "email"' });
    expect(await userCount()).toBe(before + 2);

    const [stored] = await queryRows<{ id: string; password_hash: string; password_algorithm: string }>(
      t.database.db,
      sql`SELECT id, password_hash, password_algorithm FROM users WHERE email = ${first.user_info.email}`,
    );
    expect(stored).toEqual({ id: results[0].user_id, password_hash: MD5_OF_PASSWORD, password_algorithm: 'md5' });
    const [base64] = await queryRows<{ password_hash: string; password_algorithm: string }>(
      t.database.db,
      sql`SELECT password_hash, password_algorithm FROM users WHERE id = ${results[10].user_id}`,
    );
    expect(base64).toEqual({
      password_hash: '5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8',
      password_algorithm: 'sha256',
    });
    expect(response.text).not.toContain(MD5_OF_PASSWORD);
  });

  it('hashes a plaintext password with argon2id, and the user logs in with it', async () => {
    const plain = item({ password_hash: undefined, hash_algorithm: undefined, password: 'a plaintext password' });
    const response = await importUsers([plain]);
    expect(response.body.results[0].status).toBe('created');
    const [row] = await queryRows<{ password_hash: string; password_algorithm: string }>(
      t.database.db,
      sql`SELECT password_hash, password_algorithm FROM users WHERE id = ${response.body.results[0].user_id}`,
    );
    expect(row!.password_algorithm).toBe('argon2id');
    expect(row!.password_hash).toMatch(/^\$argon2id\$/);
    expect((await t.call('POST', '/auth/login', { body: { email: plain.user_info.email, password: 'a plaintext password' } })).status).toBe(
      200,
    );
  });

  it('imports users who then log in with their old password', async () => {
    const imported = item();
    await importUsers([imported]);
    const wrong = await t.call('POST', '/auth/login', { body: { email: imported.user_info.email, password: 'Password' } });
    expect(wrong.status).toBe(401);
    const right = await t.call('POST', '/auth/login', { body: { email: imported.user_info.email, password: 'password' } });
    expect(right.status).toBe(200);
  });

  it('with ?dry_run=true answers what would happen and writes nothing, not even the good items', async () => {
    const existing = await t.registerUser();
    const items = [
      item(),
      item({}, { email: existing.email }),
      item({ hash_algorithm: 'rot13' }),
      item({ password: 'correct horse battery', password_hash: undefined, hash_algorithm: undefined }),
    ];
    const before = await userCount();
    const response = await importUsers(items, '?dry_run=true');
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ dry_run: true, created: 0, would_create: 2, skipped: 2 });
    expect(response.body.results.map((r: { status: string; reason?: string }) => r.reason ?? r.status)).toEqual([
      'would_create',
      'email_taken',
      'unknown_hash_algorithm',
      'would_create',
    ]);
    expect(response.body.results[0].user_id).toBeUndefined();
    expect(await userCount()).toBe(before);

    const real = await importUsers(items.slice(0, 1));
    expect(real.body.created).toBe(1);
  });

  it('records one audit event per request, with the counts and the operator as actor', async () => {
    const response = await importUsers([item(), item({ hash_algorithm: 'nope' })]);
    expect(response.status).toBe(200);
    const events = await queryRows<{ actor_user_id: string; target_user_id: string | null; detail: Record<string, unknown> }>(
      t.database.db,
      sql`SELECT actor_user_id, target_user_id, detail FROM audit_events WHERE action = 'users.imported' ORDER BY id DESC LIMIT 1`,
    );
    expect(events[0]).toEqual({
      actor_user_id: operator.id,
      target_user_id: null,
      detail: { source: 'api', dry_run: false, items: 2, created: 1, would_create: 0, skipped: 1 },
    });
    expect(JSON.stringify(events[0])).not.toContain(MD5_OF_PASSWORD);
  });

  it('imports 10,000 users in one request, past the ordinary 1 MiB body limit', async () => {
    const prefix = unique('bulk');
    const users = Array.from({ length: 10_000 }, (_, i) => ({
      user_info: { username: `${prefix}_${i}`, email: `${prefix}_${i}@example.com`, first_name: 'Bulk', last_name: `Number ${i}` },
      password_hash: '$1$guOdeAd/$gPspgDX1nGVnusmsinVuu/',
      hash_algorithm: 'md5-crypt',
    }));
    expect(JSON.stringify({ users }).length).toBeGreaterThan(t.config.bodyLimitBytes);
    const response = await importUsers(users);
    expect(response.status).toBe(200);
    expect(response.body.created).toBe(10_000);
    const [row] = await queryRows<{ n: number }>(
      t.database.db,
      sql`SELECT count(*)::int AS n FROM users WHERE username LIKE ${`${prefix}_%`}`,
    );
    expect(row!.n).toBe(10_000);
  });

  it('answers 400 for more than 10,000 users or none, writing nothing', async () => {
    const before = await userCount();
    const tooMany = await importUsers(Array.from({ length: 10_001 }, () => ({})));
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.errors[0].path).toBe('/users');
    const none = await importUsers([]);
    expect(none.status).toBe(400);
    const notObjects = await importUsers(['alice', 42]);
    expect(notObjects.status).toBe(400);
    expect(await userCount()).toBe(before);
  });

  // Threat: anyone but an operator planting accounts with passwords they know.
  it('answers 401 without a token and 403 for a user who is not an operator, before reading the body', async () => {
    const before = await userCount();
    const anonymous = await t.call('POST', '/operator/users/import', { body: { users: [item()] }, apiKey: null });
    expect(anonymous.status).toBe(401);
    const user = await t.registerUser();
    const { token } = await t.login(user);
    const forbidden = await importUsers([item()], '', token);
    expect(forbidden.status).toBe(403);
    const forbiddenInvalid = await t.call('POST', '/operator/users/import', { body: { nonsense: true }, token, apiKey: null });
    expect(forbiddenInvalid.status).toBe(403);
    expect(await userCount()).toBe(before + 1);
  });

  it('never creates an operator, whatever the item says', async () => {
    const response = await importUsers([{ ...item(), operator: true }]);
    expect(response.body.results[0]).toMatchObject({ status: 'skipped', reason: 'invalid' });
    expect(response.body.results[0].errors).toContainEqual({ path: '/operator', message: 'is not a known field' });
  });

  it('carries email_verified as the source had it (a boolean), and skips an item whose value is not one', async () => {
    const verified = item({ email_verified: true });
    const unverified = item({ email_verified: false });
    const absent = item();
    const wrong = item({ email_verified: 'perhaps' });
    const response = await importUsers([verified, unverified, absent, wrong]);
    expect(response.status).toBe(200);
    expect(response.body.results.map((result: { status: string }) => result.status)).toEqual(['created', 'created', 'created', 'skipped']);
    expect(response.body.results[3]).toMatchObject({
      reason: 'invalid',
      errors: [{ path: '/email_verified', message: 'must be true or false' }],
    });
    const flags = [];
    for (const result of response.body.results.slice(0, 3)) {
      flags.push((await t.call('GET', `/operator/users/${result.user_id}`, { token: operator.token })).body.user.email_verified);
    }
    expect(flags).toEqual([true, false, false]);
  });
});
