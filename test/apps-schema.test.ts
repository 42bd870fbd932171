import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { profiles } from '../src/db/schema.js';
import type { TestApp } from './helpers/app.js';
import { stored } from './helpers/stored.js';
import { loggedInUser, appWithOperator, type SignedIn } from './helpers/fixtures.js';
import { registerApp } from './helpers/apps.js';

let t: TestApp;
let operator: SignedIn;
let user: Awaited<ReturnType<typeof loggedInUser>>;

const SCHEMA = {
  type: 'object',
  properties: {
    theme: { enum: ['light', 'dark'] },
    age: { type: 'integer', minimum: 0 },
    email: { type: 'string', format: 'email' },
  },
  required: ['theme'],
};

beforeAll(async () => {
  ({ t, operator } = await appWithOperator());
  user = await loggedInUser(t);
});
afterAll(() => t.close());

const profileCount = () => stored(t.database).count(profiles);
const setSchema = (appId: number, schema: unknown) =>
  t.call('PUT', `/operator/app/${appId}/schema`, { token: operator.token, body: { schema } });
const create = (appId: number, profile_data: unknown) =>
  t.call('POST', '/user/profiles/create', { token: user.token, body: { app_id: appId, profile_data } });

async function appWithSchema() {
  const { id } = await registerApp(t, operator.token);
  expect((await setSchema(id, SCHEMA)).status).toBe(200);
  return id;
}

