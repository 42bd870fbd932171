import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { secretContext } from '../src/modules/totp/second-factors.js';
import { SecretBox } from '../src/crypto/secret-box.js';
import { otpChallenges, otpRecoveryCodes, users } from '../src/db/schema.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { stored } from './helpers/stored.js';
import { auditOf, codeAt, enrollTotp, setClockToStep, startLogin, TEST_ENCRYPTION_KEY, verifyOtp } from './helpers/totp.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: { SENTINEL_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY } });
});
afterAll(() => t.close());

const totpRow = async (userId: string) =>
  (
    await queryRows<{ secret_encrypted: string; confirmed_at: Date | null; last_used_step: string | null }>(
      t.database.db,
      sql`SELECT secret_encrypted, confirmed_at, last_used_step FROM user_totp WHERE user_id = ${userId}`,
    )
  )[0];
const countOf = (table: 'otp_recovery_codes' | 'otp_challenges', userId: string) =>
  stored(t.database).count({ otp_recovery_codes: otpRecoveryCodes, otp_challenges: otpChallenges }[table], { userId });
const otpEnabled = async (userId: string) => (await stored(t.database).row(users, { id: userId }))!.otpEnabled;

describe('POST /auth/enable-otp', () => {
  it('answers the secret, an otpauth URL and a PNG QR code, and stores the secret encrypted as pending', async () => {
    const user = await t.registerUser();
    const { token } = await t.login(user);
    const response = await t.call('POST', '/auth/enable-otp', { token });
    expect(response.status).toBe(200);
    const { secret, otpauth_url, qr_code } = response.body;
    expect(Object.keys(response.body).sort()).toEqual(['otpauth_url', 'qr_code', 'secret']);
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const url = new URL(otpauth_url);
    expect(url.host).toBe('totp');
    expect(decodeURIComponent(url.pathname)).toBe(`/Sentinel:${user.email}`);
    expect(Object.fromEntries(url.searchParams)).toEqual({ issuer: 'Sentinel', secret, algorithm: 'SHA1', digits: '6', period: '30' });
    expect(qr_code).toMatch(/^data:image\/png;base64,/);
    const png = Buffer.from(qr_code.slice('data:image/png;base64,'.length), 'base64');
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');

    const row = await totpRow(user.id);
    expect(row!.confirmed_at).toBeNull();
    expect(row!.secret_encrypted).toMatch(/^v1\./);
    expect(row!.secret_encrypted).not.toContain(secret);
    expect(new SecretBox(TEST_ENCRYPTION_KEY, 'totp-secret').open(row!.secret_encrypted, secretContext(user.id))).toBe(secret);
    expect(await otpEnabled(user.id)).toBe(false);
    expect(await auditOf(t, user.id, 'otp.enrollment_started')).toHaveLength(1);
    // Pending is not on: the password alone still logs in.
    const login = await t.call('POST', '/auth/login', { body: { email: user.email, password: user.password } });
    expect(login.body.token).toBeDefined();
  });

  it('replaces a pending secret when called again: only the newest confirms', async () => {
    const user = await t.registerUser();
    const { token } = await t.login(user);
    const first = (await t.call('POST', '/auth/enable-otp', { token })).body.secret;
    const second = (await t.call('POST', '/auth/enable-otp', { token })).body.secret;
    expect(second).not.toBe(first);
    const stale = await t.call('POST', '/auth/confirm-otp', { token, body: { code: codeAt(first, t.clock()) } });
    expect(stale.status).toBe(403);
    expect((await t.call('POST', '/auth/confirm-otp', { token, body: { code: codeAt(second, t.clock()) } })).status).toBe(200);
  });

  it('answers 409 otp_already_enabled when TOTP is on, and keeps the secret', async () => {
    const user = await t.registerUser();
    const { token } = await enrollTotp(t, user);
    const before = await totpRow(user.id);
    const response = await t.call('POST', '/auth/enable-otp', { token });
    expect(response.status).toBe(409);
    expect(response.body.type).toBe('urn:sentinel:problem:otp_already_enabled');
    expect(await totpRow(user.id)).toEqual(before);
  });

  it('answers 401 without an access token', async () => {
    expect((await t.call('POST', '/auth/enable-otp')).status).toBe(401);
    expect((await t.call('POST', '/auth/confirm-otp', { body: { code: '123456' } })).status).toBe(401);
    expect((await t.call('POST', '/auth/disable-otp', { body: { code: '123456' } })).status).toBe(401);
  });
});

