import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, testEngine, type TestApp } from './helpers/app.js';
import { loginOptions, PASSKEY_ENV, passkeyLogin, registerPasskey } from './helpers/passkeys.js';

const TOKEN = 'metrics-token-0123456789abcdef';
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: { ...PASSKEY_ENV, SENTINEL_METRICS_TOKEN: TOKEN, SENTINEL_LOGIN_MAX_FAILURES: '3' } });
});
afterAll(() => t.close());

const scrape = async (app = t) => {
  const response = await app.call('GET', '/metrics', { apiKey: null, headers: { authorization: `Bearer ${TOKEN}` } });
  expect(response.status).toBe(200);
  return response.text;
};
/** The value of one series, 0 when it has not appeared yet. */
const valueOf = (text: string, series: string) => {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
};
const passwordLogins = (outcome: string) => `sentinel_logins_total{method="password",outcome="${outcome}"}`;
const login = (email: string, password: string) =>
  t.app.inject({
    method: 'POST',
    url: '/auth/login',
    headers: { 'content-type': 'application/json', 'x-api-key': t.config.apiKey! },
    payload: JSON.stringify({ email, password }),
  });

describe('GET /metrics', () => {
  // Threat: anyone reading which routes are used and how often, or a token compared with a timing leak.
  it('answers 401 with a Bearer challenge without the token, or with another one', async () => {
    const none = await t.call('GET', '/metrics', { apiKey: null });
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="metrics"');
    expect(none.body.type).toBe('urn:sentinel:problem:invalid_metrics_token');
    const wrong = await t.call('GET', '/metrics', { apiKey: null, headers: { authorization: `Bearer ${TOKEN}x` } });
    expect(wrong.status).toBe(401);
  });

  it('answers 404 like an unknown route when SENTINEL_METRICS_TOKEN is unset', async () => {
    const off = await createTestApp();
    try {
      const response = await off.call('GET', '/metrics', { apiKey: null, headers: { authorization: `Bearer ${TOKEN}` } });
      expect(response.status).toBe(404);
      expect(response.body.type).toBe('urn:sentinel:problem:route_not_found');
    } finally {
      await off.close();
    }
  });

  it('serves the Prometheus text format with the token', async () => {
    const response = await t.call('GET', '/metrics', { apiKey: null, headers: { authorization: `Bearer ${TOKEN}` } });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(response.text).toContain('# TYPE sentinel_http_requests_total counter');
    expect(response.text).toContain('# TYPE process_cpu_user_seconds_total counter');
  });

  it('counts logins by outcome: success, wrong password, locked and otp required', async () => {
    const before = await scrape();
    const user = await t.registerUser();
    expect((await login(user.email, user.password)).statusCode).toBe(200);
    expect((await login(user.email, 'wrong password')).statusCode).toBe(401);
    expect((await login('nobody@example.com', 'wrong password')).statusCode).toBe(401);
    const locked = await t.registerUser();
    for (let i = 0; i < 3; i++) await login(locked.email, 'wrong password');
    expect((await login(locked.email, locked.password)).statusCode).toBe(429);

    const after = await scrape();
    const moved = (outcome: string) => valueOf(after, passwordLogins(outcome)) - valueOf(before, passwordLogins(outcome));
    expect(moved('success')).toBe(1);
    expect(moved('wrong_password')).toBe(5);
    expect(moved('locked')).toBe(1);
  });

  it('counts passkey logins under method="passkey": success, refused assertion, spent challenge', async () => {
    const user = await t.registerUser();
    const { authenticator } = await registerPasskey(t, (await t.login(user)).token);
    const before = await scrape();
    const series = (outcome: string) => `sentinel_logins_total{method="passkey",outcome="${outcome}"}`;
    expect((await passkeyLogin(t, authenticator)).status).toBe(200);
    const { login_id, options } = await loginOptions(t);
    const phished = authenticator.authenticate(options, { origin: 'https://login.evil.example' });
    const verify = (credential: unknown) => t.call('POST', '/auth/passkeys/login/verify', { body: { login_id, credential } });
    expect((await verify(phished)).status).toBe(401);
    expect((await verify(authenticator.authenticate(options))).status).toBe(401);

    const after = await scrape();
    expect(valueOf(after, series('success')) - valueOf(before, series('success'))).toBe(1);
    expect(valueOf(after, series('invalid_passkey')) - valueOf(before, series('invalid_passkey'))).toBe(2);
    // The password logins above (t.login) are counted apart.
    expect(valueOf(after, passwordLogins('success')) - valueOf(before, passwordLogins('success'))).toBe(0);
  });

  it('counts a login that needs the second factor as otp_required', async () => {
    const { enrollTotp } = await import('./helpers/totp.js');
    const user = await t.registerUser();
    await enrollTotp(t, user);
    const before = valueOf(await scrape(), passwordLogins('otp_required'));
    expect((await login(user.email, user.password)).statusCode).toBe(200);
    expect(valueOf(await scrape(), passwordLogins('otp_required'))).toBe(before + 1);
  });

  it('labels requests by route template and status, never by a raw path, id or email', async () => {
    const operator = await t.createOperator();
    const { token } = await t.login(operator);
    const user = await t.registerUser({ email: 'metrics-label@example.com' });
    await t.call('GET', `/operator/users/delete/${encodeURIComponent(user.email)}`, { token });
    await t.call('GET', `/no/such/${user.id}`);
    const text = await scrape();
    expect(text).toMatch(/sentinel_http_requests_total\{method="GET",route="\/operator\/users\/delete\/:email",status_code="\d{3}"\} 1/);
    expect(text).toMatch(/sentinel_http_requests_total\{method="GET",route="unmatched",status_code="404"\} \d+/);
    expect(text).toMatch(
      /sentinel_http_request_duration_seconds_bucket\{le="0.005",method="POST",route="\/auth\/login",status_code="200"\}/,
    );
    expect(text).not.toContain(user.id);
    expect(text).not.toContain('metrics-label');
  });

  it('times password hashing and checks', async () => {
    const text = await scrape();
    expect(valueOf(text, 'sentinel_password_hash_duration_seconds_count{operation="hash"}')).toBeGreaterThan(0);
    expect(valueOf(text, 'sentinel_password_hash_duration_seconds_count{operation="verify"}')).toBeGreaterThan(0);
  });

  it('counts rate-limit rejections by route', async () => {
    const limited = await createTestApp({ env: { SENTINEL_METRICS_TOKEN: TOKEN, SENTINEL_RATE_LIMIT_MAX: '2' } });
    try {
      for (let i = 0; i < 4; i++)
        await limited.call('POST', '/auth/login', { body: { email: 'limited@example.com', password: 'guess guess' } });
      expect(valueOf(await scrape(limited), 'sentinel_rate_limit_rejections_total{route="/auth/login"}')).toBe(2);
    } finally {
      await limited.close();
    }
  });

  it('shows the revoked sessions this process remembers', async () => {
    const user = await t.registerUser();
    const { token } = await t.login(user);
    const before = valueOf(await scrape(), 'sentinel_revoked_sessions_cached');
    expect((await t.call('GET', '/auth/logout', { token })).status).toBe(200);
    expect(valueOf(await scrape(), 'sentinel_revoked_sessions_cached')).toBe(before + 1);
  });

  it('shows the PostgreSQL pool (absent on PGlite, which has none)', async () => {
    const text = await scrape();
    if (testEngine === 'postgres') {
      expect(valueOf(text, 'sentinel_db_pool_connections{state="total"}')).toBeGreaterThan(0);
      expect(text).toMatch(/^sentinel_db_pool_waiting \d+$/m);
    } else {
      expect(text).not.toMatch(/^sentinel_db_pool_connections\{/m);
    }
  });
});
