import { sql } from 'drizzle-orm';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { ExportRepository, type SessionKey } from '../src/modules/profiles/export-repository.js';
import { pages } from '../src/modules/profiles/json-stream.js';
import { ExportSchema } from '../src/modules/profiles/export-schema.js';
import type { TestApp } from './helpers/app.js';
import { appWithOperator, type SignedIn } from './helpers/fixtures.js';
import { registerApp } from './helpers/apps.js';

let t: TestApp;
let operator: SignedIn;

beforeAll(async () => {
  ({ t, operator } = await appWithOperator());
});
afterAll(() => t.close());
afterEach(() => vi.restoreAllMocks());

interface JsonSchema {
  type?: string;
  anyOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
}

/** Every object in `value` has exactly the properties its schema declares, in the schema's order. */
function expectShape(value: unknown, schema: JsonSchema, path = ''): void {
  const variants = schema.anyOf ?? [schema];
  if (value === null && variants.some((variant) => variant.type === 'null')) return;
  const declared = variants.find((variant) => variant.type !== 'null')!;
  if (declared.type === 'object' && declared.properties) {
    expect(Object.keys(value as object), path).toEqual(Object.keys(declared.properties));
    for (const [key, property] of Object.entries(declared.properties)) {
      expectShape((value as Record<string, unknown>)[key], property, `${path}/${key}`);
    }
  } else if (declared.type === 'array') {
    (value as unknown[]).forEach((item, i) => expectShape(item, declared.items!, `${path}/${i}`));
  }
}

