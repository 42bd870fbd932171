import { sql } from 'drizzle-orm';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import type { TestApp } from './helpers/app.js';
import { loggedInUser, appWithOperator, type SignedIn } from './helpers/fixtures.js';
import { registerApp } from './helpers/apps.js';

let t: TestApp;
let operator: SignedIn;
let appId: number;

beforeAll(async () => {
  ({ t, operator } = await appWithOperator());
  appId = (await registerApp(t, operator.token)).id;
});
afterAll(() => t.close());

const auditOf = async (action: string, profileId: string) =>
  queryRows<{ actor_user_id: string; target_user_id: string; detail: Record<string, unknown> }>(
    t.database.db,
    sql`SELECT actor_user_id, target_user_id, detail FROM audit_events WHERE action = ${action} AND detail->>'profile_id' = ${profileId}`,
  );

describe('/operator/users/profile/:userid/:appid', () => {
  it("GET lists a user's profiles in an app, in creation order, including a deleted user's", async () => {
    const user = await loggedInUser(t);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const created = await t.call('POST', '/user/profiles/create', { token: user.token, body: { app_id: appId, profile_data: { i } } });
      ids.push(created.body.profile.profile_id);
    }
    const url = `/operator/users/profile/${user.id}/${appId}`;
    const listed = await t.call('GET', url, { token: operator.token });
    expect(listed.status).toBe(200);
    expect(listed.body.profiles.map((p: { profile_id: string }) => p.profile_id)).toEqual(ids);
    expect(listed.body.next_cursor).toBeNull();

    expect((await t.call('GET', '/user/delete', { token: user.token })).status).toBe(200);
    expect((await t.call('GET', url, { token: operator.token })).body.profiles).toHaveLength(3);
  });

  it('GET answers 404 for an unknown user or app, 400 for a bad id, and 403 to non-operators', async () => {
    const user = await loggedInUser(t);
    expect((await t.call('GET', `/operator/users/profile/${randomUUID()}/${appId}`, { token: operator.token })).status).toBe(404);
    expect((await t.call('GET', `/operator/users/profile/${user.id}/99999`, { token: operator.token })).status).toBe(404);
    expect((await t.call('GET', `/operator/users/profile/not-a-uuid/${appId}`, { token: operator.token })).status).toBe(400);
    expect((await t.call('GET', `/operator/users/profile/${user.id}/${appId}`, { token: user.token })).status).toBe(403);
  });

  it('POST creates a profile for a user and audits it as profile.created_by_operator', async () => {
    const user = await t.registerUser();
    const response = await t.call('POST', `/operator/users/profile/${user.id}/${appId}`, {
      token: operator.token,
      body: { profile_data: { seeded: true } },
    });
    expect(response.status).toBe(201);
    expect(response.body.profile).toMatchObject({ user_id: user.id, app_id: appId, profile_data: { seeded: true }, version: 1 });
    expect(response.headers.location).toBe(`/operator/users/profile/${user.id}/${appId}/${response.body.profile.profile_id}`);
    const events = await auditOf('profile.created_by_operator', response.body.profile.profile_id);
    expect(events).toEqual([
      {
        actor_user_id: operator.id,
        target_user_id: user.id,
        detail: { profile_id: response.body.profile.profile_id, app_id: appId, version: 1 },
      },
    ]);
  });

  it('POST answers 404 for an unknown or deleted user and writes nothing', async () => {
    const user = await loggedInUser(t);
    expect((await t.call('GET', '/user/delete', { token: user.token })).status).toBe(200);
    for (const id of [randomUUID(), user.id]) {
      const response = await t.call('POST', `/operator/users/profile/${id}/${appId}`, {
        token: operator.token,
        body: { profile_data: {} },
      });
      expect(response.status).toBe(404);
      expect(response.body.type).toBe('urn:sentinel:problem:user_not_found');
    }
    expect(await queryRows(t.database.db, sql`SELECT 1 FROM profiles WHERE user_id = ${user.id}`)).toHaveLength(0);
  });
});

describe('/operator/users/profile/:userid/:appid/:profile_id', () => {
  it("GET, PUT, PATCH and DELETE work on any user's profile, honour If-Match, and every write is audited", async () => {
    const user = await loggedInUser(t);
    const created = (await t.call('POST', '/user/profiles/create', { token: user.token, body: { app_id: appId, profile_data: { a: 1 } } }))
      .body.profile;
    const url = `/operator/users/profile/${user.id}/${appId}/${created.profile_id}`;

    const got = await t.call('GET', url, { token: operator.token });
    expect(got.status).toBe(200);
    expect(got.headers.etag).toBe('"1"');

    const put = await t.call('PUT', url, { token: operator.token, body: { profile_data: { a: 2 } }, headers: { 'if-match': '"1"' } });
    expect(put.status).toBe(200);
    expect(put.body.profile.version).toBe(2);
    const stale = await t.call('PUT', url, { token: operator.token, body: { profile_data: { a: 3 } }, headers: { 'if-match': '"1"' } });
    expect(stale.status).toBe(412);

    const patched = await t.call('PATCH', url, {
      token: operator.token,
      payload: '{"b":true}',
      headers: { 'content-type': 'application/merge-patch+json' },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.profile).toMatchObject({ version: 3, profile_data: { a: 2, b: true } });
    // The owner sees the operator's change.
    expect((await t.call('GET', `/user/profiles/${appId}/${created.profile_id}`, { token: user.token })).body.profile.profile_data).toEqual(
      { a: 2, b: true },
    );

    expect((await t.call('DELETE', url, { token: operator.token })).status).toBe(204);
    expect((await t.call('GET', url, { token: operator.token })).status).toBe(404);

    const updates = await auditOf('profile.updated_by_operator', created.profile_id);
    expect(updates.map((event) => event.detail)).toEqual([
      { profile_id: created.profile_id, app_id: appId, version: 2, method: 'put' },
      { profile_id: created.profile_id, app_id: appId, version: 3, method: 'patch' },
    ]);
    expect(updates.every((event) => event.actor_user_id === operator.id && event.target_user_id === user.id)).toBe(true);
    expect(await auditOf('profile.deleted_by_operator', created.profile_id)).toHaveLength(1);
  });

  it('answers 404 when the profile belongs to another user than the one in the path', async () => {
    const owner = await loggedInUser(t);
    const other = await t.registerUser();
    const created = (
      await t.call('POST', '/user/profiles/create', { token: owner.token, body: { app_id: appId, profile_data: { mine: true } } })
    ).body.profile;
    const wrongPath = `/operator/users/profile/${other.id}/${appId}/${created.profile_id}`;
    expect((await t.call('GET', wrongPath, { token: operator.token })).status).toBe(404);
    expect((await t.call('DELETE', wrongPath, { token: operator.token })).status).toBe(404);
    expect(await queryRows(t.database.db, sql`SELECT 1 FROM profiles WHERE id = ${created.profile_id}`)).toHaveLength(1);
  });

  it("does not audit the owner's own writes as operator writes", async () => {
    const user = await loggedInUser(t);
    const created = (await t.call('POST', '/user/profiles/create', { token: user.token, body: { app_id: appId, profile_data: {} } })).body
      .profile;
    await t.call('PUT', `/user/profiles/${appId}/${created.profile_id}`, { token: user.token, body: { profile_data: { x: 1 } } });
    expect(await auditOf('profile.created_by_operator', created.profile_id)).toHaveLength(0);
    expect(await auditOf('profile.updated_by_operator', created.profile_id)).toHaveLength(0);
  });
});
