import { sql } from 'drizzle-orm';
import * as oidcClient from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from './helpers/app.js';
import { authorizationRequest, CookieJar, follow, makeClient, signIn, startOidcApp, type TestClient } from './helpers/oidc.js';

describe('OpenID Connect refuses what an attacker would try', () => {
  let t: TestApp;
  let issuer: string;
  let operatorToken: string;
  let notes: TestClient;
  let user: { id: string; email: string; password: string };

  beforeAll(async () => {
    ({ t, issuer, operatorToken } = await startOidcApp());
    notes = await makeClient(t, issuer, operatorToken, { firstParty: true });
    user = await t.registerUser();
  });
  afterAll(() => t.close());

  const exchange = (client: TestClient, signed: { callback: URL; verifier: string; state: string }, verifier = signed.verifier) =>
    oidcClient.authorizationCodeGrant(client.config, signed.callback, { pkceCodeVerifier: verifier, expectedState: signed.state });

  it('a redirect URI the client did not register gets an error page, and no redirect anywhere', async () => {
    const request = await authorizationRequest({ ...notes, redirectUri: 'https://evil.example/callback' }, 'openid');
    const landing = await follow(new CookieJar(), issuer, request.url);
    expect(landing.left).toBeUndefined();
    expect(landing.page?.status).toBe(400);
    expect(landing.page?.html).toContain('redirect_uri');
  });

  it("a redirect URI off the app's domains cannot be registered (400 invalid_redirect_uri), and nothing is stored", async () => {
    const app = await t.call('POST', '/operator/app/register', {
      token: operatorToken,
      body: { app: 'offdomain', domains: ['ok.example'] },
    });
    const made = await t.call('POST', `/operator/app/${app.body.app.app_id}/oidc-client`, {
      token: operatorToken,
      body: { type: 'public', redirect_uris: ['https://ok.example/cb', 'https://evil.example/cb'] },
    });
    expect(made.status).toBe(400);
    expect(made.headers['content-type']).toContain('application/problem+json');
    expect(made.body.errors).toEqual([{ path: '/redirect_uris/1', message: expect.stringContaining('evil.example') }]);
    expect((await t.call('GET', `/operator/app/${app.body.app.app_id}/oidc-client`, { token: operatorToken })).status).toBe(404);
  });

  it('a code exchanged twice is refused the second time, and the tokens of the first exchange are revoked', async () => {
    const signed = await signIn(new CookieJar(), issuer, notes, user);
    const first = await exchange(notes, signed);
    await expect(exchange(notes, signed)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(oidcClient.fetchUserInfo(notes.config, first.access_token, user.id)).rejects.toThrow();
  });

  it('a code raced by 20 parallel exchanges yields tokens once', async () => {
    const signed = await signIn(new CookieJar(), issuer, notes, user);
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => exchange(notes, signed)));
    expect(results.filter((result) => result.status === 'fulfilled').length).toBeLessThanOrEqual(1);
    const rejected = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
    expect(rejected.length).toBeGreaterThanOrEqual(19);
    for (const failure of rejected) expect(failure.reason).toMatchObject({ error: 'invalid_grant' });
  });

  it('a wrong PKCE verifier is refused (invalid_grant)', async () => {
    const signed = await signIn(new CookieJar(), issuer, notes, user);
    await expect(exchange(notes, signed, oidcClient.randomPKCECodeVerifier())).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('an expired code is refused (invalid_grant)', async () => {
    const signed = await signIn(new CookieJar(), issuer, notes, user);
    await t.database.db.execute(sql`UPDATE oidc_payloads SET expires_at = now() - interval '1 second' WHERE model = 'AuthorizationCode'`);
    await expect(exchange(notes, signed)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('a public client must send PKCE: without it the app gets an error, not a code', async () => {
    const spa = await makeClient(t, issuer, operatorToken, { type: 'public', firstParty: true });
    const url = oidcClient.buildAuthorizationUrl(spa.config, { redirect_uri: spa.redirectUri, scope: 'openid', state: 's' });
    const landing = await follow(new CookieJar(), issuer, url.href);
    expect(landing.left?.searchParams.get('error')).toBe('invalid_request');
    expect(landing.left?.searchParams.get('code')).toBeNull();
  });

  it('a wrong password on the hosted page answers 401 with the form again and counts toward lockout', async () => {
    const jar = new CookieJar();
    const request = await authorizationRequest(notes, 'openid');
    const page = await follow(jar, issuer, request.url);
    const uid = /\/account\/login\/([^/"]+)/.exec(page.page!.html)![1]!;
    const response = await fetch(`${issuer}/account/login/${uid}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: jar.header() },
      body: new URLSearchParams({ login: user.email, password: 'wrong password' }).toString(),
    });
    expect(response.status).toBe(401);
    const html = await response.text();
    expect(html).toContain('role="alert"');
    expect(html).toContain('name="password"');
    const failures = await t.database.db.execute(sql`SELECT count(*)::int AS n FROM audit_events WHERE action = 'login.failed'`);
    expect((failures as unknown as { rows: { n: number }[] }).rows[0]!.n).toBeGreaterThanOrEqual(1);
  });
});
