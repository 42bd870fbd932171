import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { type TestApp, unique } from './helpers/app.js';
import { appWithOperator, type SignedIn } from './helpers/fixtures.js';

/* Every security-relevant action leaves exactly one audit event naming who did it to whom. */
let t: TestApp;
let op: SignedIn;
beforeAll(async () => ({ t, operator: op } = await appWithOperator()));
afterAll(() => t.close());

interface EventRow {
  action: string;
  actor_user_id: string | null;
  target_user_id: string | null;
  ip: string | null;
  user_agent: string | null;
  detail: Record<string, unknown>;
}

const lastId = async () =>
  (await queryRows<{ id: number | null }>(t.database.db, sql`SELECT max(id)::int AS id FROM audit_events`))[0]!.id ?? 0;

/** Runs `act` and checks it recorded exactly one event, matching `expected`. */
async function expectOneEvent(act: () => Promise<unknown>, expected: Partial<EventRow>): Promise<EventRow> {
  const before = await lastId();
  await act();
  const events = await queryRows<EventRow>(
    t.database.db,
    sql`SELECT action, actor_user_id, target_user_id, ip, user_agent, detail FROM audit_events WHERE id > ${before} ORDER BY id`,
  );
  expect(events.map((event) => event.action)).toEqual([expected.action]);
  expect(events[0]).toMatchObject(expected);
  return events[0]!;
}

const asOp = (method: 'GET' | 'POST' | 'DELETE', url: string, body?: unknown) =>
  t.call(method, url, { token: op.token, body, apiKey: null });
const ok = async (response: Promise<{ status: number; text: string }>, status = 200) => {
  const answer = await response;
  expect(answer.status, answer.text).toBe(status);
  return answer;
};

describe('audit events of the account routes', () => {
  it('records registration, logins, refresh reuse, logout, password changes, updates and deletion once each', async () => {
    const username = unique('aud');
    const email = `${username}@example.com`;
    const password = 'correct horse battery';
    let userId = '';
    const registered = await expectOneEvent(
      async () => {
        const response = await ok(
          t.call('POST', '/auth/register', {
            body: { user_info: { username, email }, password },
            headers: { 'user-agent': 'audit-test/1.0' },
          }),
          201,
        );
        userId = JSON.parse(response.text).user.user_id;
      },
      { action: 'user.registered' },
    );
    expect(registered).toMatchObject({ actor_user_id: userId, target_user_id: userId, user_agent: 'audit-test/1.0', ip: '127.0.0.1' });

    let session = { token: '', refresh_token: '' };
    await expectOneEvent(
      async () => {
        session = await t.login({ email, password });
      },
      { action: 'login.succeeded', actor_user_id: userId, target_user_id: userId },
    );
    await expectOneEvent(() => t.call('POST', '/auth/login', { body: { email, password: 'wrong password' } }), {
      action: 'login.failed',
      actor_user_id: null,
      target_user_id: userId,
      detail: { reason: 'wrong_password' },
    });
    await expectOneEvent(() => t.call('POST', '/auth/login', { body: { email: 'nobody@example.com', password } }), {
      action: 'login.failed',
      actor_user_id: null,
      target_user_id: null,
      detail: { reason: 'unknown_user' },
    });

    const rotated = await ok(t.call('POST', '/auth/refresh', { body: { refresh_token: session.refresh_token } }));
    // A reuse is a spent token presented after the grace window, in which it would get the same successor again.
    t.clock.advance(t.config.refreshGraceSeconds + 1);
    await expectOneEvent(() => t.call('POST', '/auth/refresh', { body: { refresh_token: session.refresh_token } }), {
      action: 'session.refresh_reused',
      actor_user_id: null,
      target_user_id: userId,
    });
    t.clock.advance(-(t.config.refreshGraceSeconds + 1));
    expect(JSON.parse(rotated.text).token).toBeTruthy();

    const fresh = await t.login({ email, password });
    await expectOneEvent(() => ok(t.call('GET', '/auth/refresh-disable', { token: fresh.token })), {
      action: 'session.refresh_disabled',
      actor_user_id: userId,
      target_user_id: userId,
    });
    await expectOneEvent(
      () => t.call('POST', '/auth/reset-password', { token: fresh.token, body: { old_password: 'not it', new_password: 'whatever long' } }),
      {
        action: 'password.change_failed',
        actor_user_id: userId,
        target_user_id: userId,
      },
    );
    await expectOneEvent(
      () =>
        ok(
          t.call('POST', '/auth/reset-password', {
            token: fresh.token,
            body: { old_password: password, new_password: 'a newer passphrase' },
          }),
        ),
      {
        action: 'password.changed',
        actor_user_id: userId,
        target_user_id: userId,
      },
    );
    await expectOneEvent(() => ok(t.call('POST', '/user/userinfo/update', { token: fresh.token, body: { first_name: 'Audited' } })), {
      action: 'user.updated',
      actor_user_id: userId,
      target_user_id: userId,
      detail: { fields: ['first_name'] },
    });
    await expectOneEvent(() => ok(t.call('GET', '/auth/logout', { token: fresh.token })), {
      action: 'session.logged_out',
      actor_user_id: userId,
      target_user_id: userId,
    });
    const last = await t.login({ email, password: 'a newer passphrase' });
    await expectOneEvent(() => ok(t.call('GET', '/user/delete', { token: last.token })), {
      action: 'user.deleted',
      actor_user_id: userId,
      target_user_id: userId,
    });
  });
});

