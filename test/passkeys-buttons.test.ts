import * as oidcClient from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from './helpers/app.js';
import { auditEventsOf } from './helpers/audit.js';
import { authorizationRequest, CookieJar, follow, makeClient, startOidcApp, type TestClient } from './helpers/oidc.js';
import { registerPasskey } from './helpers/passkeys.js';
import type { SoftAuthenticator } from './helpers/webauthn.js';

/*
 * The passkey buttons' routes, without an API key: the console's (/operator/passkeys/login/*)
 * and the hosted OIDC login page's (/account/login/:uid/passkey/*), with the software authenticator.
 */

let t: TestApp;
let issuer: string;
let notes: TestClient;

beforeAll(async () => {
  const started = await startOidcApp({}, 'localhost');
  ({ t, issuer } = started);
  notes = await makeClient(t, issuer, started.operatorToken, { firstParty: true });
});
afterAll(() => t.close());

async function withPasskey(operator: boolean) {
  const user = operator ? await t.createOperator() : await t.registerUser();
  const { token } = await t.login(user);
  return { user, ...(await registerPasskey(t, token, 'Laptop', issuer)) };
}

const consoleOptions = async (body: object = {}) => {
  const response = await t.call('POST', '/operator/passkeys/login/options', { apiKey: null, body });
  expect(response.status, response.text).toBe(200);
  return response.body as { login_id: string; options: { challenge: string } };
};
const consoleVerify = (login_id: string, credential: unknown) =>
  t.call('POST', '/operator/passkeys/login/verify', { apiKey: null, body: { login_id, credential } });

describe('POST /operator/passkeys/login/options + /verify (the console)', () => {
  it("signs an operator in without an API key, usernameless or after the email: a Session whose token is an operator's", async () => {
    const { user, authenticator } = await withPasskey(true);
    for (const name of [{}, { email: user.email }]) {
      const { login_id, options } = await consoleOptions(name);
      const response = await consoleVerify(login_id, authenticator.authenticate(options));
      expect(response.status, response.text).toBe(200);
      expect(response.body.user).toMatchObject({ user_id: user.id, operator: true });
      expect((await t.call('GET', '/operator/users', { token: response.body.token })).status).toBe(200);
    }
  });

  it('refuses a user who is not an operator with 403 and no session', async () => {
    const { user, authenticator } = await withPasskey(false);
    const { login_id, options } = await consoleOptions();
    const response = await consoleVerify(login_id, authenticator.authenticate(options));
    expect(response.status).toBe(403);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.body.token).toBeUndefined();
    const passkeyLogins = (await auditEventsOf(t, 'login.succeeded', user.id)).filter((e) => e.detail.method === 'passkey');
    expect(passkeyLogins).toHaveLength(0);
    const refused = await auditEventsOf(t, 'login.failed', user.id);
    expect(refused.at(-1)?.detail).toMatchObject({ method: 'passkey', reason: 'not_an_operator' });
  });

  it("spends each side's challenges only on its own side: the API's on the console and the console's on the API are refused", async () => {
    const { authenticator } = await withPasskey(true);
    const api = (await t.call('POST', '/auth/passkeys/login/options', { body: {} })).body;
    const onConsole = await consoleVerify(api.login_id, authenticator.authenticate(api.options));
    expect(onConsole.status).toBe(401);
    expect(onConsole.body.type).toContain('invalid_passkey_challenge');
    const own = await consoleOptions();
    const onApi = await t.call('POST', '/auth/passkeys/login/verify', {
      body: { login_id: own.login_id, credential: authenticator.authenticate(own.options) },
    });
    expect(onApi.status).toBe(401);
    expect(onApi.body.type).toContain('invalid_passkey_challenge');
  });

  it('lets exactly one of 20 parallel copies of an answer through', async () => {
    const { authenticator } = await withPasskey(true);
    const { login_id, options } = await consoleOptions();
    const credential = authenticator.authenticate(options);
    const answers = await Promise.all(Array.from({ length: 20 }, () => consoleVerify(login_id, credential)));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 401)).toHaveLength(19);
  });

  it('answers bad input with problem details', async () => {
    const response = await consoleVerify('not-a-uuid', { id: 'x' });
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toContain('application/problem+json');
  });
});

/** An authorization request up to its login page: the jar holds the interaction cookie. */
async function loginPage(client: TestClient) {
  const jar = new CookieJar();
  const request = await authorizationRequest(client, 'openid');
  const landing = await follow(jar, issuer, request.url);
  expect(landing.page?.html).toContain('Sign in with a passkey');
  const uid = new URL(landing.page!.url).pathname.split('/').at(-1)!;
  return { jar, request, uid };
}

async function post(jar: CookieJar, path: string, payload: unknown) {
  const response = await fetch(`${issuer}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: jar.header() },
    body: JSON.stringify(payload),
  });
  jar.store(response);
  const body: any = await response.json();
  return { status: response.status, type: response.headers.get('content-type'), body };
}

async function passkeyOnPage(jar: CookieJar, uid: string, authenticator: SoftAuthenticator, body: object = {}) {
  const options = await post(jar, `/account/login/${uid}/passkey/options`, body);
  expect(options.status, JSON.stringify(options.body)).toBe(200);
  return post(jar, `/account/login/${uid}/passkey/verify`, {
    login_id: options.body.login_id,
    credential: authenticator.authenticate(options.body.options),
  });
}

describe('POST /account/login/:uid/passkey/options + /verify (the hosted OIDC login page)', () => {
  it('finishes the OIDC login with a passkey, with no TOTP step: back at the app with a code, amr hwk + mfa', async () => {
    const { user, authenticator } = await withPasskey(false);
    await t.database.db.execute(`UPDATE users SET otp_enabled = true WHERE id = '${user.id}'`);
    const { jar, request, uid } = await loginPage(notes);
    const verified = await passkeyOnPage(jar, uid, authenticator, { email: user.email });
    expect(verified.status, JSON.stringify(verified.body)).toBe(200);
    const landing = await follow(jar, issuer, verified.body.redirect_to);
    expect(landing.left?.href.startsWith(notes.redirectUri), landing.page?.html.slice(0, 300)).toBe(true);
    const tokens = await oidcClient.authorizationCodeGrant(notes.config, landing.left!, {
      pkceCodeVerifier: request.verifier,
      expectedState: request.state,
    });
    expect(tokens.claims()).toMatchObject({ sub: user.id, amr: ['hwk', 'mfa'] });
    const logins = await auditEventsOf(t, 'login.succeeded', user.id);
    expect(logins.at(-1)?.detail).toMatchObject({ method: 'passkey' });
  });

  it("refuses a challenge of another sign-in request, and calls without the request's cookie", async () => {
    const { authenticator } = await withPasskey(false);
    const first = await loginPage(notes);
    const second = await loginPage(notes);
    const options = await post(first.jar, `/account/login/${first.uid}/passkey/options`, {});
    const crossed = await post(second.jar, `/account/login/${second.uid}/passkey/verify`, {
      login_id: options.body.login_id,
      credential: authenticator.authenticate(options.body.options),
    });
    expect(crossed.status).toBe(401);
    expect(crossed.body.type).toContain('invalid_passkey_challenge');

    const cookieless = await post(new CookieJar(), `/account/login/${first.uid}/passkey/options`, {});
    expect(cookieless.status).toBe(400);
    expect(cookieless.type).toContain('application/problem+json');
    expect(cookieless.body.type).toContain('sign_in_expired');
  });
});
