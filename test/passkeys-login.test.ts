import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { passkeys } from '../src/db/schema.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { auditEventsOf } from './helpers/audit.js';
import { loginOptions, PASSKEY_ENV, passkeyLogin, registerPasskey } from './helpers/passkeys.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: PASSKEY_ENV });
});
afterAll(() => t.close());

const storedCounter = async (passkeyId: string) =>
  (await t.database.db.select({ n: passkeys.signCount }).from(passkeys).where(eq(passkeys.id, passkeyId)))[0]?.n;

async function userWithPasskey() {
  const user = await t.registerUser();
  const { token } = await t.login(user);
  return { user, token, ...(await registerPasskey(t, token, 'Laptop')) };
}

describe('POST /auth/passkeys/login/options + /verify', () => {
  it('signs in usernameless with a discoverable passkey: a Session whose token works, audited as a passkey login', async () => {
    const { user, authenticator, passkeyId } = await userWithPasskey();
    const { login_id, options } = await loginOptions(t);
    expect(options.allowCredentials ?? []).toEqual([]);
    const response = await t.call('POST', '/auth/passkeys/login/verify', {
      body: { login_id, credential: authenticator.authenticate(options) },
    });
    expect(response.status, response.text).toBe(200);
    expect(response.body).toMatchObject({ token_type: 'Bearer', user: { user_id: user.id, email: user.email } });
    expect((await t.call('GET', '/auth/verify', { token: response.body.token })).status).toBe(200);
    expect((await t.call('POST', '/auth/refresh', { body: { refresh_token: response.body.refresh_token } })).status).toBe(200);
    const events = await auditEventsOf(t, 'login.succeeded', user.id);
    expect(events.at(-1)?.detail).toMatchObject({ method: 'passkey', passkey_id: passkeyId });
    expect(await storedCounter(passkeyId)).toBe(1);
  });

  it("signs in after an email: the options list only that account's passkeys", async () => {
    const { user, authenticator } = await userWithPasskey();
    const { login_id, options } = await loginOptions(t, { email: user.email.toUpperCase() });
    expect(options.allowCredentials?.map((c) => c.id)).toEqual([authenticator.id]);
    const response = await t.call('POST', '/auth/passkeys/login/verify', {
      body: { login_id, credential: authenticator.authenticate(options) },
    });
    expect(response.status, response.text).toBe(200);
    expect(response.body.user.user_id).toBe(user.id);
  });

  it('answers an unknown email with a made-up passkey, the same each time, so accounts cannot be probed', async () => {
    const first = await loginOptions(t, { email: 'nobody-here@example.com' });
    const second = await loginOptions(t, { email: 'nobody-here@example.com' });
    expect(first.options.allowCredentials).toHaveLength(1);
    expect(second.options.allowCredentials).toEqual(first.options.allowCredentials);
  });

  it("refuses another account's passkey after an email names someone else", async () => {
    const { authenticator } = await userWithPasskey();
    const other = await t.registerUser();
    const { login_id, options } = await loginOptions(t, { email: other.email });
    const response = await t.call('POST', '/auth/passkeys/login/verify', {
      body: { login_id, credential: authenticator.authenticate(options) },
    });
    expect(response.status).toBe(401);
    expect(response.body.type).toContain('invalid_passkey');
  });

  it('skips the TOTP step: a passkey is both factors', async () => {
    const { user, authenticator } = await userWithPasskey();
    await t.database.db.execute(`UPDATE users SET otp_enabled = true WHERE id = '${user.id}'`);
    expect((await t.call('POST', '/auth/login', { body: { email: user.email, password: user.password } })).body.otp_required).toBe(true);
    const response = await passkeyLogin(t, authenticator);
    expect(response.status, response.text).toBe(200);
    expect(response.body.token).toEqual(expect.any(String));
  });
});

