import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOCS_POLICY } from '../src/modules/system/security-headers.js';
import { createTestApp, type TestApp } from './helpers/app.js';

/*
 * Threat: a browser sniffing a JSON answer into HTML or script, a page framing the API, a
 * token leaking through Referer, a downgrade to plain http.
 */
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const ZERO_UUID = '00000000-0000-4000-8000-000000000000';

describe('security headers', () => {
  it('every documented route answers with nosniff, no-referrer and a deny-all content security policy', async () => {
    const document = (await t.call('GET', '/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
    const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => ({ path, method })),
    );
    expect(operations.length).toBeGreaterThan(50);
    for (const { path, method } of operations) {
      const url = path.replace(/\{(\w+)\}/g, (_match, name: string) => (/id$/.test(name) && name !== 'appid' ? ZERO_UUID : '1'));
      const response = await t.call(method.toUpperCase() as 'GET', url, { apiKey: null });
      const where = `${method.toUpperCase()} ${path} (${response.status})`;
      expect(response.headers['x-content-type-options'], where).toBe('nosniff');
      expect(response.headers['referrer-policy'], where).toBe('no-referrer');
      expect(response.headers['content-security-policy'], where).toMatch(/default-src 'none'.*frame-ancestors 'none'/);
      expect(response.headers['strict-transport-security'], where).toBeUndefined();
    }
  });

  it("sends helmet 8's other defaults too, value for value, on answers and errors alike", async () => {
    for (const response of [await t.call('GET', '/healthz'), await t.call('GET', '/auth/verify')]) {
      expect(response.headers).toMatchObject({
        'content-security-policy': "default-src 'none';base-uri 'none';form-action 'none';frame-ancestors 'none'",
        'cross-origin-opener-policy': 'same-origin',
        'cross-origin-resource-policy': 'same-origin',
        'origin-agent-cluster': '?1',
        'x-dns-prefetch-control': 'off',
        'x-download-options': 'noopen',
        'x-frame-options': 'SAMEORIGIN',
        'x-permitted-cross-domain-policies': 'none',
        'x-xss-protection': '0',
      });
    }
  });

  it('answers with them on errors outside any route too: unknown paths and bad JSON', async () => {
    const unknown = await t.call('GET', '/no/such/route');
    expect(unknown.status).toBe(404);
    expect(unknown.headers['x-content-type-options']).toBe('nosniff');
    const malformed = await t.call('POST', '/auth/login', { payload: '{"email":', headers: { 'content-type': 'application/json' } });
    expect(malformed.status).toBe(400);
    expect(malformed.headers['x-content-type-options']).toBe('nosniff');
  });

  it('sends HSTS when SENTINEL_PUBLIC_URL is https', async () => {
    const secure = await createTestApp({ env: { SENTINEL_PUBLIC_URL: 'https://id.example.com' } });
    try {
      const response = await secure.call('GET', '/healthz');
      expect(response.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    } finally {
      await secure.close();
    }
  });
});

describe('the API reference at /docs under its content security policy', () => {
  it('serves its page with a policy that allows its own scripts and styles only, and no inline script', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/docs/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toBe(DOCS_POLICY);
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    // Every script comes from a file (script-src 'self' refuses inline code).
    for (const [, body] of page.body.matchAll(/<script[^>]*>([\s\S]*?)<\/script>/g)) expect(body!.trim()).toBe('');
  });

  it('loads every script and stylesheet it names, from this origin, with the type nosniff requires', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/docs/' });
    const scripts = [...page.body.matchAll(/<script[^>]*src="([^"]+)"/g)].map((match) => match[1]!);
    const styles = [...page.body.matchAll(/<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"/g)].map((match) => match[1]!);
    expect(scripts).toHaveLength(3);
    expect(styles.length).toBeGreaterThan(0);
    for (const [assets, type] of [
      [scripts, /^(text|application)\/javascript/],
      [styles, /^text\/css/],
    ] as const) {
      for (const asset of assets) {
        expect(asset, 'relative to this origin').not.toMatch(/^[a-z]+:|^\/\//i);
        const response = await t.app.inject({ method: 'GET', url: new URL(asset, 'http://sentinel.test/docs/').pathname });
        expect(response.statusCode, asset).toBe(200);
        expect(response.headers['content-type'], asset).toMatch(type);
        expect(response.body.length, asset).toBeGreaterThan(0);
      }
    }
    // The initializer loads the document from this origin, which connect-src 'self' allows.
    const initializer = await t.app.inject({ method: 'GET', url: '/docs/static/swagger-initializer.js' });
    expect(initializer.body).not.toMatch(/["'`]https?:\/\//);
    expect((await t.app.inject({ method: 'GET', url: '/docs/json' })).statusCode).toBe(200);
  });
});
