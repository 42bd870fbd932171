import * as oidcClient from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anotherProcess, testEngine, type TestApp } from './helpers/app.js';
import { CookieJar, makeClient, signIn, startOidcApp, type TestClient } from './helpers/oidc.js';

describe.runIf(testEngine === 'postgres')('OpenID Connect across processes on one PostgreSQL', () => {
  let t: TestApp;
  let issuer: string;
  let notes: TestClient;
  let second: Awaited<ReturnType<typeof anotherProcess>>;

  beforeAll(async () => {
    const started = await startOidcApp();
    ({ t, issuer } = started);
    const { operatorToken } = started;
    notes = await makeClient(t, issuer, operatorToken, { firstParty: true });
    second = await anotherProcess(t);
  });
  afterAll(async () => {
    await second?.close();
    await t.close();
  });

  it('a code issued by one process is exchanged at another, whose tokens the first accepts', async () => {
    const user = await t.registerUser();
    const signed = await signIn(new CookieJar(), issuer, notes, user);
    const exchanged = await second.app.inject({
      method: 'POST',
      url: '/oidc/token',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${notes.clientId}:${notes.secret}`).toString('base64')}`,
      },
      payload: new URLSearchParams({
        grant_type: 'authorization_code',
        code: signed.callback.searchParams.get('code')!,
        redirect_uri: notes.redirectUri,
        code_verifier: signed.verifier,
      }).toString(),
    });
    expect(exchanged.statusCode).toBe(200);
    const { access_token: accessToken } = exchanged.json() as { access_token: string };
    expect(await oidcClient.fetchUserInfo(notes.config, accessToken, user.id)).toEqual({ sub: user.id });
    // The same code at the first process: spent everywhere.
    await expect(
      oidcClient.authorizationCodeGrant(notes.config, signed.callback, { pkceCodeVerifier: signed.verifier, expectedState: signed.state }),
    ).rejects.toMatchObject({ error: 'invalid_grant' });
  });
});
