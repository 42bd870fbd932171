import * as oidcClient from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from './helpers/app.js';
import { CookieJar, makeClient, signIn, startOidcApp, tokensFor, type TestClient } from './helpers/oidc.js';

describe('OpenID Connect sessions: single sign-on, and ending with Sentinel sessions', () => {
  let t: TestApp;
  let issuer: string;
  let operatorToken: string;
  let notes: TestClient;
  let tasks: TestClient;

  beforeAll(async () => {
    ({ t, issuer, operatorToken } = await startOidcApp());
    notes = await makeClient(t, issuer, operatorToken);
    tasks = await makeClient(t, issuer, operatorToken, { firstParty: true });
  });
  afterAll(() => t.close());

  it('a second client gets a code without a password; a third-party one asks consent once, then remembers it', async () => {
    const user = await t.registerUser();
    const jar = new CookieJar();
    expect((await signIn(jar, issuer, notes, user)).pages).toEqual(['login', 'consent']);
    const sso = await signIn(jar, issuer, tasks, user);
    expect(sso.pages).toEqual([]);
    const tokens = await oidcClient.authorizationCodeGrant(tasks.config, sso.callback, {
      pkceCodeVerifier: sso.verifier,
      expectedState: sso.state,
    });
    expect(tokens.claims()!.sub).toBe(user.id);
    // A new browser signs in again, but is not asked to consent again.
    expect((await signIn(new CookieJar(), issuer, notes, user)).pages).toEqual(['login']);
  });

  it("an operator ending the user's sessions ends the OIDC session, its refresh tokens and its access tokens", async () => {
    const user = await t.registerUser();
    const jar = new CookieJar();
    const tokens = await tokensFor(jar, issuer, tasks, user, 'openid offline_access');
    expect(await oidcClient.fetchUserInfo(tasks.config, tokens.access_token, user.id)).toMatchObject({ sub: user.id });

    const ended = await t.call('DELETE', `/operator/users/${user.id}/sessions`, { token: operatorToken });
    expect(ended.status).toBe(200);
    expect(ended.body.revoked_sessions).toBeGreaterThanOrEqual(1);

    await expect(oidcClient.fetchUserInfo(tasks.config, tokens.access_token, user.id)).rejects.toThrow();
    await expect(oidcClient.refreshTokenGrant(tasks.config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect((await signIn(jar, issuer, tasks, user)).pages).toEqual(['login']);
  });

  it('a hosted login opens a Sentinel session that the user and operators see, tied to the app', async () => {
    const user = await t.registerUser();
    await tokensFor(new CookieJar(), issuer, tasks, user);
    const sessions = await t.call('GET', `/operator/users/${user.id}/sessions`, { token: operatorToken });
    expect(sessions.status).toBe(200);
    expect(sessions.body.sessions).toHaveLength(1);
  });
});

describe('the sentinel:profiles scope', () => {
  let t: TestApp;
  let issuer: string;
  let operatorToken: string;
  let notes: TestClient;
  let otherAppId: number;

  beforeAll(async () => {
    ({ t, issuer, operatorToken } = await startOidcApp());
    notes = await makeClient(t, issuer, operatorToken, { firstParty: true });
    otherAppId = (await makeClient(t, issuer, operatorToken)).appId;
  });
  afterAll(() => t.close());

  it("reads and writes that user's profiles in that app, and gets 403 on another app's", async () => {
    const user = await t.registerUser();
    const own = await t.login(user);
    await t.call('POST', '/user/profiles/create', { token: own.token, body: { app_id: notes.appId, profile_data: { theme: 'dark' } } });
    await t.call('POST', '/user/profiles/create', { token: own.token, body: { app_id: otherAppId, profile_data: { secret: true } } });
    const someoneElse = await t.registerUser();
    const theirs = await t.login(someoneElse);
    await t.call('POST', '/user/profiles/create', { token: theirs.token, body: { app_id: notes.appId, profile_data: { theirs: 1 } } });

    const tokens = await tokensFor(new CookieJar(), issuer, notes, user, 'openid sentinel:profiles');
    const token = tokens.access_token;
    const list = await t.call('GET', `/user/profiles/${notes.appId}`, { token, apiKey: null });
    expect(list.status).toBe(200);
    expect(list.body.profiles.map((p: { profile_data: unknown }) => p.profile_data)).toEqual([{ theme: 'dark' }]);

    const created = await t.call('POST', '/user/profiles/create', {
      token,
      apiKey: null,
      body: { app_id: notes.appId, profile_data: { n: 2 } },
    });
    expect(created.status).toBe(201);
    expect(created.body.profile.user_id).toBe(user.id);

    const other = await t.call('GET', `/user/profiles/${otherAppId}`, { token, apiKey: null });
    expect(other.status).toBe(403);
    expect(other.headers['content-type']).toContain('application/problem+json');
    const write = await t.call('POST', '/user/profiles/create', {
      token,
      apiKey: null,
      body: { app_id: otherAppId, profile_data: { n: 3 } },
    });
    expect(write.status).toBe(403);
    const stored = await t.call('GET', `/user/profiles/${otherAppId}`, { token: own.token });
    expect(stored.body.profiles).toHaveLength(1);

    // Only the profile routes take an app's token: the account itself stays the user's.
    expect((await t.call('GET', '/auth/verify', { token, apiKey: null })).status).toBe(401);
    expect((await t.call('GET', '/user/delete', { token, apiKey: null })).status).toBe(401);
  });

  it('a token without the scope gets 403, an unknown one 401', async () => {
    const user = await t.registerUser();
    const tokens = await tokensFor(new CookieJar(), issuer, notes, user, 'openid');
    expect((await t.call('GET', `/user/profiles/${notes.appId}`, { token: tokens.access_token, apiKey: null })).status).toBe(403);
    const unknown = await t.call('GET', `/user/profiles/${notes.appId}`, { token: 'not-a-real-token', apiKey: null });
    expect(unknown.status).toBe(401);
    expect(unknown.headers['www-authenticate']).toContain('invalid_token');
  });
});
