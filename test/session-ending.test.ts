import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessions } from '../src/db/schema.js';
import { inTransaction } from '../src/db/transaction.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { stored } from './helpers/stored.js';

/*
 * Every path that ends sessions (logout, password change or reset, deletion, role removal,
 * TOTP reset, operator revocation) goes through SessionService.endSessions: the sessions end
 * with the caller's transaction, and every process refuses their tokens once it commits.
 */
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const verify = async (token: string) => (await t.call('GET', '/auth/verify', { token })).status;
const sessionOf = (token: string) => decodeJwt(token).sid as string;
const revokedReason = async (token: string) => (await stored(t.database).row(sessions, { id: sessionOf(token) }))!.revokedReason;

describe('SessionService.endSessions', () => {
  it('ends nothing, here or for other processes, when the transaction rolls back', async () => {
    const user = await t.registerUser();
    const { token } = await t.login(user);
    const failure = new Error('the rest of the change failed');
    await expect(
      inTransaction(t.database.db, async (tx) => {
        expect(await t.services.sessions.endSessions(tx, { userId: user.id }, 'password_reset')).toEqual([sessionOf(token)]);
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await revokedReason(token)).toBeNull();
    expect(await verify(token)).toBe(200);
  });

  it('refuses the tokens from the next request once the transaction commits', async () => {
    const user = await t.registerUser();
    const { token } = await t.login(user);
    await inTransaction(t.database.db, (tx) => t.services.sessions.endSessions(tx, { userId: user.id }, 'password_reset'));
    expect(await verify(token)).toBe(401);
    expect(await revokedReason(token)).toBe('password_reset');
  });

  it("keeps the session it is told to keep, and never ends another user's session named by id", async () => {
    const user = await t.registerUser();
    const other = await t.registerUser();
    const [kept, ended] = [await t.login(user), await t.login(user)];
    const othersToken = (await t.login(other)).token;
    await inTransaction(t.database.db, async (tx) => {
      const { sessions } = t.services;
      expect(await sessions.endSessions(tx, { userId: user.id, sessionIds: [sessionOf(othersToken)] }, 'operator_revoked')).toEqual([]);
      expect(await sessions.endSessions(tx, { userId: user.id, except: sessionOf(kept.token) }, 'password_changed')).toEqual([
        sessionOf(ended.token),
      ]);
    });
    expect([await verify(kept.token), await verify(ended.token), await verify(othersToken)]).toEqual([200, 401, 200]);
  });
});
