import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { sessions } from '../src/db/schema.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { stored } from './helpers/stored.js';
import {
  auditOf,
  codeAt,
  currentStep,
  enrollTotp,
  RFC6238_SECRET,
  setClock,
  setClockToStep,
  startLogin,
  TEST_ENCRYPTION_KEY,
  verifyOtp,
} from './helpers/totp.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: { SENTINEL_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY } });
});
afterAll(() => t.close());

const sessionCount = (userId: string) => stored(t.database).count(sessions, { userId });

describe('POST /auth/verify-otp at the RFC 6238 test vector times', () => {
  // Appendix B's SHA-1 codes are 8 digits; a 6-digit authenticator shows their last 6.
  const vectors: [seconds: number, eightDigits: string][] = [
    [59, '94287082'],
    [1_111_111_109, '07081804'],
    [1_111_111_111, '14050471'],
    [1_234_567_890, '89005924'],
    [2_000_000_000, '69279037'],
  ];

  it('logs in with each vector code at its time, and refuses it replayed', async () => {
    setClock(t, 15);
    const user = await t.registerUser();
    // Confirmed at time 15 with the code of step -1 (accepted as the previous step), so step 1 (time 59) is unspent.
    await enrollTotp(t, user, RFC6238_SECRET);
    for (const [seconds, eight] of vectors) {
      setClock(t, seconds);
      const otpToken = await startLogin(t, user);
      const response = await verifyOtp(t, otpToken, eight.slice(-6));
      expect(response.status, `at ${seconds} s`).toBe(200);
      expect(response.body).toMatchObject({ token_type: 'Bearer', user: { user_id: user.id, otp_enabled: true } });
      expect((await t.call('GET', '/auth/verify', { token: response.body.token })).status).toBe(200);
      const replay = await verifyOtp(t, await startLogin(t, user), eight.slice(-6));
      expect(replay.status, `replay at ${seconds} s`).toBe(401);
      expect(replay.body.type).toBe('urn:sentinel:problem:invalid_otp_code');
    }
  });
});

