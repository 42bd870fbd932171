import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp, type TestUser } from './helpers/app.js';
import { launchBrowser } from './helpers/browser.js';
import { createProfile } from './helpers/profiles.js';
import { codeAt, enrollTotp } from './helpers/totp.js';

/*
 * The operator console driven in headless Chromium against a real server on port 0: every
 * step is what an operator does, checked both on the page and through the API. Screenshots
 * of each page go to docs/images/console-*.png (docs/console.md shows them).
 */
let t: TestApp;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let base: string;
let operator: TestUser;
let secret: string;
let recoveryCodes: string[];
let customer: TestUser;
let appKey: string;
let appId: number;

// The screenshots in docs/console.md: rewritten only when asked (SCREENSHOTS=1 npx vitest run test/console.test.ts),
// so a test run leaves the working tree as it found it; otherwise taken all the same, to a temporary folder.
const SHOTS_DIR = process.env.SCREENSHOTS === '1' ? 'docs/images' : fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-console-shots-'));
const shot = (name: string) => page.screenshot({ path: path.join(SHOTS_DIR, `console-${name}.png`), fullPage: true });

beforeAll(async () => {
  t = await createTestApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  operator = await t.createOperator();
  ({ secret, recoveryCodes } = await enrollTotp(t, operator));
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
  page = await context.newPage();
  // A step that does not happen fails in seconds, not at the test's timeout.
  page.setDefaultTimeout(8_000);
  // Delete and purge ask before acting.
  page.on('dialog', (dialog) => void dialog.accept());
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

async function nav(label: string) {
  await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: label }).click();
  await page.getByRole('heading', { level: 1, name: label === 'Import' ? 'Import users' : label }).waitFor();
}

