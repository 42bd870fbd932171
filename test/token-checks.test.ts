import { sql } from 'drizzle-orm';
import { decodeJwt, SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/app.js';
import { loggedInOperator, loggedInUser } from './helpers/fixtures.js';
import { within } from './helpers/eventually.js';

describe('access tokens and the sessions they name', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  const forge = (claims: Record<string, unknown>) =>
    new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(t.config.jwtSecret!));

  // Threat: a holder of the signing key (a leaked secret, an old backup) mints tokens for sessions of its choosing.
  it('GET /auth/verify refuses a well-signed token naming a session that does not exist', async () => {
    const user = await loggedInUser(t);
    const token = await forge({ ...decodeJwt(user.token), sid: randomUUID() });
    const response = await t.call('GET', '/auth/verify', { token });
    expect(response.status).toBe(401);
    expect(response.body.type).toBe('urn:sentinel:problem:invalid_token');
  });

  it("GET /auth/verify refuses a well-signed token naming another user's live session", async () => {
    const mallory = await loggedInUser(t);
    const alice = await loggedInUser(t);
    const token = await forge({ ...decodeJwt(mallory.token), sid: decodeJwt(alice.token).sid });
    expect((await t.call('GET', '/auth/verify', { token })).status).toBe(401);
    // Nor the other way round: alice's claims with mallory's session.
    const reversed = await forge({ ...decodeJwt(alice.token), sid: decodeJwt(mallory.token).sid });
    expect((await t.call('GET', '/auth/verify', { token: reversed })).status).toBe(401);
    expect((await t.call('GET', '/auth/verify', { token: alice.token })).status).toBe(200);
  });

  it('GET /auth/verify answers 401, not 500, for a well-signed token whose ids are not UUIDs', async () => {
    const user = await loggedInUser(t);
    for (const claims of [{ sid: 'x' }, { sub: "'; DROP TABLE users; --" }]) {
      const response = await t.call('GET', '/auth/verify', { token: await forge({ ...decodeJwt(user.token), ...claims }) });
      expect(response.status).toBe(401);
    }
  });

  it('GET /auth/verify answers the account as it is now, right after the user changed it', async () => {
    const user = await loggedInUser(t);
    expect((await t.call('GET', '/auth/verify', { token: user.token })).body.user.email).toBe(user.email);
    const email = `changed-${user.email}`;
    expect((await t.call('POST', '/user/userinfo/update', { token: user.token, body: { email } })).status).toBe(200);
    expect((await t.call('GET', '/auth/verify', { token: user.token })).body.user.email).toBe(email);
  });

  it('GET /auth/verify sees a change made straight in the database (an import, a script), with no call to Sentinel', async () => {
    const user = await loggedInUser(t);
    expect((await t.call('GET', '/auth/verify', { token: user.token })).body.user.first_name).toBe('Test');
    await t.database.db.execute(sql`UPDATE users SET first_name = 'Scripted' WHERE id = ${user.id}`);
    expect(
      await within(1000, async () => (await t.call('GET', '/auth/verify', { token: user.token })).body.user?.first_name === 'Scripted'),
    ).toBe(true);
    await t.database.db.execute(sql`UPDATE users SET deleted_at = now() WHERE id = ${user.id}`);
    expect(await within(1000, async () => (await t.call('GET', '/auth/verify', { token: user.token })).status === 401)).toBe(true);
  });

  it('an operator promoted or demoted reaches /operator/* accordingly with the token already held', async () => {
    const operator = await loggedInOperator(t);
    const user = await loggedInUser(t);
    expect((await t.call('GET', '/operator/users', { token: user.token })).status).toBe(403);
    const grant = await t.call('POST', '/operator/userinfo/update', { token: operator.token, body: { user_id: user.id, operator: true } });
    expect(grant.status).toBe(200);
    expect((await t.call('GET', '/operator/users', { token: user.token })).status).toBe(200);
    expect((await t.call('GET', '/auth/verify', { token: user.token })).body.user.operator).toBe(true);
    await t.call('POST', '/operator/userinfo/update', { token: operator.token, body: { user_id: user.id, operator: false } });
    expect((await t.call('GET', '/operator/users', { token: user.token })).status).toBe(401);
  });
});
