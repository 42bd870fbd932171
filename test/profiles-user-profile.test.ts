import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { appWithAppsAndUsers } from './helpers/fixtures.js';
import { createProfile, mergePatch } from './helpers/profiles.js';

/* One of the user's own profiles: GET, PUT, PATCH and DELETE /user/profiles/:appid/:profile_id (create and list: profiles-user.test.ts). */
// Built while the file loads (top-level await): every test here starts from two apps, and alice and bob logged in.
const { t, appIds, users } = await appWithAppsAndUsers(2, 2);
const [appId, otherAppId] = appIds;
const [alice, bob] = users;
afterAll(() => t.close());

const create = (token: string, profileData: unknown, app = appId) => createProfile(t, token, profileData, app);
const patch = (url: string, token: string, body: unknown, headers: Record<string, string> = {}) => mergePatch(t, url, token, body, headers);

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
