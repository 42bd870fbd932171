import * as oidcClient from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from './helpers/app.js';
import {
  authorizationRequest,
  CookieJar,
  follow,
  formAction,
  makeClient,
  postForm,
  signIn,
  startOidcApp,
  type TestClient,
} from './helpers/oidc.js';
import { codeAt, enrollTotp } from './helpers/totp.js';

describe('OpenID Connect: authorization code + PKCE with openid-client as the relying party', () => {
  let t: TestApp;
  let issuer: string;
  let operatorToken: string;
  let notes: TestClient;
  let user: { id: string; email: string; password: string };

  beforeAll(async () => {
    ({ t, issuer, operatorToken } = await startOidcApp());
    notes = await makeClient(t, issuer, operatorToken);
    user = await t.registerUser({ first_name: 'Ada', last_name: 'Lovelace' });
  });
  afterAll(() => t.close());

  it('GET /.well-known/openid-configuration names this issuer, code flow with S256 PKCE, and the endpoints', async () => {
    const meta = notes.config.serverMetadata();
    expect(meta.issuer).toBe(issuer);
    expect(meta.code_challenge_methods_supported).toEqual(['S256']);
    expect(meta.response_types_supported).toEqual(['code']);
    expect(meta.scopes_supported).toEqual(expect.arrayContaining(['openid', 'profile', 'email', 'offline_access', 'sentinel:profiles']));
    expect(meta.jwks_uri).toBe(`${issuer}/oidc/jwks`);
    expect(meta.end_session_endpoint).toBe(`${issuer}/account/logout`);
  });

  it('logs in on the hosted page, exchanges the code, validates the ID token, reads userinfo, refreshes, revokes and logs out', async () => {
    const jar = new CookieJar();
    const request = await authorizationRequest(notes, 'openid profile email offline_access', { prompt: 'consent' });
    const loginPage = await follow(jar, issuer, request.url);
    expect(loginPage.page?.status).toBe(200);
    expect(loginPage.page?.html).toContain('Sign in');
    const consent = await postForm(jar, issuer, formAction(loginPage.page!.html, issuer, '/account/login/'), {
      login: user.email,
      password: user.password,
    });
    expect(consent.page?.html).toContain('See your email address');
    const landing = await postForm(jar, issuer, formAction(consent.page!.html, issuer, '/account/login/'), { decision: 'allow' });
    expect(landing.left?.href.startsWith(notes.redirectUri)).toBe(true);

    const tokens = await oidcClient.authorizationCodeGrant(notes.config, landing.left!, {
      pkceCodeVerifier: request.verifier,
      expectedState: request.state,
    });
    const claims = tokens.claims()!;
    expect(claims.sub).toBe(user.id);
    expect(claims.iss).toBe(issuer);
    expect(claims.aud).toBe(notes.clientId);

    const info = await oidcClient.fetchUserInfo(notes.config, tokens.access_token, user.id);
    expect(info).toMatchObject({ sub: user.id, email: user.email, given_name: 'Ada', family_name: 'Lovelace', name: 'Ada Lovelace' });

    expect(tokens.refresh_token).toBeDefined();
    const refreshed = await oidcClient.refreshTokenGrant(notes.config, tokens.refresh_token!);
    expect(refreshed.access_token).not.toBe(tokens.access_token);

    await oidcClient.tokenRevocation(notes.config, refreshed.access_token);
    await expect(oidcClient.fetchUserInfo(notes.config, refreshed.access_token, user.id)).rejects.toThrow();

    const logout = oidcClient.buildEndSessionUrl(notes.config, {
      id_token_hint: tokens.id_token!,
      post_logout_redirect_uri: `${new URL(notes.redirectUri).origin}/`,
    });
    const confirm = await follow(jar, issuer, logout.href);
    expect(confirm.page?.html).toContain('Sign out');
    const out = await postForm(jar, issuer, formAction(confirm.page!.html, issuer, '/account/logout'), {
      xsrf: xsrfOf(confirm.page!.html),
      logout: 'yes',
    });
    expect(out.left?.origin).toBe(new URL(notes.redirectUri).origin);
    // The login's Sentinel session ended with it: its refresh token is gone too.
    await expect(oidcClient.refreshTokenGrant(notes.config, refreshed.refresh_token!)).rejects.toThrow();
    // Signed out: the next request asks for the password again, but not for consent (it is remembered).
    expect((await signIn(jar, issuer, notes, user)).pages).toEqual(['login']);
  });

  it('asks for the TOTP code after the password when the user has TOTP on; a wrong code shows the form again (401)', async () => {
    const otpUser = await t.registerUser();
    const { secret } = await enrollTotp(t, { ...otpUser });
    const jar = new CookieJar();
    const request = await authorizationRequest(notes, 'openid');
    const login = await follow(jar, issuer, request.url);
    const otp = await postForm(jar, issuer, formAction(login.page!.html, issuer, '/account/login/'), {
      login: otpUser.username,
      password: otpUser.password,
    });
    expect(otp.page?.html).toContain('one-time-code');
    const otpToken = /name="otp_token" value="([^"]+)"/.exec(otp.page!.html)![1]!;
    const action = formAction(otp.page!.html, issuer, '/account/login/');
    const wrong = await postForm(jar, issuer, action, { otp_token: otpToken, code: '000000' });
    expect(wrong.page?.status).toBe(401);
    expect(wrong.page?.html).toContain('role="alert"');
    const right = await postForm(jar, issuer, action, { otp_token: otpToken, code: codeAt(secret, t.clock()) });
    // Third-party app: consent comes next, then the app gets its code.
    const landing = await postForm(jar, issuer, formAction(right.page!.html, issuer, '/account/login/'), { decision: 'allow' });
    const tokens = await oidcClient.authorizationCodeGrant(notes.config, landing.left!, {
      pkceCodeVerifier: request.verifier,
      expectedState: request.state,
    });
    expect(tokens.claims()).toMatchObject({ sub: otpUser.id, amr: ['pwd', 'otp'] });
  });
});

function xsrfOf(html: string): string {
  return /name="xsrf" value="([^"]+)"/.exec(html)![1]!;
}
