import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { profiles } from '../src/db/schema.js';
import type { TestApp } from './helpers/app.js';
import { stored } from './helpers/stored.js';
import { appWithOperatorAppAndUser, type SignedIn } from './helpers/fixtures.js';

let t: TestApp;
let operator: SignedIn;
let appId: number;
let user: SignedIn;

beforeAll(async () => {
  ({ t, operator, appId, user } = await appWithOperatorAppAndUser());
});
afterAll(() => t.close());

const profileCount = () => stored(t.database).count(profiles);
/** A raw JSON body: the numbers must reach the server as written, not as JavaScript would print them. */
const createRaw = (profileData: string) =>
  t.call('POST', '/user/profiles/create', {
    token: user.token,
    payload: `{"app_id": ${appId}, "profile_data": ${profileData}}`,
    headers: { 'content-type': 'application/json' },
  });

describe('numbers in profile_data that JSON cannot carry exactly', () => {
  it.each([
    ['1e400', /too large/],
    ['-1e400', /too large/],
    ['9007199254740993', /beyond ±9007199254740991/],
    ['-9007199254740992', /beyond ±9007199254740991/],
    ['1e-400', /too small/],
  ])('POST /user/profiles/create answers 400 for %s with the pointer of the number, and stores nothing', async (number, message) => {
    const before = await profileCount();
    const response = await createRaw(`{"stats": {"scores": [1, ${number}]}}`);
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject({
      type: 'urn:sentinel:problem:validation_failed',
      errors: [{ path: '/profile_data/stats/scores/1', message: expect.stringMatching(message) }],
    });
    expect(await profileCount()).toBe(before);
  });

  it.each([
    ['1.5', 1.5],
    ['1e300', 1e300],
    ['9007199254740991', 9007199254740991],
    ['-9007199254740991', -9007199254740991],
    ['5e-324', 5e-324],
    ['0.30000000000000004', 0.30000000000000004],
  ])('POST /user/profiles/create stores %s and reads it back unchanged', async (number, value) => {
    const created = await createRaw(`{"n": ${number}, "as_text": "9007199254740993 and 1e400 in a string"}`);
    expect(created.status, created.text).toBe(201);
    const read = await t.call('GET', `/user/profiles/${appId}/${created.body.profile.profile_id}`, { token: user.token });
    expect(read.body.profile.profile_data).toEqual({ n: value, as_text: '9007199254740993 and 1e400 in a string' });
  });

  it('PUT, merge-patch PATCH, operator create and bulk create refuse them too, naming the number', async () => {
    const created = await createRaw('{"n": 1}');
    const url = `/user/profiles/${appId}/${created.body.profile.profile_id}`;
    const raw = (method: 'PUT' | 'PATCH' | 'POST', path: string, payload: string, token = user.token) =>
      t.call(method, path, {
        token,
        payload,
        headers: { 'content-type': method === 'PATCH' ? 'application/merge-patch+json' : 'application/json' },
      });
    const cases = [
      [await raw('PUT', url, '{"profile_data": {"n": 12345678901234567890}}'), '/profile_data/n'],
      [await raw('PATCH', url, '{"deep": {"n": 1e999}}'), '/deep/n'],
      [await raw('POST', `/operator/users/profile/${user.id}/${appId}`, '{"profile_data": [-1e400]}', operator.token), '/profile_data/0'],
      [
        await raw(
          'POST',
          '/operator/profile/create-bulk',
          `{"profiles": [{"app_id": ${appId}, "user_id": "${user.id}", "profile_data": {}}, {"app_id": ${appId}, "user_id": "${user.id}", "profile_data": {"id": 9007199254740993}}]}`,
          operator.token,
        ),
        '/profiles/1/profile_data/id',
      ],
    ] as const;
    for (const [response, path] of cases) {
      expect(response.status, path).toBe(400);
      expect(response.body.errors).toEqual([{ path, message: expect.any(String) }]);
    }
    const read = await t.call('GET', url, { token: user.token });
    expect(read.body.profile).toMatchObject({ version: 1, profile_data: { n: 1 } });
  });

  it('GET /operator/profiles answers 400 for such a number in contains', async () => {
    const response = await t.call('GET', `/operator/profiles?app_id=${appId}&contains=${encodeURIComponent('{"id": 9007199254740993}')}`, {
      token: operator.token,
    });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ type: 'urn:sentinel:problem:invalid_contains', errors: [{ path: 'querystring/contains' }] });
  });
});