describe('POST /auth/confirm-otp', () => {
  it('turns TOTP on, answers the user and 10 recovery codes, and makes login ask for a code', async () => {
    setClockToStep(t, 90_000_000);
    const user = await t.registerUser();
    const { token } = await t.login(user);
    const { secret } = (await t.call('POST', '/auth/enable-otp', { token })).body;
    const code = codeAt(secret, t.clock());
    const response = await t.call('POST', '/auth/confirm-otp', { token, body: { code } });
    expect(response.status).toBe(200);
    expect(response.body.user).toMatchObject({ user_id: user.id, otp_enabled: true });
    expect(response.body.recovery_codes).toHaveLength(10);
    expect(await otpEnabled(user.id)).toBe(true);
    const row = await totpRow(user.id);
    expect(row!.confirmed_at).not.toBeNull();
    expect(Number(row!.last_used_step)).toBe(90_000_000);
    expect(await countOf('otp_recovery_codes', user.id)).toBe(10);
    expect(await auditOf(t, user.id, 'otp.enabled')).toHaveLength(1);
    // The session that enrolled stays; the next login needs a code, and not the one just used.
    expect((await t.call('GET', '/auth/verify', { token })).body.user.otp_enabled).toBe(true);
    expect((await verifyOtp(t, await startLogin(t, user), code)).status).toBe(401);
  });

  it('answers 403 wrong_otp_code for a wrong code and leaves TOTP off', async () => {
    const user = await t.registerUser();
    const { token } = await t.login(user);
    const { secret } = (await t.call('POST', '/auth/enable-otp', { token })).body;
    const wrong = codeAt(secret, t.clock().getTime() + 120_000);
    const response = await t.call('POST', '/auth/confirm-otp', { token, body: { code: wrong } });
    expect(response.status).toBe(403);
    expect(response.body.type).toBe('urn:sentinel:problem:wrong_otp_code');
    expect(await otpEnabled(user.id)).toBe(false);
    expect((await totpRow(user.id))!.confirmed_at).toBeNull();
    expect(await countOf('otp_recovery_codes', user.id)).toBe(0);
    expect(await auditOf(t, user.id, 'otp.confirm_failed')).toHaveLength(1);
  });

  it('answers 409 otp_not_pending without enable-otp first, and 409 otp_already_enabled once on', async () => {
    const user = await t.registerUser();
    const { token } = await t.login(user);
    const none = await t.call('POST', '/auth/confirm-otp', { token, body: { code: '123456' } });
    expect(none.status).toBe(409);
    expect(none.body.type).toBe('urn:sentinel:problem:otp_not_pending');

    const { token: enrolledToken, secret } = await enrollTotp(t, await t.registerUser());
    const again = await t.call('POST', '/auth/confirm-otp', { token: enrolledToken, body: { code: codeAt(secret, t.clock()) } });
    expect(again.status).toBe(409);
    expect(again.body.type).toBe('urn:sentinel:problem:otp_already_enabled');
  });

  it.each([['12345'], ['1234567'], ['123 456'], ['12345a'], ['ABCD-EFGH-JKMN'], [''], [123456]])(
    'answers 400 for the code %j',
    async (code) => {
      const user = await t.registerUser();
      const { token } = await t.login(user);
      await t.call('POST', '/auth/enable-otp', { token });
      const response = await t.call('POST', '/auth/confirm-otp', { token, body: { code } });
      expect(response.status).toBe(400);
      expect(response.body.errors[0].path).toBe('/code');
      expect(await otpEnabled(user.id)).toBe(false);
    },
  );
});

