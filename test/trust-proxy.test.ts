import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createTestApp, TEST_API_KEY, type TestApp } from './helpers/app.js';

/*
 * Threat: a client escaping the per-IP limit, or hiding in the logs and the audit trail, by
 * writing its own X-Forwarded-For. A proxy appends the address it sees to what the client
 * sent, so only the entries added by trusted proxies, read from the right, say who connected.
 */
const PROXY = '10.0.0.5';
const CLIENT = '203.0.113.9';
const randomAddress = () => `198.51.${randomBytes(2).join('.')}`;

function loginFrom(t: TestApp, remoteAddress: string, forwardedFor: string | undefined, email: string) {
  return t.app.inject({
    method: 'POST',
    url: '/auth/login',
    remoteAddress,
    headers: {
      'content-type': 'application/json',
      'x-api-key': TEST_API_KEY,
      ...(forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor }),
    },
    payload: JSON.stringify({ email, password: 'guess guess' }),
  });
}

/** An app with a per-IP limit of 3 logins a minute, and its request log. */
async function limitedApp(trustProxy: string | undefined): Promise<{ t: TestApp; log: () => Record<string, any>[] }> {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const t = await createTestApp({
    env: {
      SENTINEL_RATE_LIMIT_MAX: '3',
      SENTINEL_RATE_LIMIT_WINDOW: '1m',
      // Unknown names, each tried once: the account lockout stays out of it.
      SENTINEL_LOGIN_MAX_FAILURES: '0',
      ...(trustProxy === undefined ? {} : { SENTINEL_TRUST_PROXY: trustProxy }),
    },
    logger: { level: 'info', stream },
  });
  return { t, log: () => lines.map((line) => JSON.parse(line)) };
}

/** The statuses of `count` requests made one after another. */
async function statusesOf(count: number, send: () => Promise<{ statusCode: number }>): Promise<number[]> {
  const statuses = [];
  for (let i = 0; i < count; i++) statuses.push((await send()).statusCode);
  return statuses;
}

const unknownEmail = () => `nobody-${randomBytes(4).toString('hex')}@example.com`;

describe('SENTINEL_TRUST_PROXY', () => {
  it('behind a trusted proxy, POST /auth/login counts and logs the address the proxy added, whatever the client forged', async () => {
    const { t, log } = await limitedApp(PROXY);
    try {
      // The client rotates a forged left-most entry; the proxy appends the address it really saw.
      expect(await statusesOf(5, () => loginFrom(t, PROXY, `${randomAddress()}, ${CLIENT}`, unknownEmail()))).toEqual([
        401, 401, 401, 429, 429,
      ]);

      // Another client behind the same proxy has its own count.
      expect((await loginFrom(t, PROXY, `${CLIENT}, ${randomAddress()}`, unknownEmail())).statusCode).toBe(401);

      const loginAddresses = log()
        .filter((line) => line.url === '/auth/login')
        .map((line) => line.ip);
      expect(loginAddresses.slice(0, 5)).toEqual(Array(5).fill(CLIENT));

      // And the audit trail names the client, not the proxy or the forged entry.
      const operator = await t.createOperator();
      const { token } = await t.login(operator);
      const audit = await t.call('GET', '/operator/audit?action=login.failed&limit=10', { token });
      expect(audit.status).toBe(200);
      const ips = audit.body.events.map((event: { ip: string }) => event.ip);
      expect(ips).toHaveLength(4);
      expect(ips.filter((ip: string) => ip === CLIENT)).toHaveLength(3);
      expect(ips.every((ip: string) => ip !== PROXY)).toBe(true);
    } finally {
      await t.close();
    }
  });

  it('a client that is not a listed proxy is counted by its own address, X-Forwarded-For or not', async () => {
    const { t } = await limitedApp(`${PROXY},192.168.0.0/16`);
    try {
      expect(await statusesOf(4, () => loginFrom(t, CLIENT, randomAddress(), unknownEmail()))).toEqual([401, 401, 401, 429]);
    } finally {
      await t.close();
    }
  });

  it('by default (false), X-Forwarded-For is ignored: a proxy in front makes every client one address', async () => {
    const { t } = await limitedApp(undefined);
    try {
      expect(await statusesOf(4, () => loginFrom(t, PROXY, randomAddress(), unknownEmail()))).toEqual([401, 401, 401, 429]);
    } finally {
      await t.close();
    }
  });
});
