import * as oidcClient from 'openid-client';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from './helpers/app.js';
import { registerApp } from './helpers/apps.js';
import { addPasskeyOnAccountPage, launchBrowser, pageWithAuthenticator } from './helpers/browser.js';
import { authorizationRequest, makeClient, startOidcApp, type TestClient } from './helpers/oidc.js';

/*
 * Real Chromium with its virtual authenticator: register a passkey on /account/passkeys, then
 * sign in to an OpenID Connect app on the hosted login page with "Sign in with a passkey" and
 * follow the redirect back to the app.
 */

let t: TestApp;
let issuer: string;
let notes: TestClient;
let browser: Browser;
let apiKey: string;

beforeAll(async () => {
  const started = await startOidcApp({}, 'localhost');
  ({ t, issuer } = started);
  notes = await makeClient(t, issuer, started.operatorToken, { firstParty: true });
  // The passkeys page signs in through the API with an app's key (in its URL fragment).
  apiKey = (await registerApp(t, started.operatorToken, { domains: ['localhost'] })).apiKey;
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

describe('"Sign in with a passkey" on the hosted OIDC login page in Chromium', () => {
  it('signs in usernameless with a passkey and lands on the app with a code that openid-client exchanges', async () => {
    const user = await t.registerUser();
    const page = await pageWithAuthenticator(browser);
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) problems.push(message.text());
    });

    // A passkey first, on the hosted passkeys page.
    await addPasskeyOnAccountPage(page, issuer, apiKey, user);

    const request = await authorizationRequest(notes, 'openid');
    await page.goto(request.url);
    expect(await page.locator('h1').textContent()).toBe('Sign in');
    // The app's callback (not served here): the request the browser makes is where it was sent back to.
    const back = page.waitForRequest((r) => r.url().startsWith(notes.redirectUri), { timeout: 15_000 });
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    const callback = new URL((await back).url());

    expect(problems).toEqual([]);
    const tokens = await oidcClient.authorizationCodeGrant(notes.config, callback, {
      pkceCodeVerifier: request.verifier,
      expectedState: request.state,
    });
    expect(tokens.claims()).toMatchObject({ sub: user.id, amr: ['hwk', 'mfa'] });
    await page.close();
  }, 60_000);
});
