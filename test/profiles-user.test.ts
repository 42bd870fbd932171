import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { profiles } from '../src/db/schema.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { stored } from './helpers/stored.js';
import { loggedInOperator, loggedInUser } from './helpers/fixtures.js';
import { registerApp } from './helpers/apps.js';

let t: TestApp;
let appId: number;
let otherAppId: number;
let alice: Awaited<ReturnType<typeof loggedInUser>>;
let bob: Awaited<ReturnType<typeof loggedInUser>>;

beforeAll(async () => {
  t = await createTestApp();
  const operator = await loggedInOperator(t);
  appId = (await registerApp(t, operator.token)).id;
  otherAppId = (await registerApp(t, operator.token)).id;
  alice = await loggedInUser(t);
  bob = await loggedInUser(t);
});
afterAll(() => t.close());

const profileCount = () => stored(t.database).count(profiles);

async function create(token: string, profile_data: unknown, app = appId) {
  const response = await t.call('POST', '/user/profiles/create', { token, body: { app_id: app, profile_data } });
  expect(response.status, response.text).toBe(201);
  return response;
}

function patch(url: string, token: string, body: unknown, headers: Record<string, string> = {}) {
  return t.call('PATCH', url, {
    token,
    payload: JSON.stringify(body),
    headers: { 'content-type': 'application/merge-patch+json', ...headers },
  });
}

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

  it('answers 404 for an unknown app and 400 for a non-numeric app id or a forged cursor', async () => {
    expect((await t.call('GET', '/user/profiles/424242', { token: alice.token })).status).toBe(404);
    expect((await t.call('GET', '/user/profiles/abc', { token: alice.token })).status).toBe(400);
    expect((await t.call('GET', `/user/profiles/${appId}?cursor=bm9wZQ`, { token: alice.token })).status).toBe(400);
  });
});