describe('PUT /operator/app/:appid/schema', () => {
  it('stores the schema, shows it on GET, and audits the change', async () => {
    const { id } = await registerApp(t, operator.token);
    const response = await setSchema(id, SCHEMA);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ app_id: id, schema: SCHEMA });
    expect((await t.call('GET', `/operator/app/${id}/schema`, { token: operator.token })).body).toEqual({ app_id: id, schema: SCHEMA });
    expect((await t.call('GET', `/operator/app/${id}`, { token: operator.token })).body.app.profile_schema).toEqual(SCHEMA);
    const events = await queryRows(
      t.database.db,
      sql`SELECT 1 FROM audit_events WHERE action = 'app.schema_set' AND (detail->>'app_id')::int = ${id}`,
    );
    expect(events).toHaveLength(1);
  });

  it.each([
    ['a keyword with a wrong value', { type: 'strin' }, '/schema/type'],
    ['another draft', { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object' }, '/schema'],
    ['an external $ref', { $ref: 'https://example.com/profile.json' }, '/schema'],
    ['a negative minLength', { type: 'string', minLength: -1 }, '/schema/minLength'],
  ])('answers 422 for %s, naming where, and keeps the old schema', async (_name, schema, path) => {
    const id = await appWithSchema();
    const response = await setSchema(id, schema);
    expect(response.status).toBe(422);
    expect(response.body.type).toBe('urn:sentinel:problem:invalid_profile_schema');
    expect(response.body.errors.map((error: { path: string }) => error.path)).toContain(path);
    const [row] = await queryRows<{ profile_schema: unknown }>(t.database.db, sql`SELECT profile_schema FROM apps WHERE id = ${id}`);
    expect(row!.profile_schema).toEqual(SCHEMA);
  });

  it('answers 400 for a schema that is not an object and 404 for an unknown app', async () => {
    const { id } = await registerApp(t, operator.token);
    expect((await setSchema(id, 'object')).status).toBe(400);
    expect((await t.call('PUT', `/operator/app/${id}/schema`, { token: operator.token, body: {} })).status).toBe(400);
    expect((await setSchema(999_999, SCHEMA)).status).toBe(404);
  });

  it.each([5_000, 100_000])('answers 422, not 500, for a schema nested %i levels deep, and keeps the old schema', async (levels) => {
    const id = await appWithSchema();
    const payload = `{"schema": ${'{"not": '.repeat(levels)}{}${'}'.repeat(levels)}}`;
    const response = await t.call('PUT', `/operator/app/${id}/schema`, {
      token: operator.token,
      payload,
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(422);
    expect(response.body).toMatchObject({
      type: 'urn:sentinel:problem:invalid_profile_schema',
      errors: [{ path: '/schema', message: 'nests more than 64 levels of objects and arrays' }],
    });
    const [row] = await queryRows<{ profile_schema: unknown }>(t.database.db, sql`SELECT profile_schema FROM apps WHERE id = ${id}`);
    expect(row!.profile_schema).toEqual(SCHEMA);
  });

  it('takes a schema 64 levels deep and 64 KiB as JSON, and refuses one level or one byte more', async () => {
    const { id } = await registerApp(t, operator.token);
    const nested = (levels: number): unknown => (levels === 1 ? {} : { not: nested(levels - 1) });
    expect((await setSchema(id, nested(64))).status).toBe(200);
    expect((await setSchema(id, nested(65))).status).toBe(422);

    const sized = (bytes: number) => ({ description: 'x'.repeat(bytes - '{"description":""}'.length) });
    expect(Buffer.byteLength(JSON.stringify(sized(64 * 1024)))).toBe(65_536);
    expect((await setSchema(id, sized(64 * 1024))).status).toBe(200);
    const tooLarge = await setSchema(id, sized(64 * 1024 + 1));
    expect(tooLarge.status).toBe(422);
    expect(tooLarge.body.errors).toEqual([{ path: '/schema', message: 'is 65537 bytes as JSON; the limit is 64 KiB (65536 bytes)' }]);
  });

  it('ignores unknown keywords as annotations', async () => {
    const { id } = await registerApp(t, operator.token);
    expect(
      (await setSchema(id, { type: 'object', 'x-owner': 'team-a', properties: { a: { type: 'string', 'x-ui': 'textarea' } } })).status,
    ).toBe(200);
    expect((await create(id, { a: 'ok' })).status).toBe(201);
  });
});

describe('profile writes against an app schema', () => {
  it('POST /user/profiles/create answers 422 with one JSON pointer per violation, and writes nothing', async () => {
    const id = await appWithSchema();
    const before = await profileCount();
    const response = await create(id, { age: -3, email: 'not-an-email' });
    expect(response.status).toBe(422);
    expect(response.body.type).toBe('urn:sentinel:problem:schema_violation');
    expect(response.body.errors).toEqual([
      { path: '/profile_data/theme', message: 'is required' },
      { path: '/profile_data/age', message: 'must be >= 0' },
      { path: '/profile_data/email', message: 'must match format "email"' },
    ]);
    expect(await profileCount()).toBe(before);
    expect((await create(id, { theme: 'dark', age: 30, email: 'a@example.com' })).status).toBe(201);
  });

  it('PUT and PATCH are checked on the resulting document, and a refused write keeps the old data', async () => {
    const id = await appWithSchema();
    const created = (await create(id, { theme: 'dark', age: 1 })).body.profile;
    const url = `/user/profiles/${id}/${created.profile_id}`;
    const put = await t.call('PUT', url, { token: user.token, body: { profile_data: { theme: 'blue' } } });
    expect(put.status).toBe(422);
    expect(put.body.errors[0].path).toBe('/profile_data/theme');
    const patch = await t.call('PATCH', url, {
      token: user.token,
      payload: JSON.stringify({ theme: null, age: 'old' }),
      headers: { 'content-type': 'application/merge-patch+json' },
    });
    expect(patch.status).toBe(422);
    expect(patch.body.errors.map((error: { path: string }) => error.path)).toEqual(['/profile_data/theme', '/profile_data/age']);
    const [row] = await queryRows<{ profile_data: unknown; version: number }>(
      t.database.db,
      sql`SELECT profile_data, version FROM profiles WHERE id = ${created.profile_id}`,
    );
    expect(row).toEqual({ profile_data: { theme: 'dark', age: 1 }, version: 1 });
  });

  it('POST /operator/profile/create-bulk names each violating item with pointers under /profiles/N/profile_data', async () => {
    const id = await appWithSchema();
    const before = await profileCount();
    const items = Array.from({ length: 20 }, () => ({ app_id: id, user_id: user.id, profile_data: { theme: 'light' } }));
    items[17] = { app_id: id, user_id: user.id, profile_data: { theme: 'light', age: 1.5 } as never };
    items[3] = { app_id: id, user_id: user.id, profile_data: {} as never };
    const response = await t.call('POST', '/operator/profile/create-bulk', { token: operator.token, body: { profiles: items } });
    expect(response.status).toBe(422);
    expect(response.body.errors).toEqual([
      { path: '/profiles/3/profile_data/theme', message: 'is required' },
      { path: '/profiles/17/profile_data/age', message: 'must be integer' },
    ]);
    expect(await profileCount()).toBe(before);
  });

  it('compiles a schema once, not on every write', async () => {
    const id = await appWithSchema();
    const compile = vi.spyOn(t.services.apps.profileSchemas, 'compile');
    try {
      for (let i = 0; i < 5; i++) expect((await create(id, { theme: 'dark', age: i })).status).toBe(201);
      expect((await create(id, { theme: 'nope' })).status).toBe(422);
      expect(compile.mock.calls.length).toBeLessThanOrEqual(1);
    } finally {
      compile.mockRestore();
    }
  });

  it('sees a schema changed by another process (straight in the database) at the next write', async () => {
    const id = await appWithSchema();
    expect((await create(id, { theme: 'dark' })).status).toBe(201);
    await t.database.db.execute(sql`UPDATE apps SET profile_schema = '{"type":"object","required":["plan"]}'::jsonb WHERE id = ${id}`);
    const refused = await create(id, { theme: 'dark' });
    expect(refused.status).toBe(422);
    expect(refused.body.errors).toEqual([{ path: '/profile_data/plan', message: 'is required' }]);
  });

  it('DELETE /operator/app/:appid/schema stops the checks', async () => {
    const id = await appWithSchema();
    expect((await create(id, { anything: true })).status).toBe(422);
    const cleared = await t.call('DELETE', `/operator/app/${id}/schema`, { token: operator.token });
    expect(cleared.status).toBe(204);
    expect((await create(id, { anything: true })).status).toBe(201);
    expect((await t.call('GET', `/operator/app/${id}/schema`, { token: operator.token })).body.schema).toBeNull();
    expect((await t.call('DELETE', '/operator/app/999999/schema', { token: operator.token })).status).toBe(404);
  });
});

describe('POST /operator/app/:appid/schema/check', () => {
  const check = (appId: number, schema: unknown, query = '') =>
    t.call('POST', `/operator/app/${appId}/schema/check${query}`, { token: operator.token, body: { schema } });

  /** An app without a schema holding these profiles of the signed-in user, in this order. */
  async function appWith(...data: unknown[]) {
    const { id } = await registerApp(t, operator.token);
    const ids: string[] = [];
    for (const profile_data of data) ids.push((await create(id, profile_data)).body.profile.profile_id);
    return { id, ids };
  }

  it('names the profiles the schema would refuse, with their errors, and changes nothing', async () => {
    const { id, ids } = await appWith({ theme: 'dark' }, { theme: 'blue' }, { age: 2 }, { theme: 'light', age: 3 });
    const [before] = await queryRows(t.database.db, sql`SELECT count(*)::int AS n FROM audit_events`);
    const response = await check(id, SCHEMA);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      app_id: id,
      checked: 4,
      failing: 2,
      failures: [
        {
          profile_id: ids[1],
          user_id: user.id,
          errors: [{ path: '/profile_data/theme', message: 'must be equal to one of the allowed values' }],
        },
        { profile_id: ids[2], user_id: user.id, errors: [{ path: '/profile_data/theme', message: 'is required' }] },
      ],
      next_cursor: null,
    });
    expect((await t.call('GET', `/operator/app/${id}/schema`, { token: operator.token })).body.schema).toBeNull();
    expect((await t.call('GET', `/user/profiles/${id}`, { token: user.token })).body.profiles[1].profile_data).toEqual({ theme: 'blue' });
    expect(await queryRows(t.database.db, sql`SELECT count(*)::int AS n FROM audit_events`)).toEqual([before]);
  });

  it('covers the whole app a page at a time, following next_cursor', async () => {
    const { id } = await appWith({ theme: 'dark' }, { theme: 1 }, { theme: 2 }, { theme: 'light' }, { theme: 3 });
    let cursor: string | null = '';
    const pages: { checked: number; failing: number }[] = [];
    while (cursor !== null) {
      const response = await check(id, SCHEMA, `?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(response.status).toBe(200);
      pages.push({ checked: response.body.checked, failing: response.body.failing });
      cursor = response.body.next_cursor;
    }
    expect(pages).toEqual([
      { checked: 2, failing: 1 },
      { checked: 2, failing: 1 },
      { checked: 1, failing: 1 },
    ]);
  });

  it('counts every failing profile of a page but describes only the first 20', async () => {
    const { id } = await registerApp(t, operator.token);
    const bulk = await t.call('POST', '/operator/profile/create-bulk', {
      token: operator.token,
      body: { profiles: Array.from({ length: 150 }, () => ({ user_id: user.id, app_id: id, profile_data: { theme: 'none' } })) },
    });
    expect(bulk.status).toBe(201);
    const response = await check(id, SCHEMA);
    expect(response.body).toMatchObject({ checked: 150, failing: 150, next_cursor: null });
    expect(response.body.failures).toHaveLength(20);
  });

  it('refuses what PUT refuses (422), an unknown app (404), a bad cursor (400), and anyone but an operator', async () => {
    const { id } = await appWith({ theme: 'dark' });
    const invalid = await check(id, { type: 'strin' });
    expect(invalid.status).toBe(422);
    expect(invalid.body.type).toBe('urn:sentinel:problem:invalid_profile_schema');
    expect((await check(999_999, SCHEMA)).status).toBe(404);
    expect((await check(id, SCHEMA, '?cursor=bm9wZQ')).status).toBe(400);
    expect((await check(id, SCHEMA, '?limit=1001')).status).toBe(400);
    const asUser = await t.call('POST', `/operator/app/${id}/schema/check`, { token: user.token, body: { schema: SCHEMA } });
    expect(asUser.status).toBe(403);
    expect((await t.call('POST', `/operator/app/${id}/schema/check`, { body: { schema: SCHEMA } })).status).toBe(401);
  });
});
