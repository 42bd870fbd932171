import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { users } from '../src/db/schema.js';
import { createTestApp, type TestApp, type TestUser } from './helpers/app.js';
import { stored } from './helpers/stored.js';

/* Who may call /operator/*, and the rule that there is always one operator left. */
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const SOME_ID = '00000000-0000-4000-8000-000000000000';

/** Every route of the operators and audit features, with a body that would not validate. */
const ROUTES: [string, string, unknown?][] = [
  ['POST', '/operator/profile/register', { nonsense: true }],
  ['POST', '/operator/profile/reset-user-password', { nonsense: true }],
  ['POST', '/operator/userinfo', { nonsense: true }],
  ['POST', '/operator/userinfo/update', { nonsense: true }],
  ['GET', '/operator/users/deleted?limit=0'],
  ['GET', '/operator/users/delete/not-an-email'],
  ['GET', '/operator/users?limit=5000'],
  ['GET', '/operator/users/not-a-uuid'],
  ['POST', '/operator/users/restore', { nonsense: true }],
  ['DELETE', `/operator/users/${SOME_ID}`],
  ['GET', '/operator/users/not-a-uuid/sessions'],
  ['DELETE', `/operator/users/${SOME_ID}/sessions`],
  ['DELETE', `/operator/users/${SOME_ID}/sessions/not-a-uuid`],
  ['GET', '/operator/audit?actor=bad'],
];

const operatorCount = () => stored(t.database).count(users, { operator: true, deletedAt: null });

async function operatorWithToken(): Promise<{ user: TestUser; token: string }> {
  const user = await t.createOperator();
  return { user, token: (await t.login(user)).token };
}

describe('the last operator', () => {
  // Runs first, while the file's database has exactly one operator.
  it('cannot remove their own role nor delete themselves (409 last_operator), and stays an operator', async () => {
    expect(await operatorCount()).toBe(0);
    const only = await operatorWithToken();
    const demote = await t.call('POST', '/operator/userinfo/update', {
      token: only.token,
      body: { user_id: only.user.id, operator: false },
    });
    expect(demote.status).toBe(409);
    expect(demote.body.type).toBe('urn:sentinel:problem:last_operator');
    const remove = await t.call('GET', `/operator/users/delete/${only.user.email}`, { token: only.token });
    expect(remove.status).toBe(409);
    expect(remove.body.type).toBe('urn:sentinel:problem:last_operator');
    expect(await operatorCount()).toBe(1);
    expect((await t.call('GET', '/operator/users', { token: only.token })).status).toBe(200);
    const events = await queryRows(
      t.database.db,
      sql`SELECT 1 FROM audit_events WHERE target_user_id = ${only.user.id} AND action LIKE 'operator.%'`,
    );
    expect(events).toEqual([]);

    // With a second operator, the first may step down; their token stops working on /operator/* at once.
    await operatorWithToken();
    const stepDown = await t.call('POST', '/operator/userinfo/update', {
      token: only.token,
      body: { user_id: only.user.id, operator: false },
    });
    expect(stepDown.status).toBe(200);
    expect((await t.call('GET', '/operator/users', { token: only.token })).status).toBe(401);
  });

  // Threat: two operators stepping down at the same moment both see "another operator is left".
  it('lets only one of two operators stepping down at the same moment go', async () => {
    const others = await queryRows<{ id: string }>(t.database.db, sql`SELECT id FROM users WHERE operator AND deleted_at IS NULL`);
    for (const other of others) await t.services.users.update(other.id, { operator: false });
    const a = await operatorWithToken();
    const b = await operatorWithToken();
    expect(await operatorCount()).toBe(2);
    const answers = await Promise.all([
      t.call('POST', '/operator/userinfo/update', { token: a.token, body: { user_id: a.user.id, operator: false } }),
      t.call('GET', `/operator/users/delete/${b.user.email}`, { token: b.token }),
    ]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 409]);
    expect(answers.find((answer) => answer.status === 409)!.body.type).toBe('urn:sentinel:problem:last_operator');
    expect(await operatorCount()).toBe(1);
  });

  // Threat: the self-service and operator paths each counting on their own (assertOperatorRemains is shared).
  it('lets only one go when one operator deletes their own account (GET /user/delete) as the other steps down', async () => {
    const others = await queryRows<{ id: string }>(t.database.db, sql`SELECT id FROM users WHERE operator AND deleted_at IS NULL`);
    for (const other of others) await t.services.users.update(other.id, { operator: false });
    const a = await operatorWithToken();
    const b = await operatorWithToken();
    const answers = await Promise.all([
      t.call('GET', '/user/delete', { token: a.token }),
      t.call('POST', '/operator/userinfo/update', { token: b.token, body: { user_id: b.user.id, operator: false } }),
    ]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 409]);
    expect(answers.find((answer) => answer.status === 409)!.body.type).toBe('urn:sentinel:problem:last_operator');
    expect(await operatorCount()).toBe(1);
  });
});

describe('/operator/* authorization', () => {
  let user: TestUser;
  let userToken: string;
  let op: { user: TestUser; token: string };
  beforeAll(async () => {
    user = await t.registerUser();
    userToken = (await t.login(user)).token;
    op = await operatorWithToken();
  });

  // Threat: a plain user probing operator routes, or learning about them from validation errors.
  it.each(ROUTES)('%s %s answers 403 to a non-operator before reading the body, and 401 without a token', async (method, url, body) => {
    const before = await queryRows<{ n: number }>(t.database.db, sql`SELECT count(*)::int AS n FROM audit_events`);
    const forbidden = await t.call(method as 'GET', url, { token: userToken, body, apiKey: null });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.type).toBe('urn:sentinel:problem:forbidden');
    expect(forbidden.body.errors).toBeUndefined();
    const anonymous = await t.call(method as 'GET', url, { body, apiKey: null });
    expect(anonymous.status).toBe(401);
    // An operator gets past the guard, to validation or to the missing user.
    const operator = await t.call(method as 'GET', url, { token: op.token, body, apiKey: null });
    expect([400, 404]).toContain(operator.status);
    const after = await queryRows<{ n: number }>(t.database.db, sql`SELECT count(*)::int AS n FROM audit_events`);
    expect(after[0]!.n).toBe(before[0]!.n);
  });

  // Threat: an operator whose account was deleted keeps administering with a token issued before.
  it('refuses the token of an operator whose account was deleted with 401, on every route', async () => {
    const gone = await operatorWithToken();
    expect((await t.call('GET', '/operator/users', { token: gone.token })).status).toBe(200);
    expect((await t.call('GET', `/operator/users/delete/${gone.user.email}`, { token: op.token })).status).toBe(200);
    for (const [method, url, body] of ROUTES) {
      const response = await t.call(method as 'GET', url, { token: gone.token, body, apiKey: null });
      expect(response.status, `${method} ${url}`).toBe(401);
    }
  });

  it('refuses the token of an operator who deleted their own account with 401', async () => {
    const self = await operatorWithToken();
    expect((await t.call('GET', '/user/delete', { token: self.token })).status).toBe(200);
    expect((await t.call('GET', '/operator/audit', { token: self.token })).status).toBe(401);
  });
});
