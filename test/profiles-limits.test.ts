import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import type { TestApp } from './helpers/app.js';
import { loggedInUser, appWithOperator, type SignedIn } from './helpers/fixtures.js';
import { registerApp } from './helpers/apps.js';

// Small limits, so a test reaches them in a few requests: 5 profiles per user and app,
// 4 KiB of profile_data per user, 1 KiB per profile.
const PER_APP = 5;
const USER_BYTES = 4096;

let t: TestApp;
let operator: SignedIn;
let appA: number;
let appB: number;

beforeAll(async () => {
  ({ t, operator } = await appWithOperator({
    env: {
      SENTINEL_MAX_PROFILES_PER_USER_APP: String(PER_APP),
      SENTINEL_MAX_PROFILE_BYTES_PER_USER: '4KiB',
      SENTINEL_PROFILE_MAX_BYTES: '1KiB',
    },
  }));
  appA = (await registerApp(t, operator.token)).id;
  appB = (await registerApp(t, operator.token)).id;
});
afterAll(() => t.close());

/** profile_data of exactly `bytes` bytes as JSON: {"s":"xxx..."}. */
const ofSize = (bytes: number) => ({ s: 'x'.repeat(bytes - 8) });

const create = (token: string, app: number, profile_data: unknown) =>
  t.call('POST', '/user/profiles/create', { token, body: { app_id: app, profile_data } });
const mergePatch = (url: string, token: string, body: unknown) =>
  t.call('PATCH', url, { token, payload: JSON.stringify(body), headers: { 'content-type': 'application/merge-patch+json' } });
const stored = async (userId: string) =>
  (
    await queryRows<{ n: number; bytes: number }>(
      t.database.db,
      sql`SELECT count(*)::int AS n, coalesce(sum(data_bytes), 0)::int AS bytes FROM profiles WHERE user_id = ${userId}`,
    )
  )[0]!;

describe('profiles per user and app (SENTINEL_MAX_PROFILES_PER_USER_APP)', () => {
  it('POST /user/profiles/create answers 409 profile_limit_reached past the limit, writes nothing, and leaves other apps open', async () => {
    const user = await loggedInUser(t);
    for (let i = 0; i < PER_APP; i++) expect((await create(user.token, appA, { i })).status).toBe(201);
    const refused = await create(user.token, appA, { i: 'one too many' });
    expect(refused.status).toBe(409);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.body).toMatchObject({ type: 'urn:sentinel:problem:profile_limit_reached', status: 409 });
    expect(refused.body.detail).toContain(`the limit is ${PER_APP}`);
    expect((await stored(user.id)).n).toBe(PER_APP);
    expect((await create(user.token, appB, { other: 'app' })).status).toBe(201);
  });

  it('DELETE /user/profiles/:appid/:profile_id makes room for a new profile', async () => {
    const user = await loggedInUser(t);
    const ids: string[] = [];
    for (let i = 0; i < PER_APP; i++) ids.push((await create(user.token, appA, { i })).body.profile.profile_id);
    expect((await create(user.token, appA, {})).status).toBe(409);
    expect((await t.call('DELETE', `/user/profiles/${appA}/${ids[0]}`, { token: user.token })).status).toBe(204);
    expect((await create(user.token, appA, {})).status).toBe(201);
  });

  it('POST /operator/users/profile/:userid/:appid counts against the same limit', async () => {
    const user = await loggedInUser(t);
    for (let i = 0; i < PER_APP; i++) expect((await create(user.token, appA, { i })).status).toBe(201);
    const refused = await t.call('POST', `/operator/users/profile/${user.id}/${appA}`, {
      token: operator.token,
      body: { profile_data: { by: 'operator' } },
    });
    expect(refused.status).toBe(409);
    expect(refused.body.type).toBe('urn:sentinel:problem:profile_limit_reached');
    expect((await stored(user.id)).n).toBe(PER_APP);
  });
});

