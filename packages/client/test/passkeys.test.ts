import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SoftAuthenticator } from '../../../test/helpers/webauthn.js';
import { createSentinelClient, SentinelError } from '../src/index.js';
import { startSentinel, type RunningSentinel } from './sentinel-server.js';

/*
 * The client's passkey calls against a real `sentinel serve`, with a software authenticator
 * standing in for the browser's ceremony (startRegistration / startAuthentication).
 */
const ORIGIN = 'http://localhost:3000';
let sentinel: RunningSentinel;

beforeAll(async () => {
  sentinel = await startSentinel({ SENTINEL_PUBLIC_URL: ORIGIN });
}, 60_000);
afterAll(() => sentinel?.stop());

describe('client.passkeys', () => {
  it('registers, lists and renames a passkey, signs in with it usernameless, and keeps the last one of a passwordless account', async () => {
    const client = createSentinelClient({ baseUrl: sentinel.url, apiKey: sentinel.apiKey });
    const username = `pk${Date.now().toString(36)}`;
    const email = `${username}@example.com`;
    await client.register({ user_info: { username, email }, password: 'analytical engine' });
    expect((await client.login({ email, password: 'analytical engine' })).kind).toBe('session');

    const authenticator = new SoftAuthenticator('localhost', ORIGIN);
    const options = await client.passkeys.registrationOptions();
    const passkey = await client.passkeys.register(authenticator.register(options), 'Laptop');
    expect(passkey.name).toBe('Laptop');
    expect((await client.passkeys.rename(passkey.passkey_id, 'Work laptop')).name).toBe('Work laptop');
    const listed = await client.passkeys.list();
    expect(listed.passkeys.map((each) => each.name)).toEqual(['Work laptop']);
    expect(listed.password_set).toBe(true);

    // Another device, no session yet: a usernameless sign-in.
    const changes: unknown[] = [];
    const elsewhere = createSentinelClient({ baseUrl: sentinel.url, apiKey: sentinel.apiKey, onSessionChange: (s) => changes.push(s) });
    const { login_id, options: requestOptions } = await elsewhere.passkeys.loginOptions();
    const session = await elsewhere.passkeys.login(login_id, authenticator.authenticate(requestOptions));
    expect(session.user.email).toBe(email);
    expect(elsewhere.session?.token).toBe(session.token);
    expect(changes).toHaveLength(1);
    expect((await elsewhere.me()).email).toBe(email);

    // A replayed answer is refused: the challenge was spent.
    await expect(elsewhere.passkeys.login(login_id, authenticator.authenticate(requestOptions))).rejects.toBeInstanceOf(SentinelError);

    await client.passkeys.removePassword();
    expect((await client.passkeys.list()).password_set).toBe(false);
    const last = await client.passkeys.remove(passkey.passkey_id).catch((error: unknown) => error);
    expect(last).toBeInstanceOf(SentinelError);
    expect((last as SentinelError).status).toBe(409);
    expect((await client.passkeys.list()).passkeys).toHaveLength(1);
  });
});
