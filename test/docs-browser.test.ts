import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../packages/client/test/sentinel-server.js';
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
  // The page fetches the OpenID Connect discovery document from SENTINEL_PUBLIC_URL, which its
  // policy allows only from its own origin: the server must be where the public URL says.
  const port = await freePort();
  t = await createTestApp({ env: { SENTINEL_PUBLIC_URL: `http://127.0.0.1:${port}` } });
  origin = await t.app.listen({ port, host: '127.0.0.1' });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

describe('GET /docs in Chromium', () => {
  it('renders every operation of the API document, with no content security policy violation', async () => {
    // Swagger UI renders the operations as they scroll into view: a page tall enough shows them all.
    const page = await browser.newPage({ viewport: { width: 1280, height: 40_000 } });
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
    // An operation with two tags is shown twice: compare the sets. Swagger UI renders the
    // operations in several passes, so wait until all of them are there.
    // (No DOM library in the project's type-check: the page's element is typed by hand.)
    const shown = async () => {
      const methods = await page.locator('.opblock .opblock-summary-method').allInnerTexts();
      const paths = await page
        .locator('.opblock .opblock-summary-path')
        .evaluateAll((links) => links.map((link) => (link as unknown as { dataset: { path?: string } }).dataset.path));
      return new Set(methods.map((method, i) => `${method.toLowerCase()} ${paths[i]}`));
    };
    await expect.poll(shown, { timeout: 20_000 }).toEqual(new Set(documented));
    expect(violations).toEqual([]);
  });
});