describe('the operator console at /console', () => {
  it('serves the app under its own policy, and refuses a non-operator at sign-in', async () => {
    const response = await page.goto(`${base}/console`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    const someone = await t.registerUser();
    await page.getByLabel('Email or username').fill(someone.email);
    await page.getByLabel('Password').fill(someone.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'Only operators' }).first().waitFor();
  });

  it('signs an operator in with password, then TOTP', async () => {
    await page.getByLabel('Email or username').fill(operator.username);
    await page.getByLabel('Password').fill(operator.password);
    await shot('sign-in');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByLabel('Code', { exact: true }).fill(codeAt(secret, t.clock()));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    expect(await page.getByText(operator.email).isVisible()).toBe(true);
  });

  it('registers an app, shows its key once and copies it; the key works', async () => {
    await nav('Apps');
    await page.getByLabel('Name', { exact: true }).fill('notes');
    await page.getByLabel('Description', { exact: true }).fill('Note taking');
    await page.getByRole('button', { name: 'Register app' }).click();
    appKey = (await page.getByLabel('API key of notes').textContent())!;
    expect(appKey).toMatch(/^sk_/);
    await page.getByRole('button', { name: 'Copy key' }).click();
    await page.getByText('Copied').waitFor();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(appKey);
    await page.getByRole('link', { name: 'notes' }).waitFor();
    await shot('apps');
    const registered = await t.call('POST', '/auth/register', {
      apiKey: appKey,
      body: {
        user_info: { username: 'ada', email: 'ada.lovelace@example.com', first_name: 'Ada', last_name: 'Lovelace' },
        password: 'analytical engine',
      },
    });
    expect(registered.status).toBe(201);
    customer = { id: registered.body.user.user_id, username: 'ada', email: 'ada.lovelace@example.com', password: 'analytical engine' };
    appId = (await t.call('GET', '/app/all')).body.apps.find((app: { app: string }) => app.app === 'notes').app_id;
  });

  it("sets the app's profile schema on its page", async () => {
    await page.getByRole('link', { name: 'notes' }).click();
    await page.getByRole('heading', { name: 'App notes' }).waitFor();
    await page
      .getByLabel('JSON Schema (draft 2020-12); empty for none')
      .fill(JSON.stringify({ type: 'object', properties: { theme: { enum: ['light', 'dark'] } }, required: ['theme'] }));
    await page.getByRole('button', { name: 'Save schema' }).click();
    await page.getByText('Schema saved').waitFor();
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.getByLabel('New API key').waitFor();
    await shot('app');
    expect((await t.call('GET', `/operator/app/${appId}/schema`, { token: await operatorToken() })).body.schema.required).toEqual([
      'theme',
    ]);
  });

  let customerToken: string;
  it('finds a user by searching as you type, and opens their page', async () => {
    customerToken = (await t.call('POST', '/auth/login', { apiKey: appKey, body: { email: customer.email, password: customer.password } }))
      .body.token;
    await createProfile(t, customerToken, { theme: 'light' }, appId);
    await nav('Users');
    await page.getByRole('searchbox', { name: 'Search' }).fill('ada.lov');
    // The unfiltered first page may still show before the search answers: wait for Ada alone.
    await expect.poll(() => page.getByRole('row').count()).toBe(2); // the header and Ada
    const link = page.getByRole('link', { name: customer.email });
    await link.waitFor();
    await shot('users');
    await link.click();
    await page.getByRole('heading', { level: 1, name: customer.email }).waitFor();
  });

  it('refuses a profile edit that breaks the schema, and explains a stale edit (412)', async () => {
    await page.getByLabel('App', { exact: true }).selectOption({ label: 'notes' });
    const editor = page.getByLabel('Profile data (JSON)');
    await editor.fill('{ "theme": "blue" }');
    await page.getByRole('button', { name: 'Save profile' }).click();
    await page.getByRole('alert').filter({ hasText: '/theme' }).first().waitFor();
    const stored = await t.call('GET', `/user/profiles/${appId}`, { token: customerToken });
    expect(stored.body.profiles[0].profile_data).toEqual({ theme: 'light' });

    // Meanwhile the user changes it: the console's version is now behind.
    const profileId = stored.body.profiles[0].profile_id;
    const theirs = await t.call('PUT', `/user/profiles/${appId}/${profileId}`, {
      token: customerToken,
      body: { profile_data: { theme: 'dark' } },
    });
    expect(theirs.status).toBe(200);
    await editor.fill('{ "theme": "light" }');
    await page.getByRole('button', { name: 'Save profile' }).click();
    await page.getByRole('alert').filter({ hasText: 'someone else changed this profile' }).first().waitFor();
    await shot('user-412');
    expect((await t.call('GET', `/user/profiles/${appId}/${profileId}`, { token: customerToken })).body.profile.profile_data).toEqual({
      theme: 'dark',
    });

    await page.getByRole('button', { name: 'Reload profile' }).click();
    await expect.poll(() => page.getByLabel('Profile data (JSON)').inputValue()).toMatch(/"dark"/);
    await page.getByLabel('Profile data (JSON)').fill('{ "theme": "light", "note": "set by support" }');
    await page.getByRole('button', { name: 'Save profile' }).click();
    await page.getByText('Profile saved').waitFor();
    expect((await t.call('GET', `/user/profiles/${appId}/${profileId}`, { token: customerToken })).body.profile.profile_data).toEqual({
      theme: 'light',
      note: 'set by support',
    });
  });

  it("revokes a user's session: their token then gets 401", async () => {
    expect((await t.call('GET', '/auth/verify', { token: customerToken })).status).toBe(200);
    await page.getByRole('button', { name: /^Revoke session from/ }).click();
    await page.getByText('Session revoked').waitFor();
    await expect.poll(async () => (await t.call('GET', '/auth/verify', { token: customerToken })).status).toBe(401);
    await shot('user');
  });

  it('deletes and restores a user', async () => {
    await page.getByRole('button', { name: 'Delete user' }).click();
    await page.getByText('User deleted; their sessions have ended').waitFor();
    expect((await t.call('GET', `/operator/users/${customer.id}`, { token: await operatorToken() })).body.user.deleted_at).not.toBeNull();
    await page.getByRole('button', { name: 'Restore user' }).click();
    await page.getByText('User restored').waitFor();
    expect((await t.call('GET', `/operator/users/${customer.id}`, { token: await operatorToken() })).body.user.deleted_at).toBeNull();
  });

  it('checks the existing profiles before saving a schema, names those that fail, and saves only when asked', async () => {
    await nav('Apps');
    await page.getByRole('link', { name: 'notes' }).click();
    await page.getByRole('heading', { name: 'App notes' }).waitFor();
    const stricter = { type: 'object', properties: { theme: { enum: ['dark'] } } };
    await page.getByLabel('JSON Schema (draft 2020-12); empty for none').fill(JSON.stringify(stricter));
    await page.getByRole('button', { name: 'Save schema' }).click();
    const report = page.getByRole('alert').filter({ hasText: 'existing profiles do not satisfy this schema' });
    await report.getByRole('heading', { name: '1 of 1 existing profiles do not satisfy this schema' }).waitFor();
    await report.getByText('/profile_data/theme must be equal to one of the allowed values').waitFor();
    const schemaNow = async () => (await t.call('GET', `/operator/app/${appId}/schema`, { token: await operatorToken() })).body.schema;
    expect((await schemaNow()).properties.theme.enum).toEqual(['light', 'dark']);

    await page.getByRole('button', { name: 'Keep editing' }).click();
    await report.waitFor({ state: 'detached' });
    expect((await schemaNow()).properties.theme.enum).toEqual(['light', 'dark']);

    await page.getByRole('button', { name: 'Save schema' }).click();
    await page.getByRole('button', { name: 'Save anyway' }).click();
    await page.getByText('Schema saved').waitFor();
    expect(await schemaNow()).toEqual(stricter);
  });

  it('imports a small CSV file, with a report of the skipped rows', async () => {
    await nav('Import');
    const csv = [
      'username,email,first_name,password,hash_algorithm,password_hash',
      'grace,grace@example.com,Grace,a long enough password,,',
      'ada2,ada.lovelace@example.com,Ada,a long enough password,,',
      'alan,alan@example.com,Alan,a long enough password,,',
    ].join('\n');
    await page.getByLabel('File').setInputFiles({ name: 'users.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByRole('button', { name: 'Import' }).click();
    await page.getByText('Created 2, skipped 1.').waitFor();
    const skipped = page.getByRole('table', { name: 'Skipped rows' });
    await skipped.getByRole('row').nth(1).filter({ hasText: '3' }).first().waitFor();
    await skipped.filter({ hasText: 'email' }).first().waitFor();
    await shot('import');
    expect((await t.call('GET', '/operator/users?q=grace', { token: await operatorToken() })).body.users).toHaveLength(1);
  });

  it('shows each of those actions in the audit page, newest first', async () => {
    await nav('Audit');
    for (const action of [
      'app.created',
      'app.schema_set',
      'profile.updated_by_operator',
      'operator.session_revoked',
      'operator.user_deleted',
      'operator.user_restored',
      'users.imported',
    ]) {
      await page.getByRole('cell', { name: action, exact: true }).first().waitFor();
    }
    await page.getByLabel('Action', { exact: true }).fill('operator.user_*');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => page.getByRole('row').count()).toBe(3);
    await page.getByRole('row').nth(1).filter({ hasText: 'operator.user_restored' }).first().waitFor();
    await page.getByRole('button', { name: 'Clear' }).click();
    await page.getByRole('cell', { name: 'users.imported', exact: true }).waitFor();
    await shot('audit');
    await nav('Overview');
    await page.getByRole('cell', { name: 'users.imported', exact: true }).waitFor();
    await page.getByRole('heading', { name: 'Sign-ins, last 14 days' }).waitFor();
    const counts = page.getByRole('list', { name: 'Counts' });
    await counts.getByText('1 apps').waitFor();
    const active = (await t.call('GET', '/operator/overview', { token: await operatorToken() })).body.users.active;
    await counts.getByText(`${active} active users`).waitFor();
    await shot('overview');
  });

  it('signs out: the session ends on the server', async () => {
    const active = async () =>
      (await t.call('GET', `/operator/users/${operator.id}/sessions?active=true`, { token: await operatorToken() })).body.sessions.length;
    const before = await active();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
    expect(await active()).toBe(before - 1);
  });
});

let apiToken: string | undefined;
/** An operator session of the test's own, through the API. */
async function operatorToken(): Promise<string> {
  if (apiToken) return apiToken;
  const started = await t.call('POST', '/operator/login', { apiKey: null, body: { email: operator.email, password: operator.password } });
  const done = await t.call('POST', '/operator/verify-otp', {
    apiKey: null,
    body: { otp_token: started.body.otp_token, code: recoveryCodes[0]! },
  });
  expect(done.status, done.text).toBe(200);
  apiToken = done.body.token as string;
  return apiToken;
}
