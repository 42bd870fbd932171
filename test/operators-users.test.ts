import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import type { AuditAction } from '../src/modules/audit/audit-log.js';
import { type TestApp, type TestUser, unique } from './helpers/app.js';
import { auditEventsOf } from './helpers/audit.js';
import { appWithOperator, type SignedIn } from './helpers/fixtures.js';

let t: TestApp;
let op: SignedIn;
beforeAll(async () => ({ t, operator: op } = await appWithOperator()));
afterAll(() => t.close());

const storedUser = async (id: string) =>
  (
    await queryRows<{ username: string; email: string; first_name: string; operator: boolean; deleted: boolean; password_hash: string }>(
      t.database.db,
      sql`SELECT username, email, first_name, operator, deleted_at IS NOT NULL AS deleted, password_hash FROM users WHERE id = ${id}`,
    )
  )[0];

const eventsOf = (action: AuditAction, targetId: string) => auditEventsOf(t, action, targetId);

const asOp = (method: 'GET' | 'POST' | 'DELETE', url: string, body?: unknown) =>
  t.call(method, url, { token: op.token, body, apiKey: null });

async function newOperator(): Promise<{ user: TestUser; token: string }> {
  const user = await t.createOperator();
  return { user, token: (await t.login(user)).token };
}

function registration(overrides: Record<string, unknown> = {}) {
  const username = unique('made');
  return {
    user_info: { username, email: `${username}@example.com`, first_name: 'Made', last_name: 'ByOp' },
    password: 'correct horse battery',
    ...overrides,
  };
}

describe('POST /operator/profile/register', () => {
  it('creates a user, records operator.user_created by the operator, and the user can log in', async () => {
    const body = registration();
    const response = await asOp('POST', '/operator/profile/register', body);
    expect(response.status).toBe(201);
    expect(response.body.user).toMatchObject({ username: body.user_info.username, operator: false, deleted_at: null });
    const id = response.body.user.user_id;
    expect(await eventsOf('operator.user_created', id)).toEqual([
      { actor_user_id: op.id, target_user_id: id, detail: { imported: false, operator: false } },
    ]);
    expect(await eventsOf('user.registered', id)).toEqual([]);
    await t.login({ email: body.user_info.email, password: body.password });
  });

  it('creates an operator with "operator": true, who can use /operator/* at once', async () => {
    const body = registration({ operator: true });
    const response = await asOp('POST', '/operator/profile/register', body);
    expect(response.status).toBe(201);
    expect(response.body.user.operator).toBe(true);
    const { token } = await t.login({ email: body.user_info.email, password: body.password });
    expect((await t.call('GET', '/operator/users/deleted', { token })).status).toBe(200);
  });

  it('answers 409 for an email that a soft-deleted account still holds', async () => {
    const user = await t.registerUser();
    expect((await asOp('GET', `/operator/users/delete/${user.email}`)).status).toBe(200);
    const response = await asOp(
      'POST',
      '/operator/profile/register',
      registration({ user_info: { username: unique('x'), email: user.email.toUpperCase() } }),
    );
    expect(response.status).toBe(409);
    expect(response.body.type).toBe('urn:sentinel:problem:email_taken');
  });

  it('answers 400 for a non-boolean operator flag or an unknown field', async () => {
    expect((await asOp('POST', '/operator/profile/register', registration({ operator: 'yes' }))).status).toBe(400);
    const unknown = await asOp('POST', '/operator/profile/register', registration({ role: 'admin' }));
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors.map((e: { path: string }) => e.path)).toContain('/role');
  });
});

