import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { anotherProcess, createTestApp, testEngine, unique, type TestApp, type TestUser } from './helpers/app.js';
import { enrollTotp } from './helpers/totp.js';

/*
 * Threat: online guessing of one account's password. Every password check of an account
 * counts on one counter (default 10 per 15 minutes), whichever name, route, address or
 * process it came through, and is counted before the password is checked.
 */

const LOCKED = '429 urn:sentinel:problem:account_locked';
const outcome = (response: { status: number; body: any }) => `${response.status} ${response.body?.type ?? ''}`.trim();

/** A user whose email and username hold an `i`, so they have an `İ` (U+0130) spelling. */
async function registerWithI(t: TestApp): Promise<TestUser> {
  const username = unique('kim');
  return t.registerUser({ username, email: `${username}@example.com` });
}

const login = (t: TestApp, body: Record<string, string>) => t.call('POST', '/auth/login', { body });

const failedLogins = async (t: TestApp, userId: string) =>
  (
    await queryRows<{ n: number }>(
      t.database.db,
      sql`SELECT count(*)::int AS n FROM audit_events WHERE action = 'login.failed' AND target_user_id = ${userId}`,
    )
  )[0]!.n;

describe('account lockout at the default limit (10 in 15 minutes)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  // Threat: a burst of parallel guesses, all passing "fewer than 10 failures" before any is recorded.
  it('POST /auth/login checks at most 10 of 30 concurrent guesses; the right password among them does not log in', async () => {
    const user = await t.registerUser();
    const bodies = Array.from({ length: 30 }, (_, i) => ({ email: user.email, password: i === 24 ? user.password : `wrong guess ${i}` }));
    const responses = await Promise.all(bodies.map((body) => login(t, body)));
    const outcomes = responses.map(outcome);
    expect(outcomes.filter((o) => o === '401 urn:sentinel:problem:invalid_credentials')).toHaveLength(10);
    expect(outcomes.filter((o) => o === LOCKED)).toHaveLength(20);
    expect(outcomes[24]).toBe(LOCKED);
    expect(await failedLogins(t, user.id)).toBe(10);
  });

  it('POST /auth/reset-password counts wrong old passwords: after 10, 429 account_locked for the right one, and login is locked too', async () => {
    const user = await t.registerUser();
    const { token } = await t.login(user);
    const reset = (old_password: string) =>
      t.call('POST', '/auth/reset-password', { token, body: { old_password, new_password: 'a new long passphrase' } });
    for (let i = 0; i < 10; i++) expect((await reset(`wrong old ${i}`)).status).toBe(403);
    const locked = await reset(user.password);
    expect(outcome(locked)).toBe(LOCKED);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(800);
    expect(outcome(await login(t, { email: user.email, password: user.password }))).toBe(LOCKED);
    // The password did not change.
    expect(
      (await queryRows(t.database.db, sql`SELECT 1 FROM audit_events WHERE action = 'password.changed' AND target_user_id = ${user.id}`))
        .length,
    ).toBe(0);
  });

  // Threat: a stolen access token guessing the password through reset-password, in parallel.
  it('POST /auth/reset-password checks at most 10 of 60 concurrent wrong old passwords', async () => {
    const user = await t.registerUser();
    const { token } = await t.login(user);
    const responses = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        t.call('POST', '/auth/reset-password', { token, body: { old_password: `wrong old ${i}`, new_password: 'a new long passphrase' } }),
      ),
    );
    const outcomes = responses.map(outcome);
    expect(outcomes.filter((o) => o === '403 urn:sentinel:problem:wrong_password')).toHaveLength(10);
    expect(outcomes.filter((o) => o === LOCKED)).toHaveLength(50);
    const [failed] = await queryRows<{ n: number }>(
      t.database.db,
      sql`SELECT count(*)::int AS n FROM audit_events WHERE action = 'password.change_failed' AND target_user_id = ${user.id}`,
    );
    expect(failed!.n).toBe(10);
  });

  it('POST /auth/login and /auth/reset-password share one counter: 5 wrong through each lock both', async () => {
    const user = await t.registerUser();
    const { token } = await t.login(user);
    for (let i = 0; i < 5; i++) expect((await login(t, { email: user.email, password: `wrong ${i}` })).status).toBe(401);
    const reset = (old_password: string) =>
      t.call('POST', '/auth/reset-password', { token, body: { old_password, new_password: 'a new long passphrase' } });
    for (let i = 0; i < 5; i++) expect((await reset(`wrong old ${i}`)).status).toBe(403);
    expect(outcome(await reset(user.password))).toBe(LOCKED);
    expect(outcome(await login(t, { username: user.username, password: user.password }))).toBe(LOCKED);
  });

  it('POST /auth/login with the right password gives back only its own attempt, never the failures of others', async () => {
    const user = await t.registerUser();
    for (let i = 0; i < 9; i++) expect((await login(t, { email: user.email, password: `wrong ${i}` })).status).toBe(401);
    expect((await login(t, { email: user.email, password: user.password })).status).toBe(200);
    expect((await login(t, { email: user.email, password: 'wrong again' })).status).toBe(401);
    expect(outcome(await login(t, { email: user.email, password: user.password }))).toBe(LOCKED);
  });
});

