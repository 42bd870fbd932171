import { sql } from 'drizzle-orm';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { createTestApp, type TestApp } from './helpers/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const sessionRow = async (token: string) =>
  (
    await queryRows<{ revoked_at: Date | null; revoked_reason: string | null; refresh_disabled_at: Date | null }>(
      t.database.db,
      sql`SELECT revoked_at, revoked_reason, refresh_disabled_at FROM sessions WHERE id = ${decodeJwt(token).sid as string}`,
    )
  )[0]!;

describe('POST /auth/refresh', () => {
  it('rotates: answers a new Session for the same session, and the old refresh token is spent', async () => {
    const user = await t.registerUser();
    const first = await t.login(user);
    const response = await t.call('POST', '/auth/refresh', { body: { refresh_token: first.refresh_token }, apiKey: null });
    expect(response.status).toBe(200);
    expect(response.body.refresh_token).not.toBe(first.refresh_token);
    expect(response.body.user.user_id).toBe(user.id);
    expect(decodeJwt(response.body.token).sid).toBe(decodeJwt(first.token).sid);
    expect((await t.call('GET', '/auth/verify', { token: response.body.token })).status).toBe(200);
  });

  it('ends the whole session when a spent refresh token comes back', async () => {
    // Threat: a stolen refresh token used after its owner already rotated it (or the reverse).
    const user = await t.registerUser();
    const first = await t.login(user);
    const second = (await t.call('POST', '/auth/refresh', { body: { refresh_token: first.refresh_token } })).body;

    // Past the grace window, in which a retry would get `second` again (test/auth-refresh-grace.test.ts).
    t.clock.advance(t.config.refreshGraceSeconds + 1);
    const replay = await t.call('POST', '/auth/refresh', { body: { refresh_token: first.refresh_token } });
    expect(replay.status).toBe(401);
    expect(replay.body.type).toBe('urn:sentinel:problem:invalid_refresh_token');

    // Both the current refresh token and the access tokens of the session stop working.
    expect((await t.call('POST', '/auth/refresh', { body: { refresh_token: second.refresh_token } })).status).toBe(401);
    expect((await t.call('GET', '/auth/verify', { token: second.token })).status).toBe(401);
    expect((await sessionRow(first.token)).revoked_reason).toBe('refresh_token_reused');
    const [event] = await queryRows<{ action: string }>(
      t.database.db,
      sql`SELECT action FROM audit_events WHERE target_user_id = ${user.id} AND action = 'session.refresh_reused'`,
    );
    expect(event).toBeDefined();
  });

  it('refuses an expired refresh token', async () => {
    const user = await t.registerUser();
    const session = await t.login(user);
    await t.database.db.execute(
      sql`UPDATE sessions SET refresh_expires_at = now() - interval '1 second' WHERE id = ${decodeJwt(session.token).sid as string}`,
    );
    expect((await t.call('POST', '/auth/refresh', { body: { refresh_token: session.refresh_token } })).status).toBe(401);
  });

  it.each([
    ['an unknown token', { refresh_token: 'x'.repeat(43) }, 401],
    ['an empty token', { refresh_token: '' }, 400],
    ['a number', { refresh_token: 42 }, 400],
    ['no token', {}, 400],
    ['a very long token', { refresh_token: 'x'.repeat(10_000) }, 400],
  ])('answers %s with %d', async (_name, body, status) => {
    expect((await t.call('POST', '/auth/refresh', { body })).status).toBe(status);
  });
});

describe('GET /auth/refresh-disable', () => {
  it("stops this session's refresh token but leaves its access token working", async () => {
    const user = await t.registerUser();
    const session = await t.login(user);
    expect((await t.call('GET', '/auth/refresh-disable', { token: session.token })).status).toBe(200);
    expect((await sessionRow(session.token)).refresh_disabled_at).not.toBeNull();
    expect((await t.call('POST', '/auth/refresh', { body: { refresh_token: session.refresh_token } })).status).toBe(401);
    expect((await t.call('GET', '/auth/verify', { token: session.token })).status).toBe(200);
  });
});

describe('GET /auth/logout', () => {
  it("ends this session's access and refresh tokens at once, and no other session", async () => {
    const user = await t.registerUser();
    const mine = await t.login(user);
    const other = await t.login(user);
    expect((await t.call('GET', '/auth/logout', { token: mine.token })).status).toBe(200);
    expect((await t.call('GET', '/auth/verify', { token: mine.token })).status).toBe(401);
    expect((await t.call('POST', '/auth/refresh', { body: { refresh_token: mine.refresh_token } })).status).toBe(401);
    expect((await t.call('GET', '/auth/verify', { token: other.token })).status).toBe(200);
    expect((await sessionRow(mine.token)).revoked_reason).toBe('logout');
  });
});

describe('POST /auth/reset-password', () => {
  it('changes the password and ends the other sessions, keeping this one', async () => {
    const user = await t.registerUser();
    const current = await t.login(user);
    const other = await t.login(user);
    const response = await t.call('POST', '/auth/reset-password', {
      token: current.token,
      body: { old_password: user.password, new_password: 'a brand new passphrase' },
    });
    expect(response.status).toBe(200);
    expect((await t.call('GET', '/auth/verify', { token: other.token })).status).toBe(401);
    expect((await t.call('POST', '/auth/refresh', { body: { refresh_token: other.refresh_token } })).status).toBe(401);
    expect((await t.call('GET', '/auth/verify', { token: current.token })).status).toBe(200);
    const oldLogin = await t.call('POST', '/auth/login', { body: { email: user.email, password: user.password } });
    expect(oldLogin.status).toBe(401);
    const newLogin = await t.call('POST', '/auth/login', { body: { email: user.email, password: 'a brand new passphrase' } });
    expect(newLogin.status).toBe(200);
  });

  it('answers 403 for a wrong old password and changes nothing', async () => {
    const user = await t.registerUser();
    const session = await t.login(user);
    const response = await t.call('POST', '/auth/reset-password', {
      token: session.token,
      body: { old_password: 'not my password', new_password: 'a brand new passphrase' },
    });
    expect(response.status).toBe(403);
    expect(response.body.type).toBe('urn:sentinel:problem:wrong_password');
    expect((await t.call('POST', '/auth/login', { body: { email: user.email, password: user.password } })).status).toBe(200);
  });

  it.each([
    ['a short new password', { old_password: 'whatever1', new_password: 'short' }, '/new_password'],
    ['a missing old password', { new_password: 'a brand new passphrase' }, '/old_password'],
    ['an unknown field', { old_password: 'whatever1', new_password: 'a brand new passphrase', confirm: 'x' }, '/confirm'],
  ])('answers 400 for %s', async (_name, body, path) => {
    const user = await t.registerUser();
    const session = await t.login(user);
    const response = await t.call('POST', '/auth/reset-password', { token: session.token, body });
    expect(response.status).toBe(400);
    expect(response.body.errors.map((error: { path: string }) => error.path)).toContain(path);
  });

  it('answers 401 without a token, before looking at the body', async () => {
    const response = await t.call('POST', '/auth/reset-password', { body: { nonsense: true } });
    expect(response.status).toBe(401);
  });
});
