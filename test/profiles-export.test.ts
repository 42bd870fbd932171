import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { loggedInOperator, registerApp } from './helpers/apps.js';

let t: TestApp;
let operatorToken: string;

beforeAll(async () => {
  t = await createTestApp();
  operatorToken = (await loggedInOperator(t)).token;
});
afterAll(() => t.close());

describe('GET /user/export', () => {
  it('returns the user, every profile across apps, the apps, sessions and security events, and no secret', async () => {
    const notes = await registerApp(t, operatorToken, { domains: ['notes.example.com'] });
    const games = await registerApp(t, operatorToken);
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
});
