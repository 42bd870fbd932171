import { sql } from 'drizzle-orm';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { profiles } from '../src/db/schema.js';
import { type TestApp, type TestUser } from './helpers/app.js';
import { stored } from './helpers/stored.js';
import { appWithOperator, type SignedIn } from './helpers/fixtures.js';
import { registerApp } from './helpers/apps.js';

let t: TestApp;
let operator: SignedIn;
let appA: number;
let appB: number;
let users: TestUser[];

beforeAll(async () => {
  // The 20,000-profile test puts thousands of profiles on each of three users.
  ({ t, operator } = await appWithOperator({ env: { SENTINEL_MAX_PROFILES_PER_USER_APP: '10000' } }));
  appA = (await registerApp(t, operator.token)).id;
  appB = (await registerApp(t, operator.token)).id;
  users = [];
  for (let i = 0; i < 3; i++) users.push(await t.registerUser());
});
afterAll(() => t.close());

const profileCount = () => stored(t.database).count(profiles);
const bulk = (profiles: unknown, token = operator.token) => t.call('POST', '/operator/profile/create-bulk', { token, body: { profiles } });
const item = (i: number, overrides: Record<string, unknown> = {}) => ({
  app_id: appA,
  user_id: users[i % users.length]!.id,
  profile_data: { i },
  ...overrides,
});

