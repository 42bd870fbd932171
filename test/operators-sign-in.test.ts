import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_POLICY } from '../src/modules/system/security-headers.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { codeAt, enrollTotp, startLogin } from './helpers/totp.js';

/*
 * Threat: the console's sign-in, which takes no API key, becoming a way for any user to get a
 * session without one, or a way around the operator's second factor.
 */
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const activeSessions = async (userId: string) =>
  (await t.call('GET', `/operator/users/${userId}/sessions?active=true`, { token: operatorToken })).body.sessions.length as number;
let operatorToken: string;

describe('POST /operator/login and /operator/verify-otp (the console sign-in)', () => {
  it('signs an operator in by email or username without an API key', async () => {
    const operator = await t.createOperator();
    const byEmail = await t.call('POST', '/operator/login', { apiKey: null, body: { email: operator.email, password: operator.password } });
    expect(byEmail.status).toBe(200);
    expect(byEmail.body.user.operator).toBe(true);
    operatorToken = byEmail.body.token;
    const byName = await t.call('POST', '/operator/login', {
      apiKey: null,
      body: { username: operator.username, password: operator.password },
    });
    expect(byName.status).toBe(200);
    expect((await t.call('GET', '/operator/users', { token: byName.body.token })).status).toBe(200);
  });

  it('answers 403 to a user who is not an operator, after the password, and opens no session', async () => {
    const user = await t.registerUser();
    const response = await t.call('POST', '/operator/login', { apiKey: null, body: { email: user.email, password: user.password } });
    expect(response.status).toBe(403);
    expect(response.body.token).toBeUndefined();
    expect(await activeSessions(user.id)).toBe(0);
    const wrong = await t.call('POST', '/operator/login', { apiKey: null, body: { email: user.email, password: 'not the password' } });
    expect(wrong.status).toBe(401);
  });

  it('asks an operator with TOTP for the code, and the code then opens the session', async () => {
    const operator = await t.createOperator();
    const { secret } = await enrollTotp(t, operator);
    const started = await t.call('POST', '/operator/login', { apiKey: null, body: { email: operator.email, password: operator.password } });
    expect(started.body).toEqual({ otp_required: true, otp_token: expect.any(String) });
    const wrong = await t.call('POST', '/operator/verify-otp', {
      apiKey: null,
      body: { otp_token: started.body.otp_token, code: '000000' },
    });
    expect(wrong.status).toBe(401);
    const done = await t.call('POST', '/operator/verify-otp', {
      apiKey: null,
      body: { otp_token: started.body.otp_token, code: codeAt(secret, t.clock()) },
    });
    expect(done.status, done.text).toBe(200);
    expect(done.body.user.user_id).toBe(operator.id);
  });

  it("does not finish a non-operator's TOTP login started through POST /auth/login", async () => {
    const user = await t.registerUser();
    const { secret } = await enrollTotp(t, user);
    const otpToken = await startLogin(t, user);
    const before = await activeSessions(user.id);
    const response = await t.call('POST', '/operator/verify-otp', {
      apiKey: null,
      body: { otp_token: otpToken, code: codeAt(secret, t.clock()) },
    });
    expect(response.status).toBe(403);
    expect(await activeSessions(user.id)).toBe(before);
  });

  it('refuses a malformed body with problem details', async () => {
    const response = await t.call('POST', '/operator/login', { apiKey: null, body: { email: 'x@example.com' } });
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});

describe('GET /console', () => {
  it('serves the built app under its own policy, and any path under it (the app routes itself)', async () => {
    for (const url of ['/console', '/console/', '/console/users/00000000-0000-4000-8000-000000000000']) {
      const page = await t.app.inject({ url });
      expect(page.statusCode, url).toBe(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(page.headers['content-security-policy']).toBe(CONSOLE_POLICY);
      expect(page.body).toContain('<div id="root">');
      // Nothing inline: the policy allows scripts from this origin only.
      for (const [, body] of page.body.matchAll(/<script[^>]*>([\s\S]*?)<\/script>/g)) expect(body!.trim()).toBe('');
    }
  });

  it('serves its assets with their types and a long cache; a missing asset is 404, not the page', async () => {
    const page = await t.app.inject({ url: '/console' });
    const script = /<script[^>]*src="([^"]+)"/.exec(page.body)![1]!;
    const asset = await t.app.inject({ url: script });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['content-type']).toMatch(/javascript/);
    expect(asset.headers['cache-control']).toContain('immutable');
    expect(asset.headers['x-content-type-options']).toBe('nosniff');
    const missing = await t.app.inject({ url: '/console/assets/nope.js' });
    expect(missing.statusCode).toBe(404);
  });

  it("leaves the API's deny-all policy alone", async () => {
    await t.app.inject({ url: '/console' });
    const api = await t.call('GET', '/healthz');
    expect(api.headers['content-security-policy']).toMatch(
      /^default-src 'none';base-uri 'none';form-action 'none';frame-ancestors 'none'$/,
    );
  });
});
