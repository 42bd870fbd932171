import * as oidcClient from 'openid-client';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from './helpers/app.js';
import { launchBrowser } from './helpers/browser.js';
import { authorizationRequest, makeClient, startOidcApp, type TestClient } from './helpers/oidc.js';

describe('OpenID Connect sign-in in headless Chromium', () => {
  let t: TestApp;
  let issuer: string;
  let notes: TestClient;
  let browser: Browser;

  beforeAll(async () => {
    const started = await startOidcApp();
    ({ t, issuer } = started);
    const { operatorToken } = started;
    notes = await makeClient(t, issuer, operatorToken);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await t.close();
  });

  it('signs in on the hosted page, consents, and lands on the app with a code that openid-client exchanges', async () => {
    const user = await t.registerUser();
    const request = await authorizationRequest(notes, 'openid profile email');
    const page = await browser.newPage();
    const blocked: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) blocked.push(message.text());
    });
    // The app's callback: the browser gets there only if the page's form-action allowed the redirect.
    let callback: URL | undefined;
    await page.route(`${new URL(notes.redirectUri).origin}/**`, async (route) => {
      callback = new URL(route.request().url());
      await route.fulfill({ status: 200, contentType: 'text/html', body: '<p>Signed in</p>' });
    });

    await page.goto(request.url);
    expect(await page.locator('h1').textContent()).toBe('Sign in');
    // Themed with the app's name.
    expect(await page.title()).toBe(`Sign in · ${notes.appName}`);
    await page.getByLabel('Email or username').fill(user.email);
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL((url) => url.href.startsWith(notes.redirectUri));

    expect(blocked).toEqual([]);
    const tokens = await oidcClient.authorizationCodeGrant(notes.config, callback!, {
      pkceCodeVerifier: request.verifier,
      expectedState: request.state,
    });
    expect(tokens.claims()!.sub).toBe(user.id);
    await page.close();
  });
});
