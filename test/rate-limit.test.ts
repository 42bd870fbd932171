import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import net, { type AddressInfo, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/app.js';

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
      // A fresh account name too, so the account lockout stays out of it.
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

const freshIp = () => `10.${randomBytes(3).join('.')}`;

function loginFrom(t: TestApp, ip: string, email: string, password = 'guess guess') {
  return t.app.inject({
    method: 'POST',
    url: '/auth/login',
    remoteAddress: ip,
    headers: { 'content-type': 'application/json', 'x-api-key': t.config.apiKey! },
    payload: JSON.stringify({ email, password }),
  });
}

const problemOf = (response: { statusCode: number; body: string }) =>
  `${response.statusCode} ${JSON.parse(response.body).type ?? ''}`.trim();

/** The app's log lines, parsed. */
function capturedLogs() {
  const lines: { level: number; msg: string }[] = [];
  return { lines, logger: { level: 'info', stream: { write: (line: string) => void lines.push(JSON.parse(line)) } } };
}

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function eventually(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// Threat: an outage of Redis (or an attacker who can cause one) switching off the per-IP limit and the account lockout.
describe('rate limits with Redis unreachable', () => {
  it('POST /auth/login still limits per address (in process) and still locks accounts, and logs the fallback once', async () => {
    const logs = capturedLogs();
    const t = await createTestApp({
      env: { REDIS_URL: `redis://127.0.0.1:${await closedPort()}`, SENTINEL_RATE_LIMIT_MAX: '3', SENTINEL_LOGIN_MAX_FAILURES: '2' },
      logger: logs.logger,
    });
    try {
      const ip = freshIp();
      const perIp = [];
      for (let i = 0; i < 4; i++)
        perIp.push(problemOf(await loginFrom(t, ip, `nobody-${i}-${randomBytes(4).toString('hex')}@example.com`)));
      expect(perIp).toEqual([
        '401 urn:sentinel:problem:invalid_credentials',
        '401 urn:sentinel:problem:invalid_credentials',
        '401 urn:sentinel:problem:invalid_credentials',
        '429 urn:sentinel:problem:rate_limited',
      ]);

      const user = await t.registerUser();
      const lockout = [];
      for (let i = 0; i < 2; i++) lockout.push((await loginFrom(t, freshIp(), user.email)).statusCode);
      lockout.push((await loginFrom(t, freshIp(), user.email, user.password)).statusCode);
      expect(lockout).toEqual([401, 401, 429]);

      expect(t.app.rateLimitStoreStatus().store).toBe('memory-fallback');
      // Still ready (the limits hold), but a probe shows why the counters are no longer shared.
      const ready = await t.call('GET', '/readyz', { apiKey: null });
      expect(ready.status).toBe(200);
      expect(ready.body.checks.rate_limit_store.status).toBe('degraded');
      expect(ready.body.checks.rate_limit_store.message).toMatch(/Redis/);
      const warnings = logs.lines.filter((line) => /Redis is unreachable/.test(line.msg));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]!.level).toBe(40);
    } finally {
      await t.close();
    }
  });
});

/** A TCP relay to Redis that the test can cut and restore, as a network outage would. */
async function relayTo(host: string, port: number) {
  const sockets = new Set<Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(port, host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const relayPort = (server.address() as AddressInfo).port;
  return {
    port: relayPort,
    cut: async () => {
      const closed = new Promise((resolve) => server.close(resolve));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
    restore: () => new Promise<void>((resolve) => server.listen(relayPort, '127.0.0.1', resolve)),
  };
}

describe.runIf(process.env.TEST_REDIS_URL)('rate limits when Redis goes away and comes back', () => {
  it('POST /auth/login counts in process while Redis is away and in Redis again once it is back, logging each switch once', async () => {
    const target = new URL(process.env.TEST_REDIS_URL!);
    const relay = await relayTo(target.hostname, Number(target.port || 6379));
    const logs = capturedLogs();
    const t = await createTestApp({
      env: { REDIS_URL: `redis://127.0.0.1:${relay.port}`, SENTINEL_RATE_LIMIT_MAX: '3' },
      logger: logs.logger,
    });
    const redis = new Redis(process.env.TEST_REDIS_URL!);
    try {
      expect(t.app.rateLimitStoreStatus().store).toBe('redis');
      await relay.cut();
      await eventually(() => t.app.rateLimitStoreStatus().store === 'memory-fallback');
      const away = freshIp();
      const statuses = [];
      for (let i = 0; i < 4; i++)
        statuses.push((await loginFrom(t, away, `nobody-${randomBytes(4).toString('hex')}@example.com`)).statusCode);
      expect(statuses).toEqual([401, 401, 401, 429]);
      expect(await redis.keys(`sentinel-rate-limit:*${away}`)).toEqual([]);

      await relay.restore();
      await eventually(() => t.app.rateLimitStoreStatus().store === 'redis');
      const back = freshIp();
      expect((await loginFrom(t, back, `nobody-${randomBytes(4).toString('hex')}@example.com`)).statusCode).toBe(401);
      expect(await redis.keys(`sentinel-rate-limit:*${back}`)).toHaveLength(1);
      expect(logs.lines.filter((line) => /Redis is unreachable/.test(line.msg))).toHaveLength(1);
      expect(logs.lines.filter((line) => /Redis is back/.test(line.msg))).toHaveLength(1);
    } finally {
      redis.disconnect();
      await t.close();
      await relay.cut().catch(() => {});
    }
  });
});
