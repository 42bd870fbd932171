import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, type TestUser } from './helpers/app.js';
import { loggedInUser, appWithOperator, type SignedIn } from './helpers/fixtures.js';
import { registerApp } from './helpers/apps.js';

let t: TestApp;
let operator: SignedIn;
let appId: number;
let otherAppId: number;
let alice: TestUser;
let bob: TestUser;
let ids: Record<string, string>;

beforeAll(async () => {
  ({ t, operator } = await appWithOperator());
  appId = (await registerApp(t, operator.token)).id;
  otherAppId = (await registerApp(t, operator.token)).id;
  alice = await t.registerUser();
  bob = await t.registerUser();
  const seed = [
    ['alicePro', alice, appId, { plan: 'pro', tags: ['beta', 'eu'], limits: { seats: 5 } }],
    ['aliceFree', alice, appId, { plan: 'free', tags: ['eu'] }],
    ['bobPro', bob, appId, { plan: 'pro', tags: ['us'], limits: { seats: 5, storage: 10 } }],
    ['bobProElsewhere', bob, otherAppId, { plan: 'pro' }],
  ] as const;
  const response = await t.call('POST', '/operator/profile/create-bulk', {
    token: operator.token,
    body: { profiles: seed.map(([, user, app, data]) => ({ user_id: user.id, app_id: app, profile_data: data })) },
  });
  expect(response.status).toBe(201);
  ids = Object.fromEntries(seed.map(([name], i) => [name, response.body.profiles[i].profile_id]));
});
afterAll(() => t.close());

const search = (query: string, token = operator.token) => t.call('GET', `/operator/profiles?${query}`, { token });
const idsOf = (body: { profiles: { profile_id: string }[] }) => body.profiles.map((p) => p.profile_id);
const contains = (value: unknown) => `contains=${encodeURIComponent(JSON.stringify(value))}`;

describe('GET /operator/profiles', () => {
  it('finds profiles of one app whose data contains the JSON, in creation order', async () => {
    const response = await search(`app_id=${appId}&${contains({ plan: 'pro' })}`);
    expect(response.status).toBe(200);
    expect(idsOf(response.body)).toEqual([ids.alicePro, ids.bobPro]);
    expect(response.body.profiles[0]).toMatchObject({ user_id: alice.id, app_id: appId, profile_data: { plan: 'pro' } });
  });

  it('matches nested objects and array elements the way jsonb @> does', async () => {
    expect(idsOf((await search(`app_id=${appId}&${contains({ tags: ['eu'] })}`)).body)).toEqual([ids.alicePro, ids.aliceFree]);
    expect(idsOf((await search(`app_id=${appId}&${contains({ limits: { storage: 10 } })}`)).body)).toEqual([ids.bobPro]);
    expect(idsOf((await search(`app_id=${appId}&${contains({ plan: 'enterprise' })}`)).body)).toEqual([]);
  });

  it('filters by user_id, lists the whole app without contains, and pages with a cursor', async () => {
    expect(idsOf((await search(`app_id=${appId}&user_id=${bob.id}&${contains({ plan: 'pro' })}`)).body)).toEqual([ids.bobPro]);
    const first = await search(`app_id=${appId}&limit=2`);
    expect(idsOf(first.body)).toEqual([ids.alicePro, ids.aliceFree]);
    const second = await search(`app_id=${appId}&limit=2&cursor=${first.body.next_cursor}`);
    expect(idsOf(second.body)).toEqual([ids.bobPro]);
    expect(second.body.next_cursor).toBeNull();
  });

  it.each([
    ['contains that is not JSON', () => `app_id=${appId}&contains=%7Bplan`, 'querystring/contains'],
    ['contains with an escaped NUL', () => `app_id=${appId}&contains=${encodeURIComponent('{"a":"\\u0000"}')}`, 'querystring/contains'],
    ['a missing app_id', () => `${contains({ plan: 'pro' })}`, 'querystring/app_id'],
    ['app_id that is not a number', () => 'app_id=one', 'querystring/app_id'],
    ['user_id that is not a UUID', () => `app_id=${appId}&user_id=bob`, 'querystring/user_id'],
  ])('answers 400 for %s', async (_name, query, path) => {
    const response = await search(query());
    expect(response.status).toBe(400);
    expect(response.body.errors.map((error: { path: string }) => error.path)).toContain(path);
  });

  it('answers 404 for an unknown app and 403 to non-operators', async () => {
    expect((await search(`app_id=424242&${contains({})}`)).status).toBe(404);
    const user = await loggedInUser(t);
    expect((await search(`app_id=${appId}`, user.token)).status).toBe(403);
  });
});
