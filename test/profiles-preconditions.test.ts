import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from './helpers/app.js';
import { loggedInUser, appWithOperatorAppAndUser, type SignedIn } from './helpers/fixtures.js';

let t: TestApp;
let operator: SignedIn;
let appId: number;
let user: SignedIn;

beforeAll(async () => {
  ({ t, operator, appId, user } = await appWithOperatorAppAndUser());
});
afterAll(() => t.close());

/** PUT, PATCH and DELETE of one profile URL, with optional extra headers. */
function writes(url: string, token: string, headers: Record<string, string>) {
  return {
    PUT: () => t.call('PUT', url, { token, body: { profile_data: { n: 1 } }, headers }),
    PATCH: () =>
      t.call('PATCH', url, {
        token,
        payload: JSON.stringify({ n: 1 }),
        headers: { 'content-type': 'application/merge-patch+json', ...headers },
      }),
    DELETE: () => t.call('DELETE', url, { token, headers }),
  };
}

describe('If-Match on a profile that does not exist (RFC 9110 13.1.1)', () => {
  const routes = () => [
    { name: 'owner', url: `/user/profiles/${appId}/${randomUUID()}`, token: user.token },
    { name: 'operator', url: `/operator/users/profile/${user.id}/${appId}/${randomUUID()}`, token: operator.token },
  ];

  it.each(['*', '"1"'])(
    'PUT, PATCH and DELETE answer 412 without an ETag to If-Match: %s, on owner and operator routes',
    async (ifMatch) => {
      for (const { name, url, token } of routes()) {
        for (const [method, send] of Object.entries(writes(url, token, { 'if-match': ifMatch }))) {
          const response = await send();
          expect(response.status, `${name} ${method}`).toBe(412);
          expect(response.body.type).toBe('urn:sentinel:problem:precondition_failed');
          expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
          expect(response.headers.etag, `${name} ${method}`).toBeUndefined();
        }
      }
    },
  );

  it('without If-Match, the same requests stay 404', async () => {
    for (const { name, url, token } of routes()) {
      for (const [method, send] of Object.entries(writes(url, token, {}))) {
        const response = await send();
        expect(response.status, `${name} ${method}`).toBe(404);
        expect(response.body.type).toBe('urn:sentinel:problem:profile_not_found');
      }
    }
  });

  // Threat: a conditional write probing another user's profile id learns that it exists.
  it("answers another user's profile exactly like a missing one, and leaves it unchanged", async () => {
    const owner = await loggedInUser(t);
    const created = await t.call('POST', '/user/profiles/create', {
      token: owner.token,
      body: { app_id: appId, profile_data: { mine: 1 } },
    });
    const theirs = `/user/profiles/${appId}/${created.body.profile.profile_id}`;
    for (const send of Object.values(writes(theirs, user.token, { 'if-match': '"1"' }))) {
      const response = await send();
      expect(response.status).toBe(412);
      expect(response.headers.etag).toBeUndefined();
    }
    expect((await t.call('GET', theirs, { token: owner.token })).body.profile).toMatchObject({ version: 1, profile_data: { mine: 1 } });
  });
});
