import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { apps } from '../src/db/schema.js';
import { type TestApp, unique } from './helpers/app.js';
import { stored } from './helpers/stored.js';
import { loggedInUser, appWithOperator, type SignedIn } from './helpers/fixtures.js';
import { registerApp } from './helpers/apps.js';

let t: TestApp;
let operator: SignedIn;

beforeAll(async () => {
  ({ t, operator } = await appWithOperator());
});
afterAll(() => t.close());

const appCount = () => stored(t.database).count(apps);
const lastAudit = async (action: string) =>
  (
    await queryRows<{ actor_user_id: string; detail: Record<string, unknown> }>(
      t.database.db,
      sql`SELECT actor_user_id, detail FROM audit_events WHERE action = ${action} ORDER BY id DESC LIMIT 1`,
    )
  )[0];

describe('POST /operator/app/register', () => {
  it('registers an app, answers the App and an API key shown once, and stores only its hash', async () => {
    const name = unique('Notes');
    const response = await t.call('POST', '/operator/app/register', {
      token: operator.token,
      body: { app: name, description: 'Note taking', domains: ['Notes.Example.com', 'notes.example.com.', '*.notes.example.org'] },
    });
    expect(response.status).toBe(201);
    expect(response.body.app).toMatchObject({
      app: name,
      description: 'Note taking',
      domains: ['notes.example.com', '*.notes.example.org'],
    });
    expect(Object.keys(response.body.app).sort()).toEqual(['app', 'app_id', 'created_at', 'description', 'domains']);
    expect(response.body.api_key).toMatch(/^sk_app_[A-Za-z0-9_-]{43}$/);
    expect(response.body.key).toMatchObject({
      app_id: response.body.app.app_id,
      name: 'default',
      prefix: response.body.api_key.slice(0, 14),
      revoked_at: null,
    });

    const keys = await queryRows<{ key_hash: string; key_prefix: string }>(
      t.database.db,
      sql`SELECT key_hash, key_prefix FROM app_api_keys WHERE app_id = ${response.body.app.app_id}`,
    );
    expect(keys).toHaveLength(1);
    expect(keys[0]!.key_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(keys[0]!.key_hash).not.toContain(response.body.api_key);
    expect(await lastAudit('app.created')).toMatchObject({
      actor_user_id: operator.id,
      detail: { app_id: response.body.app.app_id, app: name },
    });
  });

  it('accepts the original body with only the app name', async () => {
    const response = await t.call('POST', '/operator/app/register', { token: operator.token, body: { app: unique('bare') } });
    expect(response.status).toBe(201);
    expect(response.body.app).toMatchObject({ description: '', domains: [] });
  });

  it('answers 409 app_name_taken for a name used in another case, and writes nothing', async () => {
    const { name } = await registerApp(t, operator.token);
    const before = await appCount();
    const response = await t.call('POST', '/operator/app/register', { token: operator.token, body: { app: name.toUpperCase() } });
    expect(response.status).toBe(409);
    expect(response.body.type).toBe('urn:sentinel:problem:app_name_taken');
    expect(await appCount()).toBe(before);
  });

  it.each([
    ['a scheme', 'https://example.com'],
    ['a path', 'example.com/app'],
    ['a port', 'example.com:8443'],
    ['a space', 'exa mple.com'],
    ['an underscore', 'my_app.example.com'],
    ['a lone wildcard', '*'],
  ])('answers 400 for a domain with %s, naming its index', async (_name, domain) => {
    const before = await appCount();
    const response = await t.call('POST', '/operator/app/register', {
      token: operator.token,
      body: { app: unique('d'), domains: ['ok.example.com', domain] },
    });
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([expect.objectContaining({ path: '/domains/1' })]);
    expect(await appCount()).toBe(before);
  });

  it.each([
    ['an empty name', { app: '' }, '/app'],
    ['a name with surrounding spaces', { app: ' notes ' }, '/app'],
    ['a name with a newline', { app: 'a\nb' }, '/app'],
    ['domains as a string', { app: 'x', domains: 'example.com' }, '/domains'],
    ['an unknown field', { app: 'x', owner: 'me' }, '/owner'],
  ])('answers 400 for %s', async (_name, body, path) => {
    const response = await t.call('POST', '/operator/app/register', { token: operator.token, body });
    expect(response.status).toBe(400);
    expect(response.body.errors.map((error: { path: string }) => error.path)).toContain(path);
  });

  it('answers 403 to a user who is not an operator and 401 without a token', async () => {
    const user = await loggedInUser(t);
    const before = await appCount();
    expect((await t.call('POST', '/operator/app/register', { token: user.token, body: { app: unique('x') } })).status).toBe(403);
    expect((await t.call('POST', '/operator/app/register', { body: { app: unique('x') } })).status).toBe(401);
    expect(await appCount()).toBe(before);
  });
});

describe('GET /app/all', () => {
  it('lists apps publicly in id order, paginated, without schemas or keys', async () => {
    const registered = [await registerApp(t, operator.token), await registerApp(t, operator.token), await registerApp(t, operator.token)];
    const seen: { app_id: number }[] = [];
    let cursor: string | null = null;
    do {
      const response: { status: number; body: { apps: { app_id: number }[]; next_cursor: string | null } } = await t.call(
        'GET',
        `/app/all?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        { apiKey: null },
      );
      expect(response.status).toBe(200);
      seen.push(...response.body.apps);
      cursor = response.body.next_cursor;
    } while (cursor);
    const ids = seen.map((app) => app.app_id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    for (const app of registered) expect(ids).toContain(app.id);
    expect(Object.keys(seen[0]!).sort()).toEqual(['app', 'app_id', 'created_at', 'description', 'domains']);
  });
});

describe('/operator/app/:appid', () => {
  it('GET shows the app with its schema and updated_at; 404 for an unknown app', async () => {
    const { id } = await registerApp(t, operator.token);
    const response = await t.call('GET', `/operator/app/${id}`, { token: operator.token });
    expect(response.status).toBe(200);
    expect(response.body.app).toMatchObject({ app_id: id, profile_schema: null });
    expect(response.body.app.updated_at).toBeTypeOf('string');
    expect((await t.call('GET', '/operator/app/777777', { token: operator.token })).status).toBe(404);
  });

  it('PATCH changes only the fields sent, normalizes domains, and audits the fields', async () => {
    const { id, name } = await registerApp(t, operator.token, { description: 'before', domains: ['a.example.com'] });
    const response = await t.call('PATCH', `/operator/app/${id}`, { token: operator.token, body: { domains: ['B.Example.com'] } });
    expect(response.status).toBe(200);
    expect(response.body.app).toMatchObject({ app_id: id, app: name, description: 'before', domains: ['b.example.com'] });
    const [row] = await queryRows<{ domains: string[]; description: string }>(
      t.database.db,
      sql`SELECT domains, description FROM apps WHERE id = ${id}`,
    );
    expect(row).toEqual({ domains: ['b.example.com'], description: 'before' });
    expect(await lastAudit('app.updated')).toMatchObject({ detail: { app_id: id, fields: ['domains'] } });
  });

  it('PATCH answers 409 for a taken name, 404 for an unknown app and 400 for an empty body', async () => {
    const first = await registerApp(t, operator.token);
    const second = await registerApp(t, operator.token);
    const taken = await t.call('PATCH', `/operator/app/${second.id}`, { token: operator.token, body: { app: first.name.toUpperCase() } });
    expect(taken.status).toBe(409);
    expect(taken.body.type).toBe('urn:sentinel:problem:app_name_taken');
    expect((await t.call('PATCH', '/operator/app/777777', { token: operator.token, body: { description: 'x' } })).status).toBe(404);
    expect((await t.call('PATCH', `/operator/app/${second.id}`, { token: operator.token, body: {} })).status).toBe(400);
  });

  it('DELETE removes an app without profiles, with its keys, and audits it', async () => {
    const { id, apiKey } = await registerApp(t, operator.token);
    const response = await t.call('DELETE', `/operator/app/${id}`, { token: operator.token });
    expect(response.status).toBe(204);
    expect(await queryRows(t.database.db, sql`SELECT 1 FROM apps WHERE id = ${id}`)).toHaveLength(0);
    expect(await queryRows(t.database.db, sql`SELECT 1 FROM app_api_keys WHERE app_id = ${id}`)).toHaveLength(0);
    const login = await t.call('POST', '/auth/login', { apiKey, body: { email: operator.email, password: operator.password } });
    expect(login.status).toBe(401);
    expect(await lastAudit('app.deleted')).toMatchObject({ actor_user_id: operator.id, detail: { app_id: id } });
    expect((await t.call('DELETE', `/operator/app/${id}`, { token: operator.token })).status).toBe(404);
  });

  it('DELETE answers 409 while the app has profiles, and keeps app and profiles', async () => {
    const { id } = await registerApp(t, operator.token);
    const user = await loggedInUser(t);
    const created = await t.call('POST', '/user/profiles/create', {
      token: user.token,
      body: { app_id: id, profile_data: { keep: true } },
    });
    expect(created.status).toBe(201);
    const response = await t.call('DELETE', `/operator/app/${id}`, { token: operator.token });
    expect(response.status).toBe(409);
    expect(response.body.type).toBe('urn:sentinel:problem:app_has_profiles');
    expect(await queryRows(t.database.db, sql`SELECT 1 FROM apps WHERE id = ${id}`)).toHaveLength(1);
    expect(await queryRows(t.database.db, sql`SELECT 1 FROM profiles WHERE app_id = ${id}`)).toHaveLength(1);
  });
});
