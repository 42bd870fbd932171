import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import type { TestApp } from './helpers/app.js';
import { appWithOperator, type SignedIn } from './helpers/fixtures.js';
import { auditOf, enrollTotp } from './helpers/totp.js';

let t: TestApp;
let operator: SignedIn;
beforeAll(async () => ({ t, operator } = await appWithOperator()));
afterAll(() => t.close());

const disable = (userId: string, token = operator.token) => t.call('POST', `/operator/users/${userId}/otp/disable`, { token });

describe('POST /operator/users/:userid/otp/disable', () => {
  it("turns a user's TOTP off and ends all the user's sessions (lost phone)", async () => {
    const user = await t.registerUser();
    const { token } = await enrollTotp(t, user);
    const response = await disable(user.id);
    expect(response.status).toBe(200);
    expect(response.body.user).toMatchObject({ user_id: user.id, otp_enabled: false, deleted_at: null });
    expect(response.body.sessions_ended).toBe(1);
    expect((await t.call('GET', '/auth/verify', { token })).status).toBe(401);

    const rows = await queryRows<{ n: number }>(
      t.database.db,
      sql`SELECT (SELECT count(*) FROM user_totp WHERE user_id = ${user.id}) + (SELECT count(*) FROM otp_recovery_codes WHERE user_id = ${user.id})::int AS n`,
    );
    expect(Number(rows[0]!.n)).toBe(0);
    const [event] = await auditOf(t, user.id, 'otp.disabled');
    expect(event).toMatchObject({ actor_user_id: operator.id, detail: { by: 'operator' } });
    // The password alone logs in again, and the user can enroll a new phone.
    const login = await t.login(user);
    expect(login.token).toBeDefined();
    expect((await t.call('POST', '/auth/enable-otp', { token: login.token })).status).toBe(200);
  });

  it('answers 409 otp_not_enabled for a user without TOTP, ending no session', async () => {
    const user = await t.registerUser();
    const { token } = await t.login(user);
    const response = await disable(user.id);
    expect(response.status).toBe(409);
    expect(response.body.type).toBe('urn:sentinel:problem:otp_not_enabled');
    expect((await t.call('GET', '/auth/verify', { token })).status).toBe(200);
  });

  it('answers 404 for an unknown user and 400 for an id that is not a UUID', async () => {
    const unknown = await disable('00000000-0000-4000-8000-000000000000');
    expect(unknown.status).toBe(404);
    expect(unknown.body.type).toBe('urn:sentinel:problem:user_not_found');
    const bad = await disable('not-a-uuid');
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe('params/userid');
  });

  // Threat: a user turning off someone else's second factor.
  it('answers 403 to a non-operator and 401 without a token, changing nothing', async () => {
    const victim = await t.registerUser();
    await enrollTotp(t, victim);
    const other = await t.registerUser();
    const { token } = await t.login(other);
    const forbidden = await disable(victim.id, token);
    expect(forbidden.status).toBe(403);
    expect((await t.call('POST', `/operator/users/${victim.id}/otp/disable`)).status).toBe(401);
    const [row] = await queryRows<{ otp_enabled: boolean }>(t.database.db, sql`SELECT otp_enabled FROM users WHERE id = ${victim.id}`);
    expect(row!.otp_enabled).toBe(true);
  });

  it('is idempotent through the service for /operator/userinfo/update: TOTP already off changes nothing', async () => {
    const user = await t.registerUser();
    const result = await t.services.totp.disableForUser(user.id, operator.id, { ip: null, userAgent: 'test', appId: null });
    expect(result).toMatchObject({ disabled: false, sessionsEnded: 0 });
    expect(result.user.id).toBe(user.id);
    expect(await auditOf(t, user.id, 'otp.disabled')).toHaveLength(0);
  });
});