describe('POST /operator/profile/create-bulk', () => {
  it('creates profiles for several users and apps, answering ids in request order', async () => {
    const request = [item(0), item(1, { app_id: appB }), item(2, { profile_data: ['any', 'json'] }), item(0, { profile_data: null })];
    const response = await bulk(request);
    expect(response.status).toBe(201);
    expect(response.body.created).toBe(4);
    expect(response.body.profiles.map((p: { user_id: string; app_id: number }) => [p.user_id, p.app_id])).toEqual(
      request.map((r) => [r.user_id, r.app_id]),
    );

    const ids = response.body.profiles.map((p: { profile_id: string }) => p.profile_id);
    const rows = await queryRows<{ id: string; profile_data: unknown; version: number; created_at: string }>(
      t.database.db,
      sql`SELECT id, profile_data, version, created_at::text AS created_at FROM profiles WHERE id = ANY(${`{${ids.join(',')}}`}::uuid[]) ORDER BY seq`,
    );
    expect(rows.map((row) => row.id)).toEqual(ids);
    expect(rows.map((row) => row.profile_data)).toEqual(request.map((r) => r.profile_data));
    expect(rows.every((row) => row.version === 1)).toBe(true);
    expect(new Set(rows.map((row) => row.created_at)).size).toBe(1);

    const listed = await t.call('GET', `/operator/users/profile/${users[0]!.id}/${appA}`, { token: operator.token });
    expect(listed.body.profiles.slice(-2).map((p: { profile_id: string }) => p.profile_id)).toEqual([ids[0], ids[3]]);
  });

  it('writes nothing when one item in the middle names an unknown user, and names that item', async () => {
    const before = await profileCount();
    const request = Array.from({ length: 30 }, (_, i) => item(i));
    request[17] = item(17, { user_id: randomUUID() });
    const response = await bulk(request);
    expect(response.status).toBe(422);
    expect(response.body.type).toBe('urn:sentinel:problem:invalid_profiles');
    expect(response.body.errors).toEqual([{ path: '/profiles/17/user_id', message: 'no such user, or the account is deleted' }]);
    expect(response.body.detail).toContain('1 of 30');
    expect(await profileCount()).toBe(before);
  });

  it('names every failing item at once: unknown app, deleted user, oversize and too deep data', async () => {
    const deleted = await t.registerUser();
    const session = await t.login(deleted);
    expect((await t.call('GET', '/user/delete', { token: session.token })).status).toBe(200);
    const before = await profileCount();
    const request = Array.from({ length: 12 }, (_, i) => item(i));
    request[3] = item(3, { app_id: 987_654 });
    request[5] = item(5, { user_id: deleted.id });
    request[7] = item(7, { profile_data: { blob: 'x'.repeat(256 * 1024) } });
    request[9] = item(9, { profile_data: JSON.parse('['.repeat(1001) + ']'.repeat(1001)) });
    const response = await bulk(request);
    expect(response.status).toBe(422);
    expect(response.body.errors.map((error: { path: string }) => error.path)).toEqual([
      '/profiles/3/app_id',
      '/profiles/5/user_id',
      '/profiles/7/profile_data',
      '/profiles/9/profile_data',
    ]);
    expect(response.body.errors[2].message).toContain('256 KiB');
    expect(await profileCount()).toBe(before);
  });

  it.each([
    ['app_id as a string', { app_id: String(1) }, '/profiles/2/app_id'],
    ['app_id as a float', { app_id: 1.5 }, '/profiles/2/app_id'],
    ['a user_id that is not a UUID', { user_id: 'someone' }, '/profiles/2/user_id'],
    ['a missing profile_data', { profile_data: undefined }, '/profiles/2/profile_data'],
    ['an unknown field', { extra: 1 }, '/profiles/2/extra'],
  ])('answers 400 for %s, naming the item, and writes nothing', async (_name, overrides, path) => {
    const before = await profileCount();
    const response = await bulk([item(0), item(1), item(2, overrides), item(0)]);
    expect(response.status).toBe(400);
    expect(response.body.errors.map((error: { path: string }) => error.path)).toContain(path);
    expect(await profileCount()).toBe(before);
  });

  it('names every item with a bad shape, beyond the usual 100-error cap', async () => {
    const request = Array.from({ length: 150 }, (_, i) => item(i, { app_id: 'one' }));
    const response = await bulk(request);
    expect(response.status).toBe(400);
    expect(new Set(response.body.errors.map((error: { path: string }) => error.path)).size).toBe(150);
  });

  it('answers 400 for an empty, missing or non-array profiles', async () => {
    for (const body of [{ profiles: [] }, {}, { profiles: { 0: item(0) } }]) {
      const response = await t.call('POST', '/operator/profile/create-bulk', { token: operator.token, body });
      expect(response.status).toBe(400);
      expect(response.body.errors[0].path).toMatch(/^\/profiles/);
    }
  });

  it('answers 400 invalid_text for a NUL byte inside an item', async () => {
    const response = await bulk([item(0), item(1, { profile_data: { note: 'a\u0000b' } })]);
    expect(response.status).toBe(400);
    expect(response.body.errors[0].path).toBe('/profiles/1/profile_data/note');
  });

  it('answers 403 to a user who is not an operator, before reading the body', async () => {
    const user = await t.registerUser();
    const { token } = await t.login(user);
    const before = await profileCount();
    expect((await bulk([item(0)], token)).status).toBe(403);
    expect(await profileCount()).toBe(before);
  });

  it('accepts upper-case user ids and answers them in canonical lower case', async () => {
    const response = await bulk([item(0, { user_id: users[0]!.id.toUpperCase() })]);
    expect(response.status).toBe(201);
    expect(response.body.profiles[0].user_id).toBe(users[0]!.id);
  });

  it('records one audit event for the whole request', async () => {
    const response = await bulk([item(0), item(1), item(2, { app_id: appB })]);
    expect(response.status).toBe(201);
    const events = await queryRows<{ actor_user_id: string; detail: { count: number; users: number; app_ids: number[] } }>(
      t.database.db,
      sql`SELECT actor_user_id, detail FROM audit_events WHERE action = 'profile.bulk_created_by_operator' ORDER BY id DESC LIMIT 1`,
    );
    expect(events[0]!.actor_user_id).toBe(operator.id);
    expect(events[0]!.detail).toEqual({ count: 3, users: 3, app_ids: [appA, appB] });
  });

  it('takes 20,000 profiles (a body over the 1 MiB default limit) in several batches, in request order', async () => {
    const before = await profileCount();
    const request = Array.from({ length: 20_000 }, (_, i) =>
      item(i, { profile_data: { i, plan: i % 2 ? 'pro' : 'free', note: 'lorem ipsum dolor sit amet' } }),
    );
    expect(JSON.stringify({ profiles: request }).length).toBeGreaterThan(1024 * 1024);
    const response = await bulk(request);
    expect(response.status).toBe(201);
    expect(response.body.created).toBe(20_000);
    expect(await profileCount()).toBe(before + 20_000);
    const stored = await queryRows<{ i: number }>(
      t.database.db,
      sql`SELECT (profile_data->>'i')::int AS i FROM profiles WHERE created_at = (SELECT max(created_at) FROM profiles) ORDER BY seq`,
    );
    expect(stored.map((row) => row.i)).toEqual(request.map((_, i) => i));
  });
});
