import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from './helpers/app.js';
import { registerApp } from './helpers/apps.js';
import { addPasskeyOnAccountPage, launchBrowser, pageWithAuthenticator } from './helpers/browser.js';
import { startOidcApp } from './helpers/oidc.js';

/*
 * Real Chromium with its virtual authenticator: an operator registers a passkey on
 * /account/passkeys, then signs in to the console with "Sign in with a passkey" (no password,
 * no API key in the console). Needs the built console (dist/console, as test/console.test.ts).
 */

let t: TestApp;
let base: string;
let browser: Browser;
let apiKey: string;

beforeAll(async () => {
  const started = await startOidcApp({}, 'localhost');
  ({ t, issuer: base } = started);
  apiKey = (await registerApp(t, started.operatorToken, { domains: ['localhost'] })).apiKey;
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

describe('"Sign in with a passkey" in the console in Chromium', () => {
  it('signs an operator in with a passkey, usernameless', async () => {
    const operator = await t.createOperator();
    const page = await pageWithAuthenticator(browser);
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));

    await addPasskeyOnAccountPage(page, base, apiKey, operator);

    await page.goto(`${base}/console`);
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor({ timeout: 15_000 });
    expect(await page.getByText(operator.email).isVisible()).toBe(true);
    expect(problems).toEqual([]);
    await page.context().close();
  }, 60_000);
});
