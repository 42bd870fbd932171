import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from './helpers/browser.js';
import { createTestApp, type TestApp } from './helpers/app.js';

/*
 * The API reference must work in a real browser under its content security policy: a header
 * tuned for the JSON API (default-src 'none') would leave /docs a blank page, which no
 * inject-based test notices.
 */
let t: TestApp;
let browser: Browser;
let origin: string;
beforeAll(async () => {
  t = await createTestApp();
  origin = await t.app.listen({ port: 0, host: '127.0.0.1' });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

describe('GET /docs in Chromium', () => {
  it('renders every operation of the API document, with no content security policy violation', async () => {
    const page = await browser.newPage();
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/content security policy/i.test(message.text())) violations.push(message.text());
    });
    await page.goto(`${origin}/docs`);
    await page.getByText('/auth/login', { exact: true }).first().waitFor();
    const document = (await t.call('GET', '/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method} ${path}`),
    );
    // An operation with two tags is shown twice: compare the sets.
    const methods = await page.locator('.opblock .opblock-summary-method').allInnerTexts();
    // (No DOM library in the project's type-check: the page's element is typed by hand.)
    const paths = await page
      .locator('.opblock .opblock-summary-path')
      .evaluateAll((links) => links.map((link) => (link as unknown as { dataset: { path?: string } }).dataset.path));
    const shown = methods.map((method, i) => `${method.toLowerCase()} ${paths[i]}`);
    expect(new Set(shown)).toEqual(new Set(documented));
    expect(violations).toEqual([]);
  });
});