describe('POST /operator/userinfo', () => {
  it('finds a user by id, by email or username in any case, and a deleted one with deleted_at', async () => {
    const user = await t.registerUser();
    for (const body of [
      { user_id: user.id },
      { email: user.email.toUpperCase() },
      { username: user.username.toUpperCase() },
      { user_id: '', email: user.email },
    ]) {
      const response = await asOp('POST', '/operator/userinfo', body);
      expect(response.status, JSON.stringify(body)).toBe(200);
      expect(response.body.user).toMatchObject({ user_id: user.id, email: user.email, deleted_at: null });
      expect(response.text).not.toContain('argon2');
    }
    await asOp('GET', `/operator/users/delete/${user.email}`);
    const deleted = await asOp('POST', '/operator/userinfo', { user_id: user.id });
    expect(deleted.status).toBe(200);
    expect(Date.parse(deleted.body.user.deleted_at)).toBeGreaterThan(0);
  });

  it('answers 404 for an unknown id, email or username, and when the keys name different users', async () => {
    const a = await t.registerUser();
    const b = await t.registerUser();
    for (const body of [
      { user_id: '00000000-0000-4000-8000-000000000000' },
      { email: 'nobody@example.com' },
      { username: 'nobody-at-all' },
      { user_id: a.id, email: b.email },
    ]) {
      const response = await asOp('POST', '/operator/userinfo', body);
      expect(response.status, JSON.stringify(body)).toBe(404);
      expect(response.body.type).toBe('urn:sentinel:problem:user_not_found');
    }
  });

  it('answers 400 for a malformed UUID, for no key at all, and for only empty keys', async () => {
    const malformed = await asOp('POST', '/operator/userinfo', { user_id: 'not-a-uuid' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors.map((e: { path: string }) => e.path)).toContain('/user_id');
    for (const body of [{}, { user_id: '', email: '', username: '' }]) {
      const response = await asOp('POST', '/operator/userinfo', body);
      expect(response.status).toBe(400);
      expect(response.body.type).toBe('urn:sentinel:problem:lookup_required');
    }
  });
});

describe('POST /operator/userinfo/update', () => {
  it('changes the given fields, records one operator.user_updated, and answers the User', async () => {
    const user = await t.registerUser();
    const username = unique('renamed');
    const response = await asOp('POST', '/operator/userinfo/update', { user_id: user.id, username, first_name: 'Grace' });
    expect(response.status).toBe(200);
    expect(response.body.user).toMatchObject({ user_id: user.id, username, first_name: 'Grace', email: user.email, deleted_at: null });
    expect(await storedUser(user.id)).toMatchObject({ username, first_name: 'Grace' });
    expect(await eventsOf('operator.user_updated', user.id)).toEqual([
      { actor_user_id: op.id, target_user_id: user.id, detail: { fields: ['username', 'first_name'] } },
    ]);
  });

  it("answers 409 for another user's email or username in any case, and changes nothing", async () => {
    const taken = await t.registerUser();
    const user = await t.registerUser();
    const byEmail = await asOp('POST', '/operator/userinfo/update', { user_id: user.id, email: taken.email.toUpperCase() });
    expect(byEmail.status).toBe(409);
    expect(byEmail.body.type).toBe('urn:sentinel:problem:email_taken');
    const byUsername = await asOp('POST', '/operator/userinfo/update', {
      user_id: user.id,
      username: taken.username.toUpperCase(),
      first_name: 'X',
    });
    expect(byUsername.status).toBe(409);
    expect(byUsername.body.type).toBe('urn:sentinel:problem:username_taken');
    expect(await storedUser(user.id)).toMatchObject({ email: user.email, username: user.username, first_name: 'Test' });
    expect(await eventsOf('operator.user_updated', user.id)).toEqual([]);
  });

  it.each([
    ['only user_id', (id: string) => ({ user_id: id }), ''],
    ['a malformed user_id', () => ({ user_id: '1234', first_name: 'A' }), '/user_id'],
    ['no user_id', () => ({ first_name: 'A' }), '/user_id'],
    ['a bad email', (id: string) => ({ user_id: id, email: 'nope' }), '/email'],
    ['an operator flag as a string', (id: string) => ({ user_id: id, operator: 'false' }), '/operator'],
    ['an unknown field', (id: string) => ({ user_id: id, password: 'x' }), '/password'],
  ])('answers 400 for %s and changes nothing', async (_name, makeBody, path) => {
    const user = await t.registerUser();
    const response = await asOp('POST', '/operator/userinfo/update', makeBody(user.id));
    expect(response.status).toBe(400);
    expect(response.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    expect(await storedUser(user.id)).toMatchObject({ email: user.email, username: user.username, first_name: 'Test', operator: false });
  });

  it('answers 404 for an unknown user and 409 for a soft-deleted one', async () => {
    const unknown = await asOp('POST', '/operator/userinfo/update', { user_id: '00000000-0000-4000-8000-000000000000', first_name: 'A' });
    expect(unknown.status).toBe(404);
    const user = await t.registerUser();
    await asOp('GET', `/operator/users/delete/${user.email}`);
    const deleted = await asOp('POST', '/operator/userinfo/update', { user_id: user.id, first_name: 'A' });
    expect(deleted.status).toBe(409);
    expect(deleted.body.type).toBe('urn:sentinel:problem:user_deleted');
  });

  it('grants the operator role: recorded as operator.role_granted, effective at once for tokens already held', async () => {
    const user = await t.registerUser();
    const before = await t.login(user);
    const response = await asOp('POST', '/operator/userinfo/update', { user_id: user.id, operator: true });
    expect(response.status).toBe(200);
    expect(response.body.user.operator).toBe(true);
    expect(await eventsOf('operator.role_granted', user.id)).toEqual([{ actor_user_id: op.id, target_user_id: user.id, detail: {} }]);
    expect(await eventsOf('operator.user_updated', user.id)).toEqual([]);
    // A token check reads the account as it is now, not the role the token was issued with.
    expect((await t.call('GET', '/operator/users', { token: before.token })).status).toBe(200);
    const { token } = await t.login(user);
    expect((await t.call('GET', '/operator/users', { token })).status).toBe(200);
    // Granting it again changes nothing and records nothing.
    await asOp('POST', '/operator/userinfo/update', { user_id: user.id, operator: true });
    expect(await eventsOf('operator.role_granted', user.id)).toHaveLength(1);
  });

  // Threat: a demoted operator keeps administering with a token minted while they held the role.
  it("removing the operator role refuses the user's old token on /operator/* at once, and their refresh token", async () => {
    const other = await newOperator();
    const session = await t.login(other.user);
    expect((await t.call('GET', '/operator/users', { token: other.token })).status).toBe(200);

    const response = await asOp('POST', '/operator/userinfo/update', { user_id: other.user.id, operator: false });
    expect(response.status).toBe(200);
    expect(response.body.user.operator).toBe(false);

    for (const token of [other.token, session.token]) {
      const refused = await t.call('GET', '/operator/users', { token });
      expect(refused.status).toBe(401);
    }
    expect((await t.call('POST', '/auth/refresh', { body: { refresh_token: session.refresh_token } })).status).toBe(401);
    expect(await eventsOf('operator.role_revoked', other.user.id)).toEqual([
      { actor_user_id: op.id, target_user_id: other.user.id, detail: { sessions_ended: 2 } },
    ]);
    // A fresh login works, as a plain user.
    const { token } = await t.login(other.user);
    expect((await t.call('GET', '/operator/users', { token })).status).toBe(403);
  });

  it('records both events when one request changes fields and removes the role', async () => {
    const other = await newOperator();
    const response = await asOp('POST', '/operator/userinfo/update', { user_id: other.user.id, last_name: 'Former', operator: false });
    expect(response.status).toBe(200);
    expect(await eventsOf('operator.user_updated', other.user.id)).toHaveLength(1);
    expect(await eventsOf('operator.role_revoked', other.user.id)).toHaveLength(1);
  });
});

describe('POST /operator/profile/reset-user-password', () => {
  it('sets the password by email, ends every session of the user, and records operator.password_reset', async () => {
    const user = await t.registerUser();
    const first = await t.login(user);
    await t.login(user);
    const response = await asOp('POST', '/operator/profile/reset-user-password', {
      email: user.email.toUpperCase(),
      new_password: 'a brand new passphrase',
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ user_id: user.id, sessions_ended: 2 });
    expect((await t.call('GET', '/auth/verify', { token: first.token })).status).toBe(401);
    expect((await t.call('POST', '/auth/login', { body: { email: user.email, password: user.password } })).status).toBe(401);
    await t.login({ email: user.email, password: 'a brand new passphrase' });
    const events = await eventsOf('operator.password_reset', user.id);
    expect(events).toEqual([{ actor_user_id: op.id, target_user_id: user.id, detail: { sessions_ended: 2 } }]);
    expect(JSON.stringify(events)).not.toContain('passphrase');
  });

  // Threat: an operator whose password was reset (say, after a compromise) keeps using a stolen token.
  it("resetting an operator's password by user_id refuses their old token on /operator/* at once", async () => {
    const other = await newOperator();
    const response = await asOp('POST', '/operator/profile/reset-user-password', {
      user_id: other.user.id,
      new_password: 'rotated passphrase',
    });
    expect(response.status).toBe(200);
    expect((await t.call('GET', '/operator/users', { token: other.token })).status).toBe(401);
  });

  it('answers 404 for an unknown user, 409 for a deleted one, 400 for a short password or no user, and changes nothing', async () => {
    expect(
      (await asOp('POST', '/operator/profile/reset-user-password', { email: 'ghost@example.com', new_password: 'long enough pass' }))
        .status,
    ).toBe(404);
    const user = await t.registerUser();
    const hash = (await storedUser(user.id))!.password_hash;
    const short = await asOp('POST', '/operator/profile/reset-user-password', { user_id: user.id, new_password: 'short' });
    expect(short.status).toBe(400);
    expect(short.body.errors.map((e: { path: string }) => e.path)).toContain('/new_password');
    const nobody = await asOp('POST', '/operator/profile/reset-user-password', { new_password: 'long enough pass' });
    expect(nobody.status).toBe(400);
    expect(nobody.body.type).toBe('urn:sentinel:problem:lookup_required');
    expect((await asOp('POST', '/operator/profile/reset-user-password', { user_id: 'zzz', new_password: 'long enough pass' })).status).toBe(
      400,
    );
    await asOp('GET', `/operator/users/delete/${user.email}`);
    const deleted = await asOp('POST', '/operator/profile/reset-user-password', { user_id: user.id, new_password: 'long enough pass' });
    expect(deleted.status).toBe(409);
    expect((await storedUser(user.id))!.password_hash).toBe(hash);
  });
});