describe('passkey login threats', () => {
  it('a replayed assertion is refused, with its own login_id or a new one', async () => {
    const { authenticator } = await userWithPasskey();
    const { login_id, options } = await loginOptions(t);
    const credential = authenticator.authenticate(options);
    expect((await t.call('POST', '/auth/passkeys/login/verify', { body: { login_id, credential } })).status).toBe(200);
    const again = await t.call('POST', '/auth/passkeys/login/verify', { body: { login_id, credential } });
    expect(again.status).toBe(401);
    expect(again.body.type).toContain('invalid_passkey_challenge');
    const fresh = await loginOptions(t);
    const replayed = await t.call('POST', '/auth/passkeys/login/verify', { body: { login_id: fresh.login_id, credential } });
    expect(replayed.status).toBe(401);
    expect(replayed.body.type).toContain('invalid_passkey');
  });

  it('an assertion made on another origin (a phishing site) is refused, and the attempt is spent', async () => {
    const { authenticator, passkeyId } = await userWithPasskey();
    const { login_id, options } = await loginOptions(t);
    const phished = authenticator.authenticate(options, { origin: 'https://login.evil.example' });
    const response = await t.call('POST', '/auth/passkeys/login/verify', { body: { login_id, credential: phished } });
    expect(response.status).toBe(401);
    expect(response.body.detail).toContain('origin');
    expect(await storedCounter(passkeyId)).toBe(0);
    const retry = await t.call('POST', '/auth/passkeys/login/verify', {
      body: { login_id, credential: authenticator.authenticate(options) },
    });
    expect(retry.status).toBe(401);
  });

  it('an assertion over the challenge of another attempt is refused', async () => {
    const { authenticator } = await userWithPasskey();
    const first = await loginOptions(t);
    const second = await loginOptions(t);
    const credential = authenticator.authenticate(first.options);
    const response = await t.call('POST', '/auth/passkeys/login/verify', { body: { login_id: second.login_id, credential } });
    expect(response.status).toBe(401);
    expect(response.body.detail).toContain('challenge');
  });

  it('a counter that goes backwards (a cloned authenticator) is refused and audited; the stored counter stays', async () => {
    const { user, authenticator, passkeyId } = await userWithPasskey();
    expect((await passkeyLogin(t, authenticator, { counter: 7 })).status).toBe(200);
    const cloned = await passkeyLogin(t, authenticator, { counter: 5 });
    expect(cloned.status).toBe(401);
    expect(cloned.body.detail).toContain('counter');
    const same = await passkeyLogin(t, authenticator, { counter: 7 });
    expect(same.status).toBe(401);
    expect(await storedCounter(passkeyId)).toBe(7);
    expect(await auditEventsOf(t, 'passkey.counter_regressed', user.id)).toHaveLength(2);
    expect((await passkeyLogin(t, authenticator, { counter: 8 })).status).toBe(200);
  });

  it('a login_id expires after 5 minutes', async () => {
    const { authenticator } = await userWithPasskey();
    const { login_id, options } = await loginOptions(t);
    t.clock.advance(5 * 60 + 1);
    const response = await t.call('POST', '/auth/passkeys/login/verify', {
      body: { login_id, credential: authenticator.authenticate(options) },
    });
    expect(response.status).toBe(401);
    expect(response.body.type).toContain('invalid_passkey_challenge');
  });

  it('an assertion without user verification is refused: a passkey must be both factors', async () => {
    const { authenticator } = await userWithPasskey();
    expect((await passkeyLogin(t, authenticator, { userVerified: false })).status).toBe(401);
  });

  it('one login_id serves exactly one of 20 parallel verifications', async () => {
    const { user, authenticator } = await userWithPasskey();
    const { login_id, options } = await loginOptions(t);
    const credential = authenticator.authenticate(options);
    const before = (await auditEventsOf(t, 'login.succeeded', user.id)).length;
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => t.call('POST', '/auth/passkeys/login/verify', { body: { login_id, credential } })),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, ...Array<number>(19).fill(401)]);
    expect(await auditEventsOf(t, 'login.succeeded', user.id)).toHaveLength(before + 1);
  });

  it('a login_id issued through one API key does not work through another', async () => {
    const { authenticator } = await userWithPasskey();
    const operator = await t.createOperator();
    const { token } = await t.login(operator);
    const app = await t.call('POST', '/operator/app/register', {
      token,
      body: { app: 'notes', description: 'Notes', domains: ['notes.example'] },
    });
    const { login_id, options } = await loginOptions(t);
    const response = await t.call('POST', '/auth/passkeys/login/verify', {
      apiKey: app.body.api_key,
      body: { login_id, credential: authenticator.authenticate(options) },
    });
    expect(response.status).toBe(401);
  });

  it('a locked account stays locked for passkeys', async () => {
    const { user, authenticator } = await userWithPasskey();
    for (let i = 0; i < 10; i++) await t.call('POST', '/auth/login', { body: { email: user.email, password: 'wrong password!' } });
    const response = await passkeyLogin(t, authenticator);
    expect(response.status).toBe(429);
    expect(response.body.type).toContain('account_locked');
  });

  it('answers bad input with problem details and no session', async () => {
    const { login_id } = await loginOptions(t);
    const malformed = await t.call('POST', '/auth/passkeys/login/verify', { body: { login_id, credential: { id: 'x' } } });
    expect(malformed.status).toBe(400);
    expect(malformed.headers['content-type']).toContain('application/problem+json');
    const notUuid = await t.call('POST', '/auth/passkeys/login/verify', { body: { login_id: 'abc', credential: {} } });
    expect(notUuid.status).toBe(400);
    const garbage = await t.call('POST', '/auth/passkeys/login/verify', {
      body: {
        login_id,
        credential: {
          id: 'AAAA',
          rawId: 'AAAA',
          type: 'public-key',
          response: { clientDataJSON: 'e30', authenticatorData: 'AAAA', signature: 'AAAA' },
          clientExtensionResults: {},
        },
      },
    });
    expect(garbage.status).toBe(401);
    expect((await t.call('POST', '/auth/passkeys/login/options', { apiKey: null, body: {} })).status).toBe(401);
  });
});
