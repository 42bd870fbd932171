import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp, type TestUser } from './helpers/app.js';
import { openConsoleBrowser, screenshotter } from './helpers/console.js';
import { createProfile } from './helpers/profiles.js';
import { startReceiver, testWebhookConfig, type Receiver } from './helpers/webhooks.js';

/*
 * The console's webhooks, signing keys and profile search pages, in headless Chromium against a
 * real server on port 0 (EdDSA tokens, so there are keys to rotate; local http receivers allowed).
 * Screenshots go to docs/images/console-*.png only with SCREENSHOTS=1 (docs/console.md shows them).
 */
let t: TestApp;
let browser: Browser;
let page: Page;
let base: string;
let operator: TestUser;
let token: string;
let receiver: Receiver;

const shot = screenshotter(() => page);

beforeAll(async () => {
  t = await createTestApp({ env: { SENTINEL_JWT_ALGORITHM: 'EdDSA' }, config: { webhooks: testWebhookConfig() } });
  ({ base, browser, page } = await openConsoleBrowser(t));
  operator = await t.createOperator();
  token = (await t.login(operator)).token;
  receiver = await startReceiver();
});
afterAll(async () => {
  await browser?.close();
  await receiver?.close();
  await t?.close();
});

async function nav(label: string, heading = label) {
  await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: label }).click();
  await page.getByRole('heading', { level: 1, name: heading }).waitFor();
}