describe('account lockout keys (limit 3)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { SENTINEL_LOGIN_MAX_FAILURES: '3' } });
  });
  afterAll(() => t.close());

  // Threat: the same account under another spelling getting a counter of its own.
  it('POST /auth/login counts the İ (U+0130) spelling of an email on the account: the plain email is locked, right password too', async () => {
    const user = await registerWithI(t);
    const dotted = user.email.replace('i', 'İ');
    for (let i = 0; i < 3; i++) expect((await login(t, { email: dotted, password: `wrong ${i}` })).status).toBe(401);
    expect(outcome(await login(t, { email: dotted, password: user.password }))).toBe(LOCKED);
    expect(outcome(await login(t, { email: user.email, password: user.password }))).toBe(LOCKED);
  });

  it('POST /auth/login counts the username and the email of one account on one counter', async () => {
    const user = await t.registerUser();
    for (let i = 0; i < 3; i++)
      expect((await login(t, { username: user.username.toUpperCase(), password: `wrong ${i}` })).status).toBe(401);
    expect(outcome(await login(t, { email: user.email, password: user.password }))).toBe(LOCKED);
    expect(outcome(await login(t, { username: user.username, password: user.password }))).toBe(LOCKED);
  });

  // Threat: telling registered emails from unknown ones by how their spellings lock.
  it('POST /auth/login locks the spellings of an unknown email together, as it does for a registered one', async () => {
    const name = `${unique('nobody-kim')}@example.com`;
    for (let i = 0; i < 3; i++) expect((await login(t, { email: name, password: `wrong ${i}` })).status).toBe(401);
    expect(outcome(await login(t, { email: name.replace('i', 'İ'), password: 'another guess' }))).toBe(LOCKED);
    expect(outcome(await login(t, { email: name.toUpperCase(), password: 'another guess' }))).toBe(LOCKED);
    // The same name as a username is another name, for unknown and registered accounts alike.
    expect((await login(t, { username: name, password: 'another guess' })).status).toBe(401);
  });

  it('POST /auth/disable-otp counts a wrong password proof on the account lockout', async () => {
    const user = await t.registerUser();
    const { token } = await enrollTotp(t, user);
    for (let i = 0; i < 3; i++) {
      const wrong = await t.call('POST', '/auth/disable-otp', { token, body: { password: `wrong ${i}` } });
      expect(outcome(wrong)).toBe('403 urn:sentinel:problem:wrong_password');
    }
    expect(outcome(await t.call('POST', '/auth/disable-otp', { token, body: { password: user.password } }))).toBe(LOCKED);
    expect(outcome(await login(t, { email: user.email, password: user.password }))).toBe(LOCKED);
  });

  it('prunes counters whose window has ended', async () => {
    const keys = async () => (await queryRows<{ key: string }>(t.database.db, sql`SELECT key FROM attempt_counters`)).map((r) => r.key);
    await login(t, { email: `${unique('old')}@example.com`, password: 'guess' });
    const before = await keys();
    t.clock.advance(16 * 60);
    await login(t, { email: `${unique('new')}@example.com`, password: 'guess' });
    const after = await keys();
    expect(after).toHaveLength(1);
    expect(before).not.toContain(after[0]);
  });
});

// Several `sentinel serve` processes on one PostgreSQL, no Redis: the database holds the counters.
describe.runIf(testEngine === 'postgres')('account lockout across processes on one PostgreSQL', () => {
  let a: TestApp;
  let b: Awaited<ReturnType<typeof anotherProcess>>;

  beforeAll(async () => {
    a = await createTestApp();
    b = await anotherProcess(a);
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  it('POST /auth/login on two processes checks at most 10 of 30 concurrent guesses in all', async () => {
    const user = await a.registerUser();
    const onB = (password: string) =>
      b.app.inject({
        method: 'POST',
        url: '/auth/login',
        headers: { 'content-type': 'application/json', 'x-api-key': a.config.apiKey! },
        payload: JSON.stringify({ email: user.email, password }),
      });
    const responses = await Promise.all(
      Array.from({ length: 30 }, async (_, i) => {
        if (i % 2 === 0) return login(a, { email: user.email, password: `wrong ${i}` });
        const response = await onB(`wrong ${i}`);
        return { status: response.statusCode, body: JSON.parse(response.body) };
      }),
    );
    expect(responses.filter((r) => r.status === 401)).toHaveLength(10);
    expect(responses.filter((r) => outcome(r) === LOCKED)).toHaveLength(20);
    expect((await onB(user.password)).statusCode).toBe(429);
    expect(outcome(await login(a, { email: user.email, password: user.password }))).toBe(LOCKED);
  });
});
