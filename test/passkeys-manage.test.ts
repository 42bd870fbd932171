import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { passkeys } from '../src/db/schema.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { auditEventsOf } from './helpers/audit.js';
import { PASSKEY_ENV, PASSKEY_ORIGIN, passkeyLogin, registerPasskey } from './helpers/passkeys.js';
import { SoftAuthenticator } from './helpers/webauthn.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: PASSKEY_ENV });
});
afterAll(() => t.close());

const storedPasskeys = (userId: string) => t.database.db.select().from(passkeys).where(eq(passkeys.userId, userId));

async function signedIn() {
  const user = await t.registerUser();
  return { user, token: (await t.login(user)).token };
}

describe('POST /user/passkeys/registration/options + /verify', () => {
  it('registers several named passkeys, listed oldest first, audited; the options name this RP and exclude the ones held', async () => {
    const { user, token } = await signedIn();
    const options = await t.call('POST', '/user/passkeys/registration/options', { token });
    expect(options.status).toBe(200);
    expect(options.body.options).toMatchObject({
      rp: { id: 'localhost', name: 'Sentinel' },
      user: { name: user.email },
      authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
    });
    const first = await registerPasskey(t, token, 'Laptop');
    await registerPasskey(t, token);
    const again = await t.call('POST', '/user/passkeys/registration/options', { token });
    expect(again.body.options.excludeCredentials.map((c: { id: string }) => c.id)).toContain(first.authenticator.id);
    const list = await t.call('GET', '/user/passkeys', { token });
    expect(list.body).toMatchObject({ password_set: true, passkeys: [{ name: 'Laptop', last_used_at: null }, { name: 'Passkey 2' }] });
    expect(await auditEventsOf(t, 'passkey.registered', user.id)).toHaveLength(2);
  });

  it('binds the challenge to the session that asked: another session of the same user cannot use it', async () => {
    const { user, token } = await signedIn();
    const other = (await t.login(user)).token;
    const { body } = await t.call('POST', '/user/passkeys/registration/options', { token });
    const credential = new SoftAuthenticator('localhost', PASSKEY_ORIGIN).register(body.options);
    const response = await t.call('POST', '/user/passkeys/registration/verify', { token: other, body: { credential } });
    expect(response.status).toBe(401);
    expect(response.body.type).toContain('invalid_passkey_challenge');
    expect(await storedPasskeys(user.id)).toHaveLength(0);
  });

  it('refuses a passkey made on another origin, one without user verification, and a used or expired challenge', async () => {
    const { user, token } = await signedIn();
    const options = async () => (await t.call('POST', '/user/passkeys/registration/options', { token })).body.options;
    const make = () => new SoftAuthenticator('localhost', PASSKEY_ORIGIN);
    const verify = (credential: unknown) => t.call('POST', '/user/passkeys/registration/verify', { token, body: { credential } });
    expect((await verify(make().register(await options(), { origin: 'https://evil.example' }))).status).toBe(400);
    expect((await verify(make().register(await options(), { userVerified: false }))).status).toBe(400);
    const used = make().register(await options());
    expect((await verify(used)).status).toBe(201);
    expect((await verify(used)).status).toBe(401);
    const late = make().register(await options());
    t.clock.advance(6 * 60);
    expect((await verify(late)).status).toBe(401);
    expect(await storedPasskeys(user.id)).toHaveLength(1);
  });

  it('one registration challenge serves exactly one of 20 parallel verifications', async () => {
    const { user, token } = await signedIn();
    const { body } = await t.call('POST', '/user/passkeys/registration/options', { token });
    const credential = new SoftAuthenticator('localhost', PASSKEY_ORIGIN).register(body.options);
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => t.call('POST', '/user/passkeys/registration/verify', { token, body: { credential } })),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([201, ...Array<number>(19).fill(401)]);
    expect(await storedPasskeys(user.id)).toHaveLength(1);
  });

  it('refuses a passkey that another account already registered (409)', async () => {
    const a = await signedIn();
    const b = await signedIn();
    const { authenticator } = await registerPasskey(t, a.token);
    const { body } = await t.call('POST', '/user/passkeys/registration/options', { token: b.token });
    const response = await t.call('POST', '/user/passkeys/registration/verify', {
      token: b.token,
      body: { credential: authenticator.register(body.options) },
    });
    expect(response.status).toBe(409);
    expect(await storedPasskeys(b.user.id)).toHaveLength(0);
  });
});

