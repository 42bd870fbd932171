import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp, type TestUser } from './helpers/app.js';
import { auditEventsOf } from './helpers/audit.js';
import { freePort } from '../packages/client/test/sentinel-server.js';
import { launchBrowser, pageWithAuthenticator } from './helpers/browser.js';

/*
 * Real Chromium with its virtual authenticator (CDP WebAuthn domain) drives the hosted page
 * /account/passkeys: sign in with the password, register a passkey, sign out, sign in with
 * it usernameless, and again after typing the email.
 */

// The public URL (the RP's origin) must name the port before the app is built: freePort.

let t: TestApp;
let browser: Browser;
let origin: string;
let apiKey: string;
let user: TestUser;

beforeAll(async () => {
  const port = await freePort();
  // WebAuthn refuses IP addresses as RP IDs; browsers treat localhost as a secure context.
  origin = `http://localhost:${port}`;
  t = await createTestApp({ env: { SENTINEL_PUBLIC_URL: origin } });
  await t.app.listen({ port, host: '127.0.0.1' });
  const operator = await t.createOperator();
  const { token } = await t.login(operator);
  const app = await t.call('POST', '/operator/app/register', {
    token,
    body: { app: 'notes', description: 'Notes', domains: ['localhost'] },
  });
  apiKey = app.body.api_key;
  user = await t.registerUser();
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

const state = (page: Page, value: 'signed-in' | 'signed-out') => page.waitForSelector(`body[data-state="${value}"]`, { timeout: 15_000 });

describe('GET /account/passkeys in Chromium with a virtual authenticator', () => {
  it('registers a passkey, signs out, signs in usernameless, and signs in after the email', async () => {
    const page = await pageWithAuthenticator(browser);
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    // Every answer the page gets is a success (the browser's own favicon request aside).
    page.on('response', (response) => {
      if (response.status() >= 400 && !response.url().endsWith('/favicon.ico')) problems.push(`${response.status()} ${response.url()}`);
    });

    await page.goto(`${origin}/account/passkeys#key=${apiKey}`);
    await state(page, 'signed-out');
    expect(page.url()).toBe(`${origin}/account/passkeys`);

    await page.fill('#field-email', user.email);
    await page.fill('#field-password', user.password);
    await page.click('#password-login');
    await state(page, 'signed-in');

    await page.fill('#field-passkey_name', 'Chromium');
    await page.click('#register');
    await page.waitForSelector('#passkey-list li', { timeout: 15_000 });
    expect(await page.textContent('#status')).toBe('Passkey added');
    expect(await page.textContent('#passkey-list')).toContain('Chromium');

    await page.click('#sign-out');
    await state(page, 'signed-out');

    await page.click('#passkey-login');
    await state(page, 'signed-in');
    expect(await page.textContent('#status')).toBe('Signed in with a passkey');
    expect(await page.textContent('#who')).toBe(user.email);

    await page.click('#sign-out');
    await state(page, 'signed-out');
    await page.fill('#field-passkey_email', user.email);
    await page.click('#passkey-login');
    await state(page, 'signed-in');
    expect(await page.textContent('#who')).toBe(user.email);

    const logins = (await auditEventsOf(t, 'login.succeeded', user.id)).filter((event) => event.detail.method === 'passkey');
    expect(logins).toHaveLength(2);
    expect(problems).toEqual([]);
  }, 60_000);
});
