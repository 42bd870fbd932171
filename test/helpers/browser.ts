import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium, installed by .ci/run (apt-get install chromium). */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Headless Chromium for end-to-end tests. The flags keep it off the network (this machine's
 * closed network otherwise refuses its background connections by the dozen) and off the
 * sandbox, which needs privileges a CI container does not have. Each launch gets its own
 * empty profile; close the browser in afterAll.
 */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

/**
 * A page in a fresh context with Chromium's virtual authenticator (CDP WebAuthn domain): a
 * platform authenticator that keeps discoverable credentials and verifies the user, answering
 * every ceremony by itself. Close the page's context when done.
 */
export async function pageWithAuthenticator(browser: Browser): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return page;
}

/**
 * Signs `user` in on the hosted passkeys page (an app's key in the URL fragment, as the page
 * takes it) and registers a passkey in the page's virtual authenticator: where the tests of
 * passkey sign-in elsewhere start.
 */
export async function addPasskeyOnAccountPage(
  page: Page,
  base: string,
  apiKey: string,
  user: { email: string; password: string },
): Promise<void> {
  await page.goto(`${base}/account/passkeys#key=${apiKey}`);
  await page.fill('#field-email', user.email);
  await page.fill('#field-password', user.password);
  await page.click('#password-login');
  await page.waitForSelector('body[data-state="signed-in"]', { timeout: 15_000 });
  await page.click('#register');
  await page.waitForSelector('#passkey-list li', { timeout: 15_000 });
}
