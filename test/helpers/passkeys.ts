import { expect } from 'vitest';
import type { TestApp, TestUser } from './app.js';
import { SoftAuthenticator, type CeremonyOptions } from './webauthn.js';

/** The origin and RP ID the passkey tests' servers run at: WebAuthn refuses IP addresses. */
export const PASSKEY_ORIGIN = 'http://localhost:3000';
export const PASSKEY_ENV = { SENTINEL_PUBLIC_URL: PASSKEY_ORIGIN };

/** Registers a software passkey for `user` through the API; returns it and its passkey_id. */
export async function registerPasskey(
  t: TestApp,
  token: string,
  name?: string,
  origin = PASSKEY_ORIGIN,
): Promise<{ authenticator: SoftAuthenticator; passkeyId: string }> {
  const authenticator = new SoftAuthenticator(new URL(origin).hostname, origin);
  const { body } = await t.call('POST', '/user/passkeys/registration/options', { token });
  const credential = authenticator.register(body.options);
  const response = await t.call('POST', '/user/passkeys/registration/verify', {
    token,
    body: name ? { name, credential } : { credential },
  });
  expect(response.status, response.text).toBe(201);
  return { authenticator, passkeyId: response.body.passkey.passkey_id };
}

/** Asks for login options (usernameless unless a name is given). */
export async function loginOptions(t: TestApp, name: Partial<Pick<TestUser, 'email' | 'username'>> = {}) {
  const response = await t.call('POST', '/auth/passkeys/login/options', { body: name });
  expect(response.status, response.text).toBe(200);
  return response.body as { login_id: string; options: { challenge: string; allowCredentials?: { id: string }[] } };
}

/** A whole passkey login: options, the authenticator's answer, verify. */
export async function passkeyLogin(t: TestApp, authenticator: SoftAuthenticator, ceremony: CeremonyOptions = {}) {
  const { login_id, options } = await loginOptions(t);
  return t.call('POST', '/auth/passkeys/login/verify', { body: { login_id, credential: authenticator.authenticate(options, ceremony) } });
}
