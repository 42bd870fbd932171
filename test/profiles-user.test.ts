import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { profiles } from '../src/db/schema.js';
import { appWithAppsAndUsers, loggedInUser } from './helpers/fixtures.js';
import { createProfile } from './helpers/profiles.js';
import { stored } from './helpers/stored.js';

/* The user's own profiles: create and list (one profile's GET, PUT, PATCH, DELETE: profiles-user-profile.test.ts). */
// Built while the file loads (top-level await): every test here starts from two apps, and alice and bob logged in.
const { t, appIds, users } = await appWithAppsAndUsers(2, 2);
const [appId, otherAppId] = appIds;
const [alice, bob] = users;
afterAll(() => t.close());

const profileCount = () => stored(t.database).count(profiles);
const create = (token: string, profileData: unknown, app = appId) => createProfile(t, token, profileData, app);

describe('POST /user/profiles/create', () => {
  it('creates a profile at version 1 and answers the Profile with ETag and Location', async () => {
    const response = await create(alice.token, { theme: 'dark', tags: ['a', 'b'] });
    const profile = response.body.profile;
    expect(profile).toMatchObject({ user_id: alice.id, app_id: appId, profile_data: { theme: 'dark', tags: ['a', 'b'] }, version: 1 });
    expect(Object.keys(profile).sort()).toEqual(['app_id', 'created_at', 'profile_data', 'profile_id', 'updated_at', 'user_id', 'version']);
    expect(response.headers.etag).toBe('"1"');
    expect(response.headers.location).toBe(`/user/profiles/${appId}/${profile.profile_id}`);
    const [row] = await queryRows<{ profile_data: unknown; user_id: string }>(
      t.database.db,
      sql`SELECT profile_data, user_id FROM profiles WHERE id = ${profile.profile_id}`,
    );
    expect(row).toEqual({ profile_data: { theme: 'dark', tags: ['a', 'b'] }, user_id: alice.id });
  });

  it('stores any JSON value, including null, a string and an empty object', async () => {
    for (const value of [null, 'just text', 42, [1, 'two'], {}]) {
      const response = await create(alice.token, value);
      expect(response.body.profile.profile_data).toEqual(value);
    }
  });

  it('answers 404 for an app that does not exist, and writes nothing', async () => {
    const before = await profileCount();
    const response = await t.call('POST', '/user/profiles/create', { token: alice.token, body: { app_id: 999_999, profile_data: {} } });
    expect(response.status).toBe(404);
    expect(response.body.type).toBe('urn:sentinel:problem:app_not_found');
    expect(await profileCount()).toBe(before);
  });

  it.each([
    ['app_id as a string', { app_id: '1', profile_data: {} }, '/app_id'],
    ['app_id as a float', { app_id: 1.5, profile_data: {} }, '/app_id'],
    ['app_id zero', { app_id: 0, profile_data: {} }, '/app_id'],
    ['missing profile_data', { app_id: 1 }, '/profile_data'],
    ['missing app_id', { profile_data: {} }, '/app_id'],
    ['an unknown field', { app_id: 1, profile_data: {}, user_id: 'x' }, '/user_id'],
  ])('answers 400 for %s, naming the field', async (_name, body, path) => {
    const before = await profileCount();
    const response = await t.call('POST', '/user/profiles/create', { token: alice.token, body });
    expect(response.status).toBe(400);
    expect(response.body.errors.map((error: { path: string }) => error.path)).toContain(path);
    expect(await profileCount()).toBe(before);
  });

  it('answers 400 invalid_text for a NUL byte anywhere in profile_data, keys included', async () => {
    const before = await profileCount();
    const inValue = await t.call('POST', '/user/profiles/create', {
      token: alice.token,
      body: { app_id: appId, profile_data: { a: ['x\u0000y'] } },
    });
    expect(inValue.status).toBe(400);
    expect(inValue.body.type).toBe('urn:sentinel:problem:invalid_text');
    expect(inValue.body.errors[0].path).toBe('/profile_data/a/0');
    const inKey = await t.call('POST', '/user/profiles/create', {
      token: alice.token,
      body: { app_id: appId, profile_data: { 'k\u0000': 1 } },
    });
    expect(inKey.status).toBe(400);
    expect(await profileCount()).toBe(before);
  });

  it('answers 413 naming the limit when profile_data is larger than 256 KiB', async () => {
    const before = await profileCount();
    const response = await t.call('POST', '/user/profiles/create', {
      token: alice.token,
      body: { app_id: appId, profile_data: { blob: 'x'.repeat(256 * 1024) } },
    });
    expect(response.status).toBe(413);
    expect(response.body.type).toBe('urn:sentinel:problem:profile_too_large');
    expect(response.body.detail).toContain('256 KiB');
    expect(response.body.errors[0].path).toBe('/profile_data');
    expect(await profileCount()).toBe(before);
  });

  it('stores 1,000 levels of nesting intact and refuses 1,001 with a clear 400', async () => {
    const nested = (levels: number) => JSON.parse('{"a":'.repeat(levels - 1) + '[1]' + '}'.repeat(levels - 1));
    const ok = await create(alice.token, nested(1000));
    const stored = await t.call('GET', `/user/profiles/${appId}/${ok.body.profile.profile_id}`, { token: alice.token });
    expect(stored.status).toBe(200);
    expect(JSON.stringify(stored.body.profile.profile_data)).toBe(JSON.stringify(nested(1000)));

    const before = await profileCount();
    const deeper = await t.call('POST', '/user/profiles/create', {
      token: alice.token,
      body: { app_id: appId, profile_data: nested(1001) },
    });
    expect(deeper.status).toBe(400);
    expect(deeper.body.type).toBe('urn:sentinel:problem:nesting_too_deep');
    expect(deeper.body.detail).toContain('1000');
    // Far deeper than any parser stack: still a 400, not a crash.
    const absurd = await t.call('POST', '/user/profiles/create', {
      token: alice.token,
      payload: `{"app_id":${appId},"profile_data":${'['.repeat(200_000)}${']'.repeat(200_000)}}`,
      headers: { 'content-type': 'application/json' },
    });
    expect(absurd.status).toBe(400);
    expect(await profileCount()).toBe(before);
  });

  // Threat: prototype pollution through JSON keys, or such keys silently dropped.
  it('stores __proto__ and constructor keys as plain data', async () => {
    const payload = `{"app_id":${appId},"profile_data":{"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}}}}`;
    const response = await t.call('POST', '/user/profiles/create', {
      token: alice.token,
      payload,
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(201);
    expect(response.text).toContain('"__proto__":{"admin":true}');
    expect(response.text).toContain('"constructor":{"prototype":{"x":1}}');
    const [row] = await queryRows<{ data: string }>(
      t.database.db,
      sql`SELECT profile_data::text AS data FROM profiles WHERE id = ${response.body.profile.profile_id}`,
    );
    const stored = JSON.parse(row!.data) as Record<string, unknown>;
    expect(Object.hasOwn(stored, '__proto__')).toBe(true);
    expect(JSON.stringify(stored.__proto__)).toBe('{"admin":true}');
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it('answers 401 without a token and 415 for a body that is not JSON', async () => {
    expect((await t.call('POST', '/user/profiles/create', { body: { app_id: appId, profile_data: {} } })).status).toBe(401);
    const text = await t.call('POST', '/user/profiles/create', {
      token: alice.token,
      payload: 'app_id=1',
      headers: { 'content-type': 'text/plain' },
    });
    expect(text.status).toBe(415);
  });
});

describe('GET /user/profiles/:appid', () => {
  it("lists only the caller's profiles of that app, in creation order, paginated", async () => {
    const user = await loggedInUser(t);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await create(user.token, { i })).body.profile.profile_id);
    await create(user.token, { elsewhere: true }, otherAppId);
    await create(bob.token, { bob: true });

    const first = await t.call('GET', `/user/profiles/${appId}?limit=2`, { token: user.token });
    expect(first.status).toBe(200);
    expect(first.body.profiles.map((p: { profile_id: string }) => p.profile_id)).toEqual(ids.slice(0, 2));
    const seen = [...first.body.profiles];
    let cursor = first.body.next_cursor;
    while (cursor) {
      const next = await t.call('GET', `/user/profiles/${appId}?limit=2&cursor=${cursor}`, { token: user.token });
      seen.push(...next.body.profiles);
      cursor = next.body.next_cursor;
    }
    expect(seen.map((p) => p.profile_id)).toEqual(ids);
    expect(seen.every((p) => p.user_id === user.id && p.app_id === appId)).toBe(true);
  });

  it('answers an empty list, not a 404, for an app where the caller has no profile', async () => {
    const user = await loggedInUser(t);
    const response = await t.call('GET', `/user/profiles/${otherAppId}`, { token: user.token });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ profiles: [], next_cursor: null });
  });

  it('answers 404 for an unknown app and 400 for a non-numeric app id or a forged cursor', async () => {
    expect((await t.call('GET', '/user/profiles/424242', { token: alice.token })).status).toBe(404);
    expect((await t.call('GET', '/user/profiles/abc', { token: alice.token })).status).toBe(400);
    expect((await t.call('GET', `/user/profiles/${appId}?cursor=bm9wZQ`, { token: alice.token })).status).toBe(400);
  });
});