describe('GET /user/export', () => {
  it('returns the user, every profile across apps, the apps, sessions and security events, and no secret', async () => {
    const notes = await registerApp(t, operator.token, { domains: ['notes.example.com'] });
    const games = await registerApp(t, operator.token);
    const user = await t.registerUser();
    const other = await t.registerUser();
    // One session through an app's key, so the export shows which app started it.
    const viaApp = await t.call('POST', '/auth/login', { apiKey: notes.apiKey, body: { email: user.email, password: user.password } });
    const session = await t.login(user);
    const token = session.token;
    for (const [app, data] of [
      [notes.id, { n: 1 }],
      [games.id, { g: 1 }],
      [notes.id, { n: 2 }],
    ] as const) {
      expect((await t.call('POST', '/user/profiles/create', { token, body: { app_id: app, profile_data: data } })).status).toBe(201);
    }
    const otherSession = await t.login(other);
    await t.call('POST', '/user/profiles/create', {
      token: otherSession.token,
      body: { app_id: notes.id, profile_data: { marker: 'belongs-to-someone-else' } },
    });

    const response = await t.call('GET', '/user/export', { token });
    expect(response.status).toBe(200);
    expect(response.headers['content-disposition']).toBe(`attachment; filename="sentinel-export-${user.id}.json"`);
    const doc = response.body;
    expect(Object.keys(doc).sort()).toEqual(['apps', 'exported_at', 'profiles', 'security_events', 'sessions', 'user']);
    expect(doc.user).toMatchObject({ user_id: user.id, email: user.email, username: user.username });
    expect(doc.profiles.map((p: { profile_data: unknown }) => p.profile_data)).toEqual([{ n: 1 }, { g: 1 }, { n: 2 }]);
    expect(doc.profiles.every((p: { user_id: string }) => p.user_id === user.id)).toBe(true);
    expect(doc.apps.map((a: { app_id: number }) => a.app_id)).toEqual([notes.id, games.id].sort((a, b) => a - b));
    expect(doc.apps.find((a: { app_id: number }) => a.app_id === notes.id).domains).toEqual(['notes.example.com']);
    expect(doc.sessions).toHaveLength(2);
    expect(doc.sessions.map((s: { app_id: number | null }) => s.app_id)).toEqual([notes.id, null]);
    expect(doc.security_events.map((e: { action: string }) => e.action)).toEqual(
      expect.arrayContaining(['user.registered', 'login.succeeded']),
    );

    const secrets = await queryRows<{ password_hash: string; refresh_token_hash: string }>(
      t.database.db,
      sql`SELECT u.password_hash, s.refresh_token_hash FROM users u JOIN sessions s ON s.user_id = u.id WHERE u.id = ${user.id}`,
    );
    for (const row of secrets) {
      expect(response.text).not.toContain(row.password_hash);
      expect(response.text).not.toContain(row.refresh_token_hash);
    }
    expect(response.text).not.toContain(session.refresh_token);
    expect(response.text).not.toContain(viaApp.body.refresh_token);
    expect(response.text).not.toContain(token);
    expect(response.text).not.toContain('belongs-to-someone-else');
    expect(response.text).not.toMatch(/password|hash|secret/i);
  });

  it('records the export as a security event and answers 401 without a token', async () => {
    const user = await t.registerUser();
    const { token } = await t.login(user);
    expect((await t.call('GET', '/user/export', { token })).status).toBe(200);
    const events = await queryRows(
      t.database.db,
      sql`SELECT 1 FROM audit_events WHERE action = 'user.data_exported' AND target_user_id = ${user.id}`,
    );
    expect(events).toHaveLength(1);
    expect((await t.call('GET', '/user/export')).status).toBe(401);
  });

  it('streams the document the other routes describe: the same User, App and Profile objects, in the declared shape', async () => {
    const notes = await registerApp(t, operator.token);
    const user = await t.registerUser();
    const { token } = await t.login(user);
    const data = [{ theme: 'dark', n: 1.5, big: 1e300, safe: 9007199254740991 }, 'text "quoted" \\ é 😀', null, [1, { a: [] }], {}];
    for (const profile_data of data) await t.call('POST', '/user/profiles/create', { token, body: { app_id: notes.id, profile_data } });

    const response = await t.call('GET', '/user/export', { token });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    const doc = response.body;
    expectShape(doc, ExportSchema as JsonSchema);
    expect(doc.user).toEqual((await t.call('GET', '/auth/verify', { token })).body.user);
    expect(doc.apps).toEqual(
      (await t.call('GET', '/app/all?limit=1000')).body.apps.filter((app: { app_id: number }) => app.app_id === notes.id),
    );
    expect(doc.profiles).toEqual((await t.call('GET', `/user/profiles/${notes.id}`, { token })).body.profiles);
    expect(doc.profiles.map((profile: { profile_data: unknown }) => profile.profile_data)).toEqual(data);
  });

  it('pages through many profiles, every one once, in creation order', async () => {
    const app = await registerApp(t, operator.token);
    const user = await t.registerUser();
    const { token } = await t.login(user);
    const profiles = Array.from({ length: 150 }, (_, i) => ({ app_id: app.id, user_id: user.id, profile_data: { i } }));
    expect((await t.call('POST', '/operator/profile/create-bulk', { token: operator.token, body: { profiles } })).status).toBe(201);
    const pageReads = vi.spyOn(ExportRepository.prototype, 'profilesPage');

    const doc = (await t.call('GET', '/user/export', { token })).body;
    expect(doc.profiles.map((profile: { profile_data: { i: number } }) => profile.profile_data.i)).toEqual(profiles.map((_, i) => i));
    expect(pageReads.mock.calls.length).toBeGreaterThan(2);
  });

  // Threat: a client stores a cut-off export as complete, believing it holds all its data.
  it('cuts the connection when a read fails midway, so a document that ends is complete', async () => {
    const app = await registerApp(t, operator.token);
    const user = await t.registerUser();
    const { token } = await t.login(user);
    // More than one chunk of output (64 KiB) before the sessions are read.
    for (let i = 0; i < 4; i++) {
      await t.call('POST', '/user/profiles/create', { token, body: { app_id: app.id, profile_data: { pad: 'x'.repeat(30_000) } } });
    }
    vi.spyOn(ExportRepository.prototype, 'sessionsPage').mockRejectedValue(new Error('connection lost'));
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = t.app.server.address() as AddressInfo;

    const response = await fetch(`http://127.0.0.1:${port}/user/export`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    await expect(response.text()).rejects.toThrow();
  });

  it('pages sessions by creation time to the microsecond, then id, without skipping or repeating one', async () => {
    const user = await t.registerUser();
    // Two pairs share a created_at, and two differ by one microsecond (which a JavaScript Date cannot tell apart).
    for (const at of ['00:00:00.000001', '00:00:00.000001', '00:00:00.000002', '00:00:00.000003', '00:00:00.000003', '00:00:01']) {
      await t.database.db.execute(
        sql`INSERT INTO sessions (user_id, refresh_token_hash, refresh_expires_at, created_at)
            VALUES (${user.id}, md5(random()::text), now(), ${`2026-01-01T${at}Z`}::timestamptz)`,
      );
    }
    const expected = await queryRows<{ id: string }>(
      t.database.db,
      sql`SELECT id FROM sessions WHERE user_id = ${user.id} ORDER BY created_at, id`,
    );
    const repository = new ExportRepository(t.database.db);
    const seen: string[] = [];
    const rows = pages(
      (after: SessionKey | undefined) => repository.sessionsPage(user.id, after, 2),
      (row) => ({ at: row.at, id: row.id }),
      2,
    );
    for await (const row of rows) seen.push(row.id);
    expect(seen).toEqual(expected.map((row) => row.id));
  });
});
