import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/app.js';

/*
 * Interoperability with the reference TOTP tool: `oathtool --totp -b SECRET` (OATH Toolkit,
 * `apt-get install oathtool`) computes codes from the secret exactly as an authenticator app
 * does. The app clock is the real clock here, as oathtool's is.
 */
function oathtool(secret: string, at?: Date): string {
  const args = ['--totp', '-b', ...(at ? ['--now', `@${Math.floor(at.getTime() / 1000)}`] : []), secret];
  return execFileSync('oathtool', args, { encoding: 'utf8' }).trim();
}

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: { SENTINEL_TOTP_ISSUER: 'Acme Corp' } });
});
afterAll(() => t.close());

describe('TOTP with oathtool', () => {
  it('enrolls and logs in with codes from oathtool --totp -b SECRET', async () => {
    const user = await t.registerUser();
    const { token } = await t.login(user);
    const enabled = await t.call('POST', '/auth/enable-otp', { token });
    expect(enabled.status).toBe(200);
    const secret: string = enabled.body.secret;
    expect(new URL(enabled.body.otpauth_url).searchParams.get('issuer')).toBe('Acme Corp');

    // Confirm with the previous 30-second step's code, leaving the current one for the login.
    const previous = oathtool(secret, new Date(Date.now() - 30_000));
    expect((await t.call('POST', '/auth/confirm-otp', { token, body: { code: previous } })).status).toBe(200);

    const login = await t.call('POST', '/auth/login', { body: { email: user.email, password: user.password } });
    expect(login.body.otp_required).toBe(true);
    const verified = await t.call('POST', '/auth/verify-otp', { body: { otp_token: login.body.otp_token, code: oathtool(secret) } });
    expect(verified.status).toBe(200);
    expect(verified.body.user).toMatchObject({ user_id: user.id, otp_enabled: true });
  });
});