describe('/user/profiles/:appid/:profile_id', () => {
  it('gets, replaces, patches and deletes a profile, bumping the version each time', async () => {
    const created = (await create(alice.token, { theme: 'dark', keep: 1 })).body.profile;
    const url = `/user/profiles/${appId}/${created.profile_id}`;

    const got = await t.call('GET', url, { token: alice.token });
    expect(got.status).toBe(200);
    expect(got.headers.etag).toBe('"1"');
    expect(got.body.profile).toEqual(created);

    const put = await t.call('PUT', url, { token: alice.token, body: { profile_data: { theme: 'light', nested: { a: 1, b: 2 } } } });
    expect(put.status).toBe(200);
    expect(put.headers.etag).toBe('"2"');
    expect(put.body.profile).toMatchObject({ version: 2, profile_data: { theme: 'light', nested: { a: 1, b: 2 } } });

    const patched = await patch(url, alice.token, { nested: { b: null, c: 3 }, extra: [1] });
    expect(patched.status).toBe(200);
    expect(patched.headers.etag).toBe('"3"');
    expect(patched.body.profile).toMatchObject({ version: 3, profile_data: { theme: 'light', nested: { a: 1, c: 3 }, extra: [1] } });
    expect(new Date(patched.body.profile.updated_at) >= new Date(created.updated_at)).toBe(true);
    expect(patched.body.profile.created_at).toBe(created.created_at);

    const deleted = await t.call('DELETE', url, { token: alice.token });
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');
    expect((await t.call('GET', url, { token: alice.token })).status).toBe(404);
    expect((await queryRows(t.database.db, sql`SELECT 1 FROM profiles WHERE id = ${created.profile_id}`)).length).toBe(0);
  });

  // Threat: one user reading or changing another user's data by guessing or leaking a profile id.
  it('answers 404 to another user on every route, and never shows or changes the data', async () => {
    const secret = (await create(alice.token, { secret: 'alice only' })).body.profile;
    const url = `/user/profiles/${appId}/${secret.profile_id}`;
    const responses = [
      await t.call('GET', url, { token: bob.token }),
      await t.call('PUT', url, { token: bob.token, body: { profile_data: { stolen: true } } }),
      await patch(url, bob.token, { stolen: true }),
      await t.call('DELETE', url, { token: bob.token }),
      // The right id under another app is not found either.
      await t.call('GET', `/user/profiles/${otherAppId}/${secret.profile_id}`, { token: alice.token }),
    ];
    for (const response of responses) {
      expect(response.status).toBe(404);
      expect(response.text).not.toContain('alice only');
    }
    const bobsList = await t.call('GET', `/user/profiles/${appId}`, { token: bob.token });
    expect(bobsList.body.profiles.map((p: { profile_id: string }) => p.profile_id)).not.toContain(secret.profile_id);
    const [row] = await queryRows<{ profile_data: unknown; version: number }>(
      t.database.db,
      sql`SELECT profile_data, version FROM profiles WHERE id = ${secret.profile_id}`,
    );
    expect(row).toEqual({ profile_data: { secret: 'alice only' }, version: 1 });
  });

  it('honours If-Match: a stale version is 412 with the current ETag, a current one or * goes through', async () => {
    const created = (await create(alice.token, { n: 0 })).body.profile;
    const url = `/user/profiles/${appId}/${created.profile_id}`;
    expect(
      (await t.call('PUT', url, { token: alice.token, body: { profile_data: { n: 1 } }, headers: { 'if-match': '"1"' } })).status,
    ).toBe(200);

    const stalePut = await t.call('PUT', url, { token: alice.token, body: { profile_data: { n: 99 } }, headers: { 'if-match': '"1"' } });
    expect(stalePut.status).toBe(412);
    expect(stalePut.body.type).toBe('urn:sentinel:problem:precondition_failed');
    expect(stalePut.headers.etag).toBe('"2"');
    const stalePatch = await patch(url, alice.token, { n: 99 }, { 'if-match': '"1"' });
    expect(stalePatch.status).toBe(412);
    const weak = await patch(url, alice.token, { n: 99 }, { 'if-match': 'W/"2"' });
    expect(weak.status).toBe(412);
    const staleDelete = await t.call('DELETE', url, { token: alice.token, headers: { 'if-match': '"1"' } });
    expect(staleDelete.status).toBe(412);
    const [row] = await queryRows<{ profile_data: unknown; version: number }>(
      t.database.db,
      sql`SELECT profile_data, version FROM profiles WHERE id = ${created.profile_id}`,
    );
    expect(row).toEqual({ profile_data: { n: 1 }, version: 2 });

    expect((await patch(url, alice.token, { n: 2 }, { 'if-match': '"7", "2"' })).status).toBe(200);
    expect((await patch(url, alice.token, { n: 3 }, { 'if-match': '*' })).status).toBe(200);
    expect((await t.call('DELETE', url, { token: alice.token, headers: { 'if-match': '"4"' } })).status).toBe(204);
  });

  it('answers 304 to If-None-Match with the current ETag', async () => {
    const created = (await create(alice.token, { n: 0 })).body.profile;
    const url = `/user/profiles/${appId}/${created.profile_id}`;
    const notModified = await t.call('GET', url, { token: alice.token, headers: { 'if-none-match': '"1"' } });
    expect(notModified.status).toBe(304);
    expect(notModified.text).toBe('');
    expect((await t.call('GET', url, { token: alice.token, headers: { 'if-none-match': '"0"' } })).status).toBe(200);
  });

  it('refuses a merge patch that is not an object, or sent as application/json, and changes nothing', async () => {
    const created = (await create(alice.token, { keep: true })).body.profile;
    const url = `/user/profiles/${appId}/${created.profile_id}`;
    for (const body of [[1, 2], 'text', 7, null]) {
      const response = await patch(url, alice.token, body);
      expect(response.status).toBe(400);
      expect(response.body.type).toBe('urn:sentinel:problem:validation_failed');
    }
    const asJson = await t.call('PATCH', url, { token: alice.token, body: { keep: false } });
    expect(asJson.status).toBe(415);
    const [row] = await queryRows<{ version: number }>(t.database.db, sql`SELECT version FROM profiles WHERE id = ${created.profile_id}`);
    expect(row!.version).toBe(1);
  });

  it('refuses a patch whose result is over the size limit with 413, keeping the old data', async () => {
    const created = (await create(alice.token, { a: 'x'.repeat(200 * 1024) })).body.profile;
    const url = `/user/profiles/${appId}/${created.profile_id}`;
    const response = await patch(url, alice.token, { b: 'y'.repeat(100 * 1024) });
    expect(response.status).toBe(413);
    expect(response.body.type).toBe('urn:sentinel:problem:profile_too_large');
    const [row] = await queryRows<{ version: number }>(t.database.db, sql`SELECT version FROM profiles WHERE id = ${created.profile_id}`);
    expect(row!.version).toBe(1);
  });

  // Threat: prototype pollution through a merge patch.
  it('merges __proto__ keys as data', async () => {
    const created = (await create(alice.token, { a: 1 })).body.profile;
    const url = `/user/profiles/${appId}/${created.profile_id}`;
    const response = await t.call('PATCH', url, {
      token: alice.token,
      payload: '{"__proto__":{"isAdmin":true},"a":null}',
      headers: { 'content-type': 'application/merge-patch+json' },
    });
    expect(response.status).toBe(200);
    expect(response.text).toContain('"profile_data":{"__proto__":{"isAdmin":true}}');
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  });

  it('answers 400 for a profile id that is not a UUID, including the urn:uuid: form', async () => {
    expect((await t.call('GET', `/user/profiles/${appId}/not-a-uuid`, { token: alice.token })).status).toBe(400);
    const urn = await t.call('GET', `/user/profiles/${appId}/urn:uuid:72c9c71b-98dc-4606-826f-bb2784d68446`, { token: alice.token });
    expect(urn.status).toBe(400);
  });
});
