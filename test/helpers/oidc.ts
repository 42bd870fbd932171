import * as oidcClient from 'openid-client';
import { createTestApp, type TestApp } from './app.js';
import { freePort } from '../../packages/client/test/sentinel-server.js';
import { registerApp } from './apps.js';

/** A test app listening on a real port, as openid-client (fetch) needs; its issuer is its own address. With an operator's token. */
export async function startOidcApp(
  env: Record<string, string> = {},
  /** `localhost` for passkeys (WebAuthn refuses IP addresses as RP IDs); it listens on every address the name has. */
  host: '127.0.0.1' | 'localhost' = '127.0.0.1',
): Promise<{ t: TestApp; issuer: string; operatorToken: string }> {
  const port = await freePort();
  const issuer = `http://${host}:${port}`;
  const t = await createTestApp({ env: { SENTINEL_PUBLIC_URL: issuer, ...env } });
  await t.app.listen({ port, host });
  const operatorToken = (await t.login(await t.createOperator())).token;
  return { t, issuer, operatorToken };
}

export interface TestClient {
  appId: number;
  appName: string;
  clientId: string;
  secret: string | undefined;
  redirectUri: string;
  config: oidcClient.Configuration;
}

/** Registers an app on `domain` and makes it a client; `config` is openid-client's, from discovery. */
export async function makeClient(
  t: TestApp,
  issuer: string,
  operatorToken: string,
  options: { type?: 'confidential' | 'public'; domain?: string; firstParty?: boolean } = {},
): Promise<TestClient> {
  const domain = options.domain ?? `${Math.random().toString(36).slice(2, 8)}.example`;
  const app = await registerApp(t, operatorToken, { domains: [domain] });
  const redirectUri = `https://${domain}/callback`;
  const made = await t.call('POST', `/operator/app/${app.id}/oidc-client`, {
    token: operatorToken,
    body: {
      type: options.type ?? 'confidential',
      redirect_uris: [redirectUri],
      post_logout_redirect_uris: [`https://${domain}/`],
      first_party: options.firstParty ?? false,
    },
  });
  if (made.status !== 201) throw new Error(`client failed: ${made.status} ${made.text}`);
  const secret: string | undefined = made.body.client_secret;
  const config = await oidcClient.discovery(
    new URL(issuer),
    made.body.client.client_id,
    undefined,
    secret ? oidcClient.ClientSecretBasic(secret) : oidcClient.None(),
    { execute: [oidcClient.allowInsecureRequests] },
  );
  return { appId: app.id, appName: app.name, clientId: made.body.client.client_id, secret, redirectUri, config };
}

/** A browser's cookies for one host, enough for the provider's session and interaction cookies. */
export class CookieJar {
  private cookies = new Map<string, string>();

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      const expired = attributes.some((a) => /expires=thu, 01 jan 1970/i.test(a.trim())) || value === '';
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
}

export interface Landing {
  /** The last answer that was not a redirect within the issuer: a page, or undefined when the redirect left. */
  page?: { url: string; status: number; html: string };
  /** Where the last redirect pointed out of the issuer (the app's redirect URI, with code or error). */
  left?: URL;
}

/** Follows redirects like a browser, stopping at a page of the issuer or at the first redirect out of it. */
export async function follow(jar: CookieJar, issuer: string, url: string, init: RequestInit = {}): Promise<Landing> {
  let next = url;
  let request: RequestInit = init;
  for (let hops = 0; hops < 20; hops += 1) {
    const response = await fetch(next, {
      ...request,
      redirect: 'manual',
      headers: { ...(request.headers as object), cookie: jar.header() },
    });
    jar.store(response);
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      const target = new URL(location, next);
      if (target.origin !== new URL(issuer).origin) return { left: target };
      next = target.href;
      request = {};
      continue;
    }
    return { page: { url: next, status: response.status, html: await response.text() } };
  }
  throw new Error('too many redirects');
}

/** Posts a form of the hosted pages, as a browser would. */
export function postForm(jar: CookieJar, issuer: string, url: string, fields: Record<string, string>): Promise<Landing> {
  return follow(jar, issuer, url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
}

/** The action of the page's first form whose action starts with `prefix`. */
export function formAction(html: string, issuer: string, prefix: string): string {
  const match = [...html.matchAll(/<form[^>]*action="([^"]+)"/g)]
    .map(([, action]) => new URL(action!.replace(/&amp;/g, '&'), issuer))
    .find((action) => action.pathname.startsWith(prefix));
  if (!match) throw new Error(`no form ${prefix} in page: ${html.slice(0, 500)}`);
  return match.href;
}

/** An authorization request with PKCE; returns its URL and what the callback must check. */
export async function authorizationRequest(client: TestClient, scope: string, extra: Record<string, string> = {}) {
  const verifier = oidcClient.randomPKCECodeVerifier();
  const state = oidcClient.randomState();
  const url = oidcClient.buildAuthorizationUrl(client.config, {
    redirect_uri: client.redirectUri,
    scope,
    state,
    code_challenge: await oidcClient.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    ...extra,
  });
  return { url: url.href, verifier, state };
}

/**
 * Runs an authorization request to its end like a browser: signs in on the hosted page when
 * it asks, allows consent when it asks, and returns where the provider sent the browser back.
 */
export async function signIn(
  jar: CookieJar,
  issuer: string,
  client: TestClient,
  user: { email: string; password: string },
  scope = 'openid',
  extra: Record<string, string> = {},
) {
  const request = await authorizationRequest(client, scope, extra);
  let landing = await follow(jar, issuer, request.url);
  const pages: string[] = [];
  if (landing.page?.html.includes('name="password"')) {
    pages.push('login');
    landing = await postForm(jar, issuer, formAction(landing.page.html, issuer, '/account/login/'), {
      login: user.email,
      password: user.password,
    });
  }
  if (landing.page?.html.includes('name="decision"')) {
    pages.push('consent');
    landing = await postForm(jar, issuer, formAction(landing.page.html, issuer, '/account/login/'), { decision: 'allow' });
  }
  if (!landing.left) throw new Error(`sign-in did not return to the app: ${landing.page?.status} ${landing.page?.html.slice(0, 800)}`);
  return { callback: landing.left, pages, ...request };
}

/** Signs in and trades the code for tokens. */
export async function tokensFor(
  jar: CookieJar,
  issuer: string,
  client: TestClient,
  user: { email: string; password: string },
  scope = 'openid',
) {
  const signed = await signIn(jar, issuer, client, user, scope);
  return oidcClient.authorizationCodeGrant(client.config, signed.callback, {
    pkceCodeVerifier: signed.verifier,
    expectedState: signed.state,
  });
}