describe('console pages: webhooks, signing keys, profiles', () => {
  it('signs in', async () => {
    await page.goto(`${base}/console`);
    await page.getByLabel('Email or username').fill(operator.email);
    await page.getByLabel('Password').fill(operator.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
  });

  let webhookId: string;
  it('creates a webhook and shows its secret once, with a copy button', async () => {
    await nav('Webhooks');
    await page.getByText('No webhooks yet.').waitFor();
    await page.getByLabel('URL', { exact: true }).fill(receiver.url);
    await page.getByLabel(/^Events/).fill('user.created, user.deleted');
    await page.getByRole('button', { name: 'Create webhook' }).click();
    const secret = (await page.getByLabel(`Signing secret of ${receiver.url}`).textContent())!;
    expect(secret).toMatch(/^whsec_/);
    await page.getByRole('button', { name: 'Copy secret' }).click();
    await page.getByText('Copied').waitFor();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(secret);
    await page.getByRole('link', { name: receiver.url }).waitFor();
    await shot('webhooks');

    const listed = await t.call('GET', '/operator/webhooks', { token });
    expect(listed.body.webhooks).toHaveLength(1);
    expect(listed.body.webhooks[0]).toMatchObject({ url: receiver.url, events: ['user.created', 'user.deleted'], enabled: true });
    webhookId = listed.body.webhooks[0].webhook_id;
    // Shown once: back on the page, the secret is gone.
    await nav('Signing keys');
    await nav('Webhooks');
    await page.getByRole('link', { name: receiver.url }).waitFor();
    expect(await page.content()).not.toContain(secret);
  });

  it('refuses a bad event name with the server’s problem, and creates nothing', async () => {
    await page.getByLabel('URL', { exact: true }).fill(receiver.url);
    await page.getByLabel(/^Events/).fill('user.exploded');
    await page.getByRole('button', { name: 'Create webhook' }).click();
    await page.getByRole('alert').waitFor();
    expect((await t.call('GET', '/operator/webhooks', { token })).body.webhooks).toHaveLength(1);
  });

  it('shows a delivery after a change, with its attempt, and retries it', async () => {
    const someone = await t.registerUser();
    await page.getByRole('link', { name: receiver.url }).click();
    await page.getByRole('heading', { name: 'Webhook deliveries' }).waitFor();
    const row = page.getByRole('row').filter({ hasText: 'user.created' });
    // The dispatcher sends within a fraction of a second; Refresh shows what it did.
    await expect
      .poll(
        async () => {
          await page.getByRole('button', { name: 'Refresh' }).click();
          return (await row.count()) === 1 && (await row.textContent())!.includes('delivered');
        },
        { timeout: 8_000, interval: 300 },
      )
      .toBe(true);
    expect(await row.textContent()).toContain('204');
    expect(receiver.accepted().map((event) => event.data.user?.user_id)).toContain(someone.id);
    await shot('webhook');

    const deliveryId = Number(await row.getByRole('cell').first().textContent());
    await page.getByRole('button', { name: `Retry delivery ${deliveryId}` }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `Delivery ${deliveryId} queued again` })
      .waitFor();
    await expect.poll(() => receiver.received.length, { timeout: 8_000 }).toBe(2);
    await expect
      .poll(
        async () => {
          await page.getByRole('button', { name: 'Refresh' }).click();
          return row.getByRole('listitem').count();
        },
        { timeout: 8_000, interval: 300 },
      )
      .toBe(2);
  });

  it('disables, enables and deletes a webhook', async () => {
    await page.getByRole('link', { name: 'All webhooks' }).click();
    await page.getByRole('button', { name: `Disable webhook ${receiver.url}` }).click();
    await page.getByRole('button', { name: `Enable webhook ${receiver.url}` }).waitFor();
    expect((await t.call('GET', `/operator/webhooks/${webhookId}`, { token })).body.webhook.enabled).toBe(false);
    await page.getByRole('button', { name: `Enable webhook ${receiver.url}` }).click();
    await page.getByRole('button', { name: `Disable webhook ${receiver.url}` }).waitFor();
    expect((await t.call('GET', `/operator/webhooks/${webhookId}`, { token })).body.webhook.enabled).toBe(true);
    await page.getByRole('button', { name: `Delete webhook ${receiver.url}` }).click();
    await page.getByText('No webhooks yet.').waitFor();
    expect((await t.call('GET', `/operator/webhooks/${webhookId}`, { token })).status).toBe(404);
  });

  it('rotates the signing key after asking; the new key is active and the old one retiring', async () => {
    const before = (await t.call('GET', '/operator/keys', { token })).body.keys;
    const oldActive = before.find((key: { status: string }) => key.status === 'active').kid as string;
    await nav('Signing keys');
    await page.getByRole('row').filter({ hasText: oldActive }).filter({ hasText: 'active' }).waitFor();
    await page.getByRole('button', { name: 'Rotate signing key' }).click();
    const notice = page.getByRole('status').filter({ hasText: /Rotated: key \S+ is now active/ });
    const newKid = /Rotated: key (\S+) is now active/.exec((await notice.textContent())!)![1]!;
    expect(newKid).not.toBe(oldActive);
    await page.getByRole('row').filter({ hasText: oldActive }).filter({ hasText: 'retiring' }).waitFor();
    await page.getByRole('row').filter({ hasText: newKid }).filter({ hasText: 'active' }).waitFor();
    const after = (await t.call('GET', '/operator/keys', { token })).body.keys;
    expect(after.find((key: { kid: string }) => key.kid === newKid).status).toBe('active');
    expect(after.find((key: { kid: string }) => key.kid === oldActive).status).toBe('retiring');
    await shot('keys');
  });

  it("finds an app's profiles by JSON containment, linking to the user", async () => {
    const registered = await t.call('POST', '/operator/app/register', { token, body: { app: 'crm', description: '', domains: [] } });
    const appId = registered.body.app.app_id as number;
    const pro = await t.registerUser();
    const free = await t.registerUser();
    await createProfile(t, (await t.login(pro)).token, { plan: 'pro', tags: ['beta'] }, appId);
    await createProfile(t, (await t.login(free)).token, { plan: 'free' }, appId);

    await nav('Profiles');
    await page.getByLabel('App', { exact: true }).selectOption(String(appId));
    await page.getByLabel(/^Profile data contains/).fill('{"plan": "pro"}');
    await page.getByRole('button', { name: 'Search profiles' }).click();
    const results = page.getByRole('table').getByRole('row');
    await page.getByRole('link', { name: `User ${pro.id}` }).waitFor();
    expect(await results.count()).toBe(2); // the header and one profile
    expect(await page.getByRole('link', { name: `User ${free.id}` }).count()).toBe(0);
    await shot('profiles');

    // Not JSON: said on the page, nothing sent.
    await page.getByLabel(/^Profile data contains/).fill('{plan');
    await page.getByRole('button', { name: 'Search profiles' }).click();
    await page.getByRole('alert').filter({ hasText: 'Not valid JSON' }).waitFor();
    await page.getByLabel(/^Profile data contains/).fill('{"plan": "enterprise"}');
    await page.getByRole('button', { name: 'Search profiles' }).click();
    await page.getByText('No profiles match.').waitFor();
    expect(await page.getByRole('alert').count()).toBe(0);

    await page.getByLabel(/^Profile data contains/).fill('');
    await page.getByRole('button', { name: 'Search profiles' }).click();
    await page.getByRole('link', { name: `User ${free.id}` }).waitFor();
    expect(await results.count()).toBe(3);
    await page.getByRole('link', { name: `User ${pro.id}` }).click();
    await page.getByRole('heading', { level: 1 }).filter({ hasText: pro.email }).waitFor();
  });
});
