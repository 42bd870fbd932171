import bcrypt from 'bcrypt';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp, unique } from './helpers/app.js';

/*
 * Logins to accounts holding slow imported hashes (bcrypt), which run on libuv's thread pool
 * beside argon2id: they must never take every thread, nor wait without bound.
 */
const PASSWORD = 'correct horse battery staple';

async function importBcrypt(t: TestApp, hash: string): Promise<string> {
  const username = unique('slow');
  const email = `${username}@example.com`;
  const response = await t.call('POST', '/auth/register', {
    body: { user_info: { username, email }, password_hash: hash, hash_algorithm: 'bcrypt' },
  });
  if (response.status !== 201) throw new Error(`import failed: ${response.status} ${response.text}`);
  return email;
}

const login = (t: TestApp, email: string, password: string) => t.call('POST', '/auth/login', { body: { email, password } });

describe('POST /auth/login while imported-hash checks are saturated', () => {
  let t: TestApp;
  let cost13: string;
  /** What one cost-13 bcrypt takes on this machine now: the yardstick for "promptly". */
  let cost13Ms: number;
  beforeAll(async () => {
    // The production sizing: libuv's default pool of 4 threads, so 2 for bcrypt.
    t = await createTestApp();
    const started = performance.now();
    cost13 = await bcrypt.hash(PASSWORD, 13);
    cost13Ms = performance.now() - started;
  });
  afterAll(() => t.close());

  // Threat: an account imported with a cost-31 hash before the cap existed; one login would hold a thread for days.
  it('refuses a stored bcrypt hash over the cap without checking it, with the usual 401', async () => {
    const email = await importBcrypt(t, await bcrypt.hash(PASSWORD, 4));
    await t.database.db.execute(sql`UPDATE users SET password_hash = ${`$2b$31$${cost13.slice(7)}`} WHERE email = ${email}`);
    const started = performance.now();
    const response = await login(t, email, PASSWORD);
    expect(response.status).toBe(401);
    expect(response.body.type).toBe('urn:sentinel:problem:invalid_credentials');
    // Checking it would take 2^18 times a cost-13 check.
    expect(performance.now() - started).toBeLessThan(cost13Ms * 4);
  });

  // Threat: a handful of logins to slow imported hashes take every thread argon2id needs, and all logins stop.
  it('answers an argon2id login promptly while six slow bcrypt logins hold or wait for their share of the threads', async () => {
    expect(t.config.importedHashChecks.concurrency).toBe(2);
    const emails = await Promise.all([1, 2, 3].map(() => importBcrypt(t, cost13)));
    const user = await t.registerUser();
    await login(t, user.email, user.password);
    const slow = Array.from({ length: 6 }, (_, i) => login(t, emails[i % 3]!, 'wrong password'));
    // Let every slow login reach its bcrypt check (a few queries each).
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = performance.now();
    const normal = await login(t, user.email, user.password);
    const normalMs = performance.now() - started;
    expect(normal.status).toBe(200);
    // Without the queue it waits for a whole bcrypt check to free a thread.
    expect(normalMs, `argon2id login ${normalMs.toFixed(0)} ms, one cost-13 bcrypt ${cost13Ms.toFixed(0)} ms`).toBeLessThan(cost13Ms / 2);
    // On a loaded machine the last ones may wait past the timeout: 503, never anything else.
    for (const response of await Promise.all(slow)) expect([401, 503]).toContain(response.status);
  });
});

describe('POST /auth/login when the line for imported-hash checks is full', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ config: { importedHashChecks: { concurrency: 1, maxWaiting: 1, waitTimeoutMs: 300 } } });
  });
  afterAll(() => t.close());

  it('answers 503 with Retry-After to a login that waits past the timeout, and at once to one finding the line full', async () => {
    const email = await importBcrypt(t, await bcrypt.hash(PASSWORD, 13));
    // The import's estimate of cost 13 (a cost-8 hash, in the background) has the slot for a moment: let it end.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await login(t, email, 'wrong password')).status).toBe(401);
    // One check runs (cost 13: half a second or more), one waits 300 ms and gives up, one finds the line full.
    const timed = async () => {
      const started = performance.now();
      const response = await login(t, email, 'wrong password');
      return { response, ms: performance.now() - started };
    };
    const results = await Promise.all([timed(), timed(), timed()]);
    expect(results.map((r) => r.response.status).sort()).toEqual([401, 503, 503]);
    const busy = results.filter((r) => r.response.status === 503);
    for (const { response } of busy) {
      expect(response.headers['retry-after']).toBe('1');
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.body.type).toBe('urn:sentinel:problem:password_checks_busy');
    }
    // The one that waited gave up after the timeout, before the running check ended.
    const waited = Math.max(...busy.map((r) => r.ms));
    expect(waited).toBeGreaterThanOrEqual(290);
    expect(waited).toBeLessThan(results.find((r) => r.response.status === 401)!.ms);
    // The line is free again.
    expect((await login(t, email, PASSWORD)).status).toBe(200);
  });
});