describe('POST /auth/login and POST /auth/verify-otp', () => {
  it('answers otp_required with no session for a user with TOTP on, then verify-otp gives a normal Session', async () => {
    setClockToStep(t, 60_000_000);
    const user = await t.registerUser();
    const { secret } = await enrollTotp(t, user);
    const before = await sessionCount(user.id);

    const login = await t.call('POST', '/auth/login', { body: { email: user.email, password: user.password } });
    expect(login.status).toBe(200);
    expect(Object.keys(login.body).sort()).toEqual(['otp_required', 'otp_token']);
    expect(login.body.otp_required).toBe(true);
    expect(await sessionCount(user.id)).toBe(before);
    // Not a JWT, and no bearer route takes it.
    expect(login.body.otp_token.split('.')).toHaveLength(1);
    expect((await t.call('GET', '/auth/verify', { token: login.body.otp_token })).status).toBe(401);
    expect((await t.call('POST', '/auth/refresh', { body: { refresh_token: login.body.otp_token } })).status).toBe(401);

    const verified = await verifyOtp(t, login.body.otp_token, codeAt(secret, t.clock()));
    expect(verified.status).toBe(200);
    expect(Object.keys(verified.body).sort()).toEqual(['expires_in', 'refresh_token', 'token', 'token_type', 'user']);
    expect(await sessionCount(user.id)).toBe(before + 1);
    expect((await t.call('POST', '/auth/refresh', { body: { refresh_token: verified.body.refresh_token } })).status).toBe(200);

    const [succeeded] = (await auditOf(t, user.id, 'login.succeeded')).slice(-1);
    expect(succeeded!.detail).toMatchObject({ second_factor: 'totp' });
    expect(succeeded!.actor_user_id).toBe(user.id);
    const [row] = await queryRows<{ last_used_step: string }>(
      t.database.db,
      sql`SELECT last_used_step FROM user_totp WHERE user_id = ${user.id}`,
    );
    expect(Number(row!.last_used_step)).toBe(currentStep(t));
  });

  it('accepts the previous and next step, refuses two steps away, and each step only once', async () => {
    setClockToStep(t, 61_000_000);
    const user = await t.registerUser();
    const { secret } = await enrollTotp(t, user); // spends step 60_999_999
    const at = (step: number) => codeAt(secret, step * 30_000 + 15_000);
    const attempt = async (code: string) => (await verifyOtp(t, await startLogin(t, user), code)).status;

    expect(await attempt(at(60_999_998))).toBe(401); // two steps back
    expect(await attempt(at(61_000_002))).toBe(401); // two steps ahead
    expect(await attempt(at(61_000_000))).toBe(200); // current
    expect(await attempt(at(61_000_000))).toBe(401); // replayed
    expect(await attempt(at(60_999_999))).toBe(401); // previous step, but older than one accepted
    expect(await attempt(at(61_000_001))).toBe(200); // next step
    expect(await attempt(at(61_000_001))).toBe(401);

    setClockToStep(t, 61_000_003);
    expect(await attempt(at(61_000_002))).toBe(200); // previous step, still unspent
    const reasons = (await auditOf(t, user.id, 'otp.failed')).map((event) => event.detail.reason);
    expect(reasons).toEqual(['wrong_code', 'wrong_code', 'replayed', 'replayed', 'replayed']);
  });

  // Threat: an attacker who saw a code (shoulder surfing, phishing proxy) races the user with it.
  it('lets only one of two concurrent logins use the same code', async () => {
    setClockToStep(t, 62_000_000);
    const user = await t.registerUser();
    const { secret } = await enrollTotp(t, user);
    const [first, second] = [await startLogin(t, user), await startLogin(t, user)];
    const code = codeAt(secret, t.clock());
    const statuses = (await Promise.all([verifyOtp(t, first, code), verifyOtp(t, second, code)])).map((r) => r.status).sort();
    expect(statuses).toEqual([200, 401]);
  });

  it('spends the otp_token on success: it cannot log in twice', async () => {
    setClockToStep(t, 63_000_000);
    const user = await t.registerUser();
    const { secret } = await enrollTotp(t, user);
    const otpToken = await startLogin(t, user);
    expect((await verifyOtp(t, otpToken, codeAt(secret, t.clock()))).status).toBe(200);
    setClockToStep(t, 63_000_001);
    const again = await verifyOtp(t, otpToken, codeAt(secret, t.clock()));
    expect(again.status).toBe(401);
    expect(again.body.type).toBe('urn:sentinel:problem:invalid_otp_token');
  });

  it('refuses an otp_token after 5 minutes', async () => {
    setClockToStep(t, 64_000_000);
    const user = await t.registerUser();
    const { secret } = await enrollTotp(t, user);
    const otpToken = await startLogin(t, user);
    t.clock.advance(301);
    const late = await verifyOtp(t, otpToken, codeAt(secret, t.clock()));
    expect(late.status).toBe(401);
    expect(late.body.type).toBe('urn:sentinel:problem:invalid_otp_token');
    // A fresh login works with the same code: the expired token did not spend it.
    expect((await verifyOtp(t, await startLogin(t, user), codeAt(secret, t.clock()))).status).toBe(200);
  });

  // Threat: a user who knows their own code tries to finish someone else's login with it.
  it("refuses to finish one user's login with another user's code", async () => {
    setClockToStep(t, 65_000_000);
    const victim = await t.registerUser();
    const attacker = await t.registerUser();
    await enrollTotp(t, victim);
    const own = await enrollTotp(t, attacker);
    const victimToken = await startLogin(t, victim);
    const response = await verifyOtp(t, victimToken, codeAt(own.secret, t.clock()));
    expect(response.status).toBe(401);
    expect(response.body.type).toBe('urn:sentinel:problem:invalid_otp_code');
    // The attacker's own step is still unspent: the code was checked against the victim's secret.
    expect((await verifyOtp(t, await startLogin(t, attacker), codeAt(own.secret, t.clock()))).status).toBe(200);
  });

  // Threat: an otp_token obtained through one app's API key is completed through another app.
  it('refuses an otp_token presented with another API key than the login used', async () => {
    setClockToStep(t, 66_000_000);
    const appKey = 'sk_app_totp_test_key_0123456789abcdef';
    const [app] = await queryRows<{ id: number }>(t.database.db, sql`INSERT INTO apps (name) VALUES ('totp-test-app') RETURNING id`);
    await queryRows(
      t.database.db,
      sql`INSERT INTO app_api_keys (app_id, key_hash, key_prefix) VALUES (${app!.id}, encode(sha256(convert_to(${appKey}, 'UTF8')), 'hex'), 'sk_app_t')`,
    );
    const user = await t.registerUser();
    const { secret } = await enrollTotp(t, user);
    const otpToken = await startLogin(t, user, appKey);
    const elsewhere = await verifyOtp(t, otpToken, codeAt(secret, t.clock()));
    expect(elsewhere.status).toBe(401);
    expect(elsewhere.body.type).toBe('urn:sentinel:problem:invalid_otp_token');
    const same = await verifyOtp(t, otpToken, codeAt(secret, t.clock()), appKey);
    expect(same.status).toBe(200);
    const [session] = await queryRows<{ app_id: number }>(
      t.database.db,
      sql`SELECT app_id FROM sessions WHERE user_id = ${user.id} ORDER BY created_at DESC LIMIT 1`,
    );
    expect(session!.app_id).toBe(app!.id);
  });

  it('answers 401 invalid_otp_token for an unknown token, and 401 without an API key', async () => {
    const unknown = await verifyOtp(t, 'otp_not-a-real-token', '123456');
    expect(unknown.status).toBe(401);
    expect(unknown.body.type).toBe('urn:sentinel:problem:invalid_otp_token');
    const noKey = await t.call('POST', '/auth/verify-otp', { body: { otp_token: 'x', code: '123456' }, apiKey: null });
    expect(noKey.status).toBe(401);
    expect(noKey.body.type).toBe('urn:sentinel:problem:invalid_api_key');
  });

  const badCodes: [string, unknown][] = [
    ['5 digits', '12345'],
    ['7 digits', '1234567'],
    ['a space inside', '123 456'],
    ['surrounding spaces', ' 123456 '],
    ['letters in 6 characters', '12a456'],
    ['a number instead of a string', 123456],
    ['an empty string', ''],
    ['a recovery code one character short', 'ABCD-EFGH-JKM'],
  ];
  it.each(badCodes)('answers 400 for a code with %s, and does not count an attempt', async (_name, code) => {
    setClockToStep(t, 67_000_000);
    const user = await t.registerUser();
    const { secret } = await enrollTotp(t, user);
    const otpToken = await startLogin(t, user);
    const response = await t.call('POST', '/auth/verify-otp', { body: { otp_token: otpToken, code } });
    expect(response.status).toBe(400);
    expect(response.body.errors.map((e: { path: string }) => e.path)).toContain('/code');
    const [challenge] = await queryRows<{ attempts: number }>(
      t.database.db,
      sql`SELECT attempts FROM otp_challenges WHERE user_id = ${user.id}`,
    );
    expect(challenge!.attempts).toBe(0);
    expect((await verifyOtp(t, otpToken, codeAt(secret, t.clock()))).status).toBe(200);
  });

  it('answers 400 for a missing otp_token or an unknown field', async () => {
    expect((await t.call('POST', '/auth/verify-otp', { body: { code: '123456' } })).status).toBe(400);
    expect((await t.call('POST', '/auth/verify-otp', { body: { otp_token: 'x', code: '123456', user_id: 'x' } })).status).toBe(400);
  });
});
