import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { TestApp } from './app.js';
import { launchBrowser } from './browser.js';

export interface ConsoleBrowser {
  base: string;
  browser: Browser;
  context: BrowserContext;
  page: Page;
}

/**
 * Serves `t` on port 0 and opens one Chromium page on it for console tests: clipboard allowed,
 * a step that does not happen fails in seconds (not at the test's timeout), and the
 * confirmations the console asks (delete, rotate...) are accepted. Close `browser` in afterAll.
 */
export async function openConsoleBrowser(t: TestApp): Promise<ConsoleBrowser> {
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  const browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
  const page = await context.newPage();
  page.setDefaultTimeout(8_000);
  page.on('dialog', (dialog) => void dialog.accept());
  return { base, browser, context, page };
}

/**
 * Takes the screenshots of docs/console.md: written to docs/images only when asked
 * (SCREENSHOTS=1), so an ordinary test run changes no file; to a temporary folder otherwise.
 */
export function screenshotter(page: () => Page): (name: string) => Promise<Buffer> {
  const dir = process.env.SCREENSHOTS === '1' ? 'docs/images' : fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-console-shots-'));
  return (name) => page().screenshot({ path: path.join(dir, `console-${name}.png`), fullPage: true });
}
