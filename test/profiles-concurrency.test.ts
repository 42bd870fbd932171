import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import type { TestApp } from './helpers/app.js';
import { loggedInUser, appWithOperator, type SignedIn } from './helpers/fixtures.js';
import { registerApp } from './helpers/apps.js';

let t: TestApp;
let appId: number;
let operator: SignedIn;

beforeAll(async () => {
  ({ t, operator } = await appWithOperator());
  appId = (await registerApp(t, operator.token)).id;
});
afterAll(() => t.close());

const mergePatch = (url: string, token: string, body: unknown, headers: Record<string, string> = {}) =>
  t.call('PATCH', url, { token, payload: JSON.stringify(body), headers: { 'content-type': 'application/merge-patch+json', ...headers } });

describe('concurrent profile writes', () => {
  // Threat: lost updates when read-modify-write requests interleave.
  it('PATCH /user/profiles/:appid/:profile_id: 20 concurrent patches each adding a key leave all 20 keys and version 21', async () => {
    const user = await loggedInUser(t);
    const created = await t.call('POST', '/user/profiles/create', {
      token: user.token,
      body: { app_id: appId, profile_data: { start: true } },
    });
    const url = `/user/profiles/${appId}/${created.body.profile.profile_id}`;

    const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => mergePatch(url, user.token, { [`key${i}`]: i })));
    expect(responses.map((response) => response.status)).toEqual(Array(20).fill(200));
    // Each answer saw its own write on top of the earlier ones: versions 2..21, each once.
    expect(responses.map((response) => response.body.profile.version).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 2),
    );

    const [row] = await queryRows<{ profile_data: Record<string, unknown>; version: number }>(
      t.database.db,
      sql`SELECT profile_data, version FROM profiles WHERE id = ${created.body.profile.profile_id}`,
    );
    expect(row!.version).toBe(21);
    expect(row!.profile_data).toEqual({ start: true, ...Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`key${i}`, i])) });
  });

  it('PATCH /operator/users/profile/...: concurrent operator and owner patches all land', async () => {
    const user = await loggedInUser(t);
    const created = await t.call('POST', '/user/profiles/create', { token: user.token, body: { app_id: appId, profile_data: {} } });
    const id = created.body.profile.profile_id;
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        i % 2 === 0
          ? mergePatch(`/user/profiles/${appId}/${id}`, user.token, { [`owner${i}`]: true })
          : mergePatch(`/operator/users/profile/${user.id}/${appId}/${id}`, operator.token, { [`operator${i}`]: true }),
      ),
    );
    expect(responses.every((response) => response.status === 200)).toBe(true);
    const [row] = await queryRows<{ profile_data: Record<string, unknown> }>(
      t.database.db,
      sql`SELECT profile_data FROM profiles WHERE id = ${id}`,
    );
    expect(Object.keys(row!.profile_data)).toHaveLength(20);
  });

  it('PUT with If-Match: of 10 concurrent writers holding the same version, exactly one wins and the rest get 412', async () => {
    const user = await loggedInUser(t);
    const created = await t.call('POST', '/user/profiles/create', {
      token: user.token,
      body: { app_id: appId, profile_data: { writer: null } },
    });
    const url = `/user/profiles/${appId}/${created.body.profile.profile_id}`;
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        t.call('PUT', url, { token: user.token, body: { profile_data: { writer: i } }, headers: { 'if-match': '"1"' } }),
      ),
    );
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status === 412)).toHaveLength(9);
    const winner = responses.find((response) => response.status === 200)!.body.profile.profile_data.writer;
    const [row] = await queryRows<{ profile_data: { writer: number }; version: number }>(
      t.database.db,
      sql`SELECT profile_data, version FROM profiles WHERE id = ${created.body.profile.profile_id}`,
    );
    expect(row).toEqual({ profile_data: { writer: winner }, version: 2 });
  });
});
