import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createTestApp } from './helpers/app.js';

/*
 * Threat: online password guessing. Credential routes answer 429 with Retry-After once one
 * address passes the limit. With REDIS_URL the counters are shared by every process.
 */
const stores: [string, string | undefined][] = [['in-process counters', undefined]];
if (process.env.TEST_REDIS_URL) stores.push(['Redis', process.env.TEST_REDIS_URL]);

describe.each(stores)('rate limits with %s', (_name, redisUrl) => {
  it('POST /auth/login answers 429 problem details with Retry-After past the limit', async () => {
    const t = await createTestApp({
      env: { SENTINEL_RATE_LIMIT_MAX: '3', SENTINEL_RATE_LIMIT_WINDOW: '1m', ...(redisUrl ? { REDIS_URL: redisUrl } : {}) },
    });
    try {
      // A fresh address per run: Redis keeps counters between test runs.
      const ip = `10.${randomBytes(3).join('.')}`;
      // A fresh account name too, so the account lockout (whose Redis counters outlive the run) stays out of it.
      const email = `nobody-${randomBytes(4).toString('hex')}@example.com`;
      const login = () =>
        t.app.inject({
          method: 'POST',
          url: '/auth/login',
          remoteAddress: ip,
          headers: { 'content-type': 'application/json', 'x-api-key': t.config.apiKey! },
          payload: JSON.stringify({ email, password: 'guess guess' }),
        });
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await login()).statusCode);
      expect(statuses).toEqual([401, 401, 401, 429]);
      const limited = await login();
      expect(limited.statusCode).toBe(429);
      expect(limited.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect(JSON.parse(limited.body)).toMatchObject({ type: 'urn:sentinel:problem:rate_limited', status: 429 });

      // Another address is not affected, and routes that check no credentials are not limited.
      const other = await t.app.inject({
        method: 'POST',
        url: '/auth/login',
        remoteAddress: `10.${randomBytes(3).join('.')}`,
        headers: { 'content-type': 'application/json', 'x-api-key': t.config.apiKey! },
        payload: JSON.stringify({ email, password: 'guess guess' }),
      });
      expect(other.statusCode).toBe(401);
      for (let i = 0; i < 5; i++) expect((await t.app.inject({ method: 'GET', url: '/health', remoteAddress: ip })).statusCode).toBe(200);
    } finally {
      await t.close();
    }
  });
});

describe.each(stores)('account lockout with %s', (_name, redisUrl) => {
  it('POST /auth/login locks an account name after repeated failures from any address, alike for unknown names', async () => {
    // Threat: a botnet guessing one account's password from many addresses.
    const t = await createTestApp({
      env: { SENTINEL_LOGIN_MAX_FAILURES: '3', SENTINEL_LOGIN_LOCKOUT_WINDOW: '15m', ...(redisUrl ? { REDIS_URL: redisUrl } : {}) },
    });
    try {
      const user = await t.registerUser();
      const attempt = (email: string, password: string) =>
        t.app.inject({
          method: 'POST',
          url: '/auth/login',
          remoteAddress: `10.${randomBytes(3).join('.')}`,
          headers: { 'content-type': 'application/json', 'x-api-key': t.config.apiKey! },
          payload: JSON.stringify({ email, password }),
        });
      const unknown = `nobody-${randomBytes(4).toString('hex')}@example.com`;
      for (const email of [user.email, unknown]) {
        const statuses = [];
        for (let i = 0; i < 4; i++) statuses.push((await attempt(email, 'wrong password')).statusCode);
        expect(statuses).toEqual([401, 401, 401, 429]);
      }
      // Locked even with the right password, and in another letter case; the body says why.
      const locked = await attempt(user.email.toUpperCase(), user.password);
      expect(locked.statusCode).toBe(429);
      expect(JSON.parse(locked.body).type).toBe('urn:sentinel:problem:account_locked');
      expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
      // Other accounts are not affected.
      const other = await t.registerUser();
      expect((await attempt(other.email, other.password)).statusCode).toBe(200);
    } finally {
      await t.close();
    }
  });

  it('does not count successful logins', async () => {
    const t = await createTestApp({ env: { SENTINEL_LOGIN_MAX_FAILURES: '2', ...(redisUrl ? { REDIS_URL: redisUrl } : {}) } });
    try {
      const user = await t.registerUser();
      for (let i = 0; i < 5; i++)
        expect((await t.call('POST', '/auth/login', { body: { email: user.email, password: user.password } })).status).toBe(200);
    } finally {
      await t.close();
    }
  });
});