describe('audit events of the operator routes', () => {
  it('records each operator action once, with the operator as actor and the user as target', async () => {
    let userId = '';
    const username = unique('opaud');
    const email = `${username}@example.com`;
    await expectOneEvent(
      async () => {
        const response = await ok(
          asOp('POST', '/operator/profile/register', { user_info: { username, email }, password: 'first password' }),
          201,
        );
        userId = JSON.parse(response.text).user.user_id;
      },
      { action: 'operator.user_created', actor_user_id: op.id },
    );
    const as = { actor_user_id: op.id, target_user_id: userId };
    await expectOneEvent(() => ok(asOp('POST', '/operator/userinfo/update', { user_id: userId, last_name: 'Changed' })), {
      action: 'operator.user_updated',
      ...as,
    });
    await expectOneEvent(() => ok(asOp('POST', '/operator/userinfo/update', { user_id: userId, operator: true })), {
      action: 'operator.role_granted',
      ...as,
    });
    await expectOneEvent(() => ok(asOp('POST', '/operator/userinfo/update', { user_id: userId, operator: false })), {
      action: 'operator.role_revoked',
      ...as,
    });
    await expectOneEvent(
      () => ok(asOp('POST', '/operator/profile/reset-user-password', { user_id: userId, new_password: 'second password' })),
      {
        action: 'operator.password_reset',
        ...as,
      },
    );
    const { token } = await t.login({ email, password: 'second password' });
    const sid = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).sid;
    await expectOneEvent(() => ok(asOp('DELETE', `/operator/users/${userId}/sessions/${sid}`)), {
      action: 'operator.session_revoked',
      ...as,
    });
    await expectOneEvent(() => ok(asOp('DELETE', `/operator/users/${userId}/sessions`)), { action: 'operator.sessions_revoked', ...as });
    await expectOneEvent(() => ok(asOp('GET', `/operator/users/delete/${email}`)), { action: 'operator.user_deleted', ...as });
    await expectOneEvent(() => ok(asOp('POST', '/operator/users/restore', { user_id: userId })), {
      action: 'operator.user_restored',
      ...as,
    });
    await ok(asOp('GET', `/operator/users/delete/${email}`));
    await expectOneEvent(() => ok(asOp('DELETE', `/operator/users/${userId}`)), { action: 'operator.user_purged', ...as });
  });

  it('records nothing for reads and for refused requests', async () => {
    const before = await lastId();
    const user = await t.registerUser();
    const afterRegister = await lastId();
    await asOp('POST', '/operator/userinfo', { user_id: user.id });
    await asOp('GET', '/operator/users');
    await asOp('GET', `/operator/users/${user.id}/sessions`);
    await asOp('GET', '/operator/audit');
    await asOp('POST', '/operator/userinfo/update', { user_id: user.id });
    await asOp('GET', '/operator/users/delete/ghost%40example.com');
    expect(afterRegister).toBe(before + 1);
    expect(await lastId()).toBe(afterRegister);
  });

  // Threat: the audit trail becoming a second store of passwords or tokens.
  it('never stores a password, token or hash in any event', async () => {
    const user = await t.registerUser({ password: 'secret-sauce-123' });
    const session = await t.login({ email: user.email, password: 'secret-sauce-123' });
    await asOp('POST', '/operator/profile/reset-user-password', { user_id: user.id, new_password: 'another-secret-456' });
    const [stored] = await queryRows<{ password_hash: string }>(t.database.db, sql`SELECT password_hash FROM users WHERE id = ${user.id}`);
    const all = JSON.stringify(await queryRows(t.database.db, sql`SELECT * FROM audit_events`));
    for (const secret of [
      'secret-sauce-123',
      'another-secret-456',
      session.token,
      session.refresh_token,
      stored!.password_hash,
      'argon2',
    ]) {
      expect(all).not.toContain(secret);
    }
  });

  // Threat: someone with database access (or a bug) rewriting history after an incident.
  it('refuses to change or remove recorded events', async () => {
    await expect(t.database.db.execute(sql`UPDATE audit_events SET action = 'nothing.happened'`)).rejects.toThrow();
    await expect(t.database.db.execute(sql`DELETE FROM audit_events`)).rejects.toThrow();
    expect((await queryRows(t.database.db, sql`SELECT 1 FROM audit_events WHERE action = 'nothing.happened'`)).length).toBe(0);
  });
});