describe('profile_data bytes per user (SENTINEL_MAX_PROFILE_BYTES_PER_USER)', () => {
  it('POST /user/profiles/create answers 409 profile_bytes_limit_reached when all apps together would pass the limit', async () => {
    const user = await loggedInUser(t);
    // 1,000 bytes each in UTF-8 ("é" is two bytes): 4,000 bytes in two apps.
    const kilobyte = { s: 'é'.repeat(496) };
    expect(Buffer.byteLength(JSON.stringify(kilobyte))).toBe(1000);
    for (const app of [appA, appA, appB, appB]) expect((await create(user.token, app, kilobyte)).status).toBe(201);
    expect(await stored(user.id)).toEqual({ n: 4, bytes: 4000 });

    const refused = await create(user.token, appB, ofSize(97));
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({
      type: 'urn:sentinel:problem:profile_bytes_limit_reached',
      errors: [{ path: '/profile_data', message: expect.stringContaining('4097 bytes') }],
    });
    expect(refused.body.detail).toContain('4 KiB');
    expect((await create(user.token, appB, ofSize(96))).status).toBe(201);
    expect(await stored(user.id)).toEqual({ n: 5, bytes: USER_BYTES });
  });

  it('PUT and PATCH that grow a profile past the limit answer 409 and keep the data; shrinking writes pass', async () => {
    const user = await loggedInUser(t);
    for (let i = 0; i < 3; i++) await create(user.token, appA, ofSize(1024));
    await create(user.token, appB, ofSize(500));
    const profile = (await create(user.token, appB, ofSize(500))).body.profile;
    const url = `/user/profiles/${appB}/${profile.profile_id}`;
    expect((await stored(user.id)).bytes).toBe(4072);

    expect((await t.call('PUT', url, { token: user.token, body: { profile_data: ofSize(524) } })).status).toBe(200);
    expect((await stored(user.id)).bytes).toBe(USER_BYTES);
    const put = await t.call('PUT', url, { token: user.token, body: { profile_data: ofSize(525) } });
    expect(put.status).toBe(409);
    expect(put.body.type).toBe('urn:sentinel:problem:profile_bytes_limit_reached');
    const patched = await mergePatch(url, user.token, { n: 1 });
    expect(patched.status).toBe(409);
    expect(patched.body.type).toBe('urn:sentinel:problem:profile_bytes_limit_reached');
    const current = await t.call('GET', url, { token: user.token });
    expect(current.body.profile).toMatchObject({ version: 2, profile_data: ofSize(524) });

    const shrunk = await mergePatch(url, user.token, { s: 'short' });
    expect(shrunk.status).toBe(200);
    expect((await stored(user.id)).bytes).toBe(3572 + 13);
  });

  it('POST /operator/profile/create-bulk names each item that does not fit, and writes nothing', async () => {
    const full = await loggedInUser(t);
    const heavy = await loggedInUser(t);
    for (let i = 0; i < 3; i++) await create(full.token, appA, { i });
    const item = (userId: string, app: number, profile_data: unknown) => ({ user_id: userId, app_id: app, profile_data });
    const response = await t.call('POST', '/operator/profile/create-bulk', {
      token: operator.token,
      body: {
        profiles: [
          item(full.id, appA, { n: 4 }),
          item(heavy.id, appA, ofSize(1024)),
          item(full.id, appA, { n: 5 }),
          item(full.id, appA, { n: 6 }),
          item(full.id, appB, { n: 1 }),
          item(heavy.id, appB, ofSize(1024)),
          item(heavy.id, appB, ofSize(1024)),
          item(heavy.id, appB, ofSize(1024)),
          item(heavy.id, appB, ofSize(8)),
          item(full.id, appA, { n: 7 }),
        ],
      },
    });
    expect(response.status).toBe(422);
    expect(response.body.type).toBe('urn:sentinel:problem:invalid_profiles');
    expect(response.body.errors.map((error: { path: string }) => error.path)).toEqual([
      '/profiles/3',
      '/profiles/8/profile_data',
      '/profiles/9',
    ]);
    expect(response.body.errors[0].message).toContain(`would be profile 6 of this user in app ${appA}; the limit is ${PER_APP}`);
    expect(response.body.errors[1].message).toContain('4104 bytes; the limit is 4 KiB');
    expect(await stored(full.id)).toMatchObject({ n: 3 });
    expect(await stored(heavy.id)).toMatchObject({ n: 0 });
  });
});

describe('limits under concurrency', () => {
  // Threat: concurrent writes each see room under the limit and together overshoot it.
  it('20 concurrent POST /user/profiles/create at a limit of 5 create exactly 5', async () => {
    const user = await loggedInUser(t);
    const statuses = (await Promise.all(Array.from({ length: 20 }, (_, i) => create(user.token, appA, { i })))).map((r) => r.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(PER_APP);
    expect(statuses.filter((status) => status === 409)).toHaveLength(20 - PER_APP);
    expect((await stored(user.id)).n).toBe(PER_APP);
  });

  it('20 concurrent creates of 1,000 bytes under a 4 KiB limit store exactly 4', async () => {
    const user = await loggedInUser(t);
    const writes = Array.from({ length: 20 }, (_, i) => create(user.token, i % 2 ? appA : appB, ofSize(1000)));
    const statuses = (await Promise.all(writes)).map((r) => r.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(4);
    expect(await stored(user.id)).toEqual({ n: 4, bytes: 4000 });
  });

  it('concurrent bulk and single creates for one user never pass the limit', async () => {
    const user = await loggedInUser(t);
    const bulk = () =>
      t.call('POST', '/operator/profile/create-bulk', {
        token: operator.token,
        body: { profiles: [1, 2, 3].map((n) => ({ user_id: user.id, app_id: appA, profile_data: { bulk: n } })) },
      });
    const responses = await Promise.all([
      bulk(),
      ...Array.from({ length: 4 }, (_, i) => create(user.token, appA, { single: i })),
      bulk(),
      ...Array.from({ length: 4 }, (_, i) => create(user.token, appA, { single: i + 4 })),
    ]);
    const created = responses.reduce((sum, r) => sum + (r.status === 201 ? (r.body.created ?? 1) : 0), 0);
    expect(responses.every((r) => [201, 409, 422].includes(r.status))).toBe(true);
    expect((await stored(user.id)).n).toBe(created);
    expect(created).toBeLessThanOrEqual(PER_APP);
    expect(created).toBeGreaterThanOrEqual(PER_APP - 2);
  });
});
