import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { otpRecoveryCodes } from '../src/db/schema.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { stored } from './helpers/stored.js';
import { auditOf, codeAt, enrollTotp, setClockToStep, startLogin, verifyOtp } from './helpers/totp.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const unusedCodes = (userId: string) => stored(t.database).count(otpRecoveryCodes, { userId, usedAt: null });

describe('recovery codes', () => {
  it('are 10 distinct XXXX-XXXX-XXXX codes, stored only as hashes', async () => {
    setClockToStep(t, 80_000_000);
    const user = await t.registerUser();
    const { recoveryCodes } = await enrollTotp(t, user);
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    for (const code of recoveryCodes) expect(code).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    const rows = await queryRows<{ code_hash: string }>(
      t.database.db,
      sql`SELECT code_hash FROM otp_recovery_codes WHERE user_id = ${user.id}`,
    );
    expect(rows).toHaveLength(10);
    const stored = JSON.stringify(rows);
    for (const code of recoveryCodes) {
      expect(stored).not.toContain(code);
      expect(stored).not.toContain(code.replace(/-/g, ''));
    }
  });

  it('each log in once through POST /auth/verify-otp, in any case and without hyphens', async () => {
    setClockToStep(t, 80_000_010);
    const user = await t.registerUser();
    const { recoveryCodes } = await enrollTotp(t, user);
    const [first, second] = recoveryCodes as [string, string];

    const login = await verifyOtp(t, await startLogin(t, user), first);
    expect(login.status).toBe(200);
    expect(login.body.user.user_id).toBe(user.id);
    const typed = second.toLowerCase().replace(/-/g, '');
    expect((await verifyOtp(t, await startLogin(t, user), typed)).status).toBe(200);
    expect(await unusedCodes(user.id)).toBe(8);

    const used = await auditOf(t, user.id, 'otp.recovery_code_used');
    expect(used.map((e) => e.detail.remaining)).toEqual([9, 8]);
    const succeeded = await auditOf(t, user.id, 'login.succeeded');
    expect(succeeded.slice(-2).map((e) => e.detail.second_factor)).toEqual(['recovery_code', 'recovery_code']);
  });

  it('refuse a recovery code used before, as 401 invalid_otp_code', async () => {
    setClockToStep(t, 80_000_020);
    const user = await t.registerUser();
    const { recoveryCodes } = await enrollTotp(t, user);
    expect((await verifyOtp(t, await startLogin(t, user), recoveryCodes[0]!)).status).toBe(200);
    const again = await verifyOtp(t, await startLogin(t, user), recoveryCodes[0]!.toLowerCase());
    expect(again.status).toBe(401);
    expect(again.body.type).toBe('urn:sentinel:problem:invalid_otp_code');
    const [failed] = (await auditOf(t, user.id, 'otp.failed')).slice(-1);
    expect(failed!.detail).toMatchObject({ during: 'login', method: 'recovery_code' });
    expect(await unusedCodes(user.id)).toBe(9);
  });

  // Threat: a leaked recovery code replayed by two parallel requests to open two sessions.
  it('let only one of two concurrent logins use the same recovery code', async () => {
    setClockToStep(t, 80_000_030);
    const user = await t.registerUser();
    const { recoveryCodes } = await enrollTotp(t, user);
    const tokens = [await startLogin(t, user), await startLogin(t, user)];
    const statuses = (await Promise.all(tokens.map((token) => verifyOtp(t, token, recoveryCodes[3]!)))).map((r) => r.status).sort();
    expect(statuses).toEqual([200, 401]);
    expect(await unusedCodes(user.id)).toBe(9);
  });

  it('of one user do not log in another user', async () => {
    setClockToStep(t, 80_000_040);
    const victim = await t.registerUser();
    const attacker = await t.registerUser();
    await enrollTotp(t, victim);
    const { recoveryCodes } = await enrollTotp(t, attacker);
    expect((await verifyOtp(t, await startLogin(t, victim), recoveryCodes[0]!)).status).toBe(401);
    expect(await unusedCodes(attacker.id)).toBe(10);
  });

  it('are replaced by POST /auth/recovery-codes: the old ones stop working', async () => {
    setClockToStep(t, 80_000_050);
    const user = await t.registerUser();
    const { secret, recoveryCodes: old, token } = await enrollTotp(t, user);
    const wrong = await t.call('POST', '/auth/recovery-codes', { token, body: { password: 'not the password' } });
    expect(wrong.status).toBe(403);
    expect(wrong.body.type).toBe('urn:sentinel:problem:wrong_password');

    const response = await t.call('POST', '/auth/recovery-codes', { token, body: { code: codeAt(secret, t.clock()) } });
    expect(response.status).toBe(200);
    const fresh: string[] = response.body.recovery_codes;
    expect(fresh).toHaveLength(10);
    expect(fresh.some((code) => old.includes(code))).toBe(false);
    expect((await verifyOtp(t, await startLogin(t, user), old[0]!)).status).toBe(401);
    expect((await verifyOtp(t, await startLogin(t, user), fresh[0]!)).status).toBe(200);
    expect(await auditOf(t, user.id, 'otp.recovery_codes_regenerated')).toHaveLength(1);
  });

  it('cannot be regenerated while TOTP is off (409)', async () => {
    const user = await t.registerUser();
    const { token } = await t.login(user);
    const response = await t.call('POST', '/auth/recovery-codes', { token, body: { password: user.password } });
    expect(response.status).toBe(409);
    expect(response.body.type).toBe('urn:sentinel:problem:otp_not_enabled');
  });
});