describe('POST /auth/disable-otp', () => {
  it('turns TOTP off with a current code: secret, recovery codes and pending logins go, this session stays', async () => {
    setClockToStep(t, 90_000_100);
    const user = await t.registerUser();
    const { secret, token } = await enrollTotp(t, user);
    await startLogin(t, user);
    const response = await t.call('POST', '/auth/disable-otp', { token, body: { code: codeAt(secret, t.clock()) } });
    expect(response.status).toBe(200);
    expect(response.body.user.otp_enabled).toBe(false);
    expect(await totpRow(user.id)).toBeUndefined();
    expect(await countOf('otp_recovery_codes', user.id)).toBe(0);
    expect(await countOf('otp_challenges', user.id)).toBe(0);
    expect(await otpEnabled(user.id)).toBe(false);
    const [event] = await auditOf(t, user.id, 'otp.disabled');
    expect(event).toMatchObject({ actor_user_id: user.id, detail: { by: 'user', method: 'totp' } });
    expect((await t.call('GET', '/auth/verify', { token })).status).toBe(200);
    const login = await t.call('POST', '/auth/login', { body: { email: user.email, password: user.password } });
    expect(login.body.token).toBeDefined();
  });

  it('turns TOTP off with the password, or with a recovery code', async () => {
    const byPassword = await t.registerUser();
    const enrolled = await enrollTotp(t, byPassword);
    const first = await t.call('POST', '/auth/disable-otp', { token: enrolled.token, body: { password: byPassword.password } });
    expect(first.status).toBe(200);
    expect(await otpEnabled(byPassword.id)).toBe(false);

    const byRecovery = await t.registerUser();
    const other = await enrollTotp(t, byRecovery);
    const second = await t.call('POST', '/auth/disable-otp', { token: other.token, body: { code: other.recoveryCodes[0]!.toLowerCase() } });
    expect(second.status).toBe(200);
    expect((await auditOf(t, byRecovery.id, 'otp.disabled'))[0]!.detail.method).toBe('recovery_code');
  });

  it('answers 403 for a wrong or replayed code and a wrong password, and keeps TOTP on', async () => {
    setClockToStep(t, 90_000_200);
    const user = await t.registerUser();
    const { secret, token } = await enrollTotp(t, user);
    const code = codeAt(secret, t.clock());
    expect((await verifyOtp(t, await startLogin(t, user), code)).status).toBe(200);

    const replayed = await t.call('POST', '/auth/disable-otp', { token, body: { code } });
    expect(replayed.status).toBe(403);
    expect(replayed.body.type).toBe('urn:sentinel:problem:wrong_otp_code');
    const wrong = await t.call('POST', '/auth/disable-otp', { token, body: { code: codeAt(secret, t.clock().getTime() + 300_000) } });
    expect(wrong.status).toBe(403);
    const badPassword = await t.call('POST', '/auth/disable-otp', { token, body: { password: 'not the password' } });
    expect(badPassword.status).toBe(403);
    expect(badPassword.body.type).toBe('urn:sentinel:problem:wrong_password');
    expect(await otpEnabled(user.id)).toBe(true);
    expect((await auditOf(t, user.id, 'otp.failed')).map((e) => [e.detail.during, e.detail.method])).toEqual([
      ['disable', 'totp'],
      ['disable', 'totp'],
      ['disable', 'password'],
    ]);
  });

  it('answers 400 for both code and password, neither, or a malformed code; 409 when TOTP is off', async () => {
    const user = await t.registerUser();
    const { token } = await enrollTotp(t, user);
    for (const body of [{ code: '123456', password: user.password }, {}, { code: '12 3456' }, { code: '123456', extra: 1 }]) {
      expect((await t.call('POST', '/auth/disable-otp', { token, body })).status).toBe(400);
    }
    expect(await otpEnabled(user.id)).toBe(true);

    const plain = await t.registerUser();
    const { token: plainToken } = await t.login(plain);
    const off = await t.call('POST', '/auth/disable-otp', { token: plainToken, body: { password: plain.password } });
    expect(off.status).toBe(409);
    expect(off.body.type).toBe('urn:sentinel:problem:otp_not_enabled');
  });
});