describe('PATCH and DELETE /user/passkeys/:passkey_id', () => {
  it('renames and deletes a passkey, which then cannot sign in; another user cannot touch it', async () => {
    const { user, token } = await signedIn();
    const { authenticator, passkeyId } = await registerPasskey(t, token, 'Old');
    const stranger = await signedIn();
    const headers = { 'content-type': 'application/json' };
    expect((await t.call('PATCH', `/user/passkeys/${passkeyId}`, { token: stranger.token, headers, body: { name: 'Mine' } })).status).toBe(
      404,
    );
    expect((await t.call('DELETE', `/user/passkeys/${passkeyId}`, { token: stranger.token })).status).toBe(404);
    const renamed = await t.call('PATCH', `/user/passkeys/${passkeyId}`, { token, headers, body: { name: 'Phone' } });
    expect(renamed.body.passkey.name).toBe('Phone');
    expect((await t.call('PATCH', `/user/passkeys/${passkeyId}`, { token, headers, body: { name: '' } })).status).toBe(400);
    expect((await t.call('DELETE', `/user/passkeys/${passkeyId}`, { token })).status).toBe(204);
    expect((await passkeyLogin(t, authenticator)).status).toBe(401);
    expect(await auditEventsOf(t, 'passkey.renamed', user.id)).toHaveLength(1);
    expect(await auditEventsOf(t, 'passkey.deleted', user.id)).toHaveLength(1);
  });
});

describe('DELETE /user/password', () => {
  it('needs a passkey first; afterwards password logins fail like a wrong password and the last passkey cannot go', async () => {
    const { user, token } = await signedIn();
    const refused = await t.call('DELETE', '/user/password', { token });
    expect(refused.status).toBe(409);
    expect(refused.body.type).toContain('passkey_required');
    const first = await registerPasskey(t, token);
    const second = await registerPasskey(t, token);
    expect((await t.call('DELETE', '/user/password', { token })).status).toBe(200);
    expect((await t.call('GET', '/user/passkeys', { token })).body.password_set).toBe(false);
    const login = await t.call('POST', '/auth/login', { body: { email: user.email, password: user.password } });
    expect(login.status).toBe(401);
    expect(login.body.type).toContain('invalid_credentials');
    expect((await t.call('DELETE', `/user/passkeys/${first.passkeyId}`, { token })).status).toBe(204);
    const last = await t.call('DELETE', `/user/passkeys/${second.passkeyId}`, { token });
    expect(last.status).toBe(409);
    expect(last.body.type).toContain('last_way_in');
    expect(await storedPasskeys(user.id)).toHaveLength(1);
    expect((await passkeyLogin(t, second.authenticator)).status).toBe(200);
    expect(await auditEventsOf(t, 'password.removed', user.id)).toHaveLength(1);
  });

  it('keeps one passkey when the last two are deleted at once', async () => {
    const { token } = await signedIn();
    const ids = [(await registerPasskey(t, token)).passkeyId, (await registerPasskey(t, token)).passkeyId];
    await t.call('DELETE', '/user/password', { token });
    const answers = await Promise.all(ids.map((id) => t.call('DELETE', `/user/passkeys/${id}`, { token })));
    expect(answers.map((a) => a.status).sort()).toEqual([204, 409]);
  });
});

describe('operator routes for passkeys', () => {
  it("list and remove a user's passkeys, audited with the operator as actor; other users get 403", async () => {
    const { user, token } = await signedIn();
    const { passkeyId } = await registerPasskey(t, token, 'Lost phone');
    const operator = await t.createOperator();
    const opToken = (await t.login(operator)).token;
    expect((await t.call('GET', `/operator/users/${user.id}/passkeys`, { token })).status).toBe(403);
    const list = await t.call('GET', `/operator/users/${user.id}/passkeys`, { token: opToken });
    expect(list.body.passkeys.map((p: { name: string }) => p.name)).toEqual(['Lost phone']);
    expect((await t.call('DELETE', `/operator/users/${user.id}/passkeys/${passkeyId}`, { token: opToken })).status).toBe(204);
    expect((await t.call('GET', '/user/passkeys', { token })).body.passkeys).toEqual([]);
    const [event] = await auditEventsOf(t, 'passkey.deleted', user.id);
    expect(event?.actor_user_id).toBe(operator.id);
    expect((await t.call('GET', '/operator/users/00000000-0000-4000-8000-000000000000/passkeys', { token: opToken })).status).toBe(404);
  });
});

describe('GET /account/passkeys', () => {
  it('serves the page under the pages policy, with its scripts from /account/assets/ and none inline', async () => {
    const page = await t.call('GET', '/account/passkeys', { apiKey: null });
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    const scripts = [...page.text.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.map(([, attributes]) => attributes)).toEqual([
      ' src="/account/assets/simplewebauthn-browser.js"',
      ' src="/account/assets/passkeys.js"',
    ]);
    expect(scripts.every(([, , inline]) => inline === '')).toBe(true);
    for (const path of ['/account/assets/simplewebauthn-browser.js', '/account/assets/passkeys.js']) {
      const script = await t.call('GET', path, { apiKey: null });
      expect(script.status).toBe(200);
      expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    }
    expect((await t.call('GET', '/account/assets/simplewebauthn-browser.js', { apiKey: null })).text).toContain('SimpleWebAuthnBrowser');
  });
});
