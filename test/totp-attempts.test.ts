import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { otpChallenges } from '../src/db/schema.js';
import { createTestApp, type TestApp, type TestUser } from './helpers/app.js';
import { stored } from './helpers/stored.js';
import { auditOf, codeAt, enrollTotp, setClockToStep, startLogin, verifyOtp } from './helpers/totp.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

/** A 6-digit code that is none of the three the server accepts right now. */
function wrongCode(secret: string): string {
  const valid = [-30_000, 0, 30_000].map((offset) => codeAt(secret, t.clock().getTime() + offset));
  let n = 0;
  while (valid.includes(String(n).padStart(6, '0'))) n++;
  return String(n).padStart(6, '0');
}

const attemptsOf = async (userId: string) => (await stored(t.database).rows(otpChallenges, { userId })).map((row) => row.attempts);

async function enrolledUser(step: number): Promise<{ user: TestUser; secret: string }> {
  setClockToStep(t, step);
  const user = await t.registerUser();
  const { secret } = await enrollTotp(t, user);
  return { user, secret };
}

describe('POST /auth/verify-otp attempt limits', () => {
  // Threat: someone with the password guesses 6-digit codes against one otp_token.
  it('spends the otp_token after 5 wrong codes: the right code no longer works with it', async () => {
    const { user, secret } = await enrolledUser(70_000_000);
    const otpToken = await startLogin(t, user);
    const details: string[] = [];
    for (let i = 0; i < 5; i++) {
      const response = await verifyOtp(t, otpToken, wrongCode(secret));
      expect(response.status).toBe(401);
      expect(response.body.type).toBe('urn:sentinel:problem:invalid_otp_code');
      details.push(response.body.detail);
    }
    expect(details[0]).toMatch(/4 more tries/);
    expect(details[4]).toMatch(/spent/);
    const sixth = await verifyOtp(t, otpToken, codeAt(secret, t.clock()));
    expect(sixth.status).toBe(401);
    expect(sixth.body.type).toBe('urn:sentinel:problem:invalid_otp_token');
    expect(await attemptsOf(user.id)).toEqual([5]);
    const failed = await auditOf(t, user.id, 'otp.failed');
    expect(failed.map((e) => e.detail.attempts_left)).toEqual([4, 3, 2, 1, 0]);
    expect(failed.every((e) => e.detail.during === 'login' && e.detail.method === 'totp')).toBe(true);
    // The spent token did not spend the code: a new login uses it.
    expect((await verifyOtp(t, await startLogin(t, user), codeAt(secret, t.clock()))).status).toBe(200);
  });

  it('counts the right code as one of the 5: four wrong then right still logs in', async () => {
    const { user, secret } = await enrolledUser(70_000_010);
    const otpToken = await startLogin(t, user);
    for (let i = 0; i < 4; i++) expect((await verifyOtp(t, otpToken, wrongCode(secret))).status).toBe(401);
    expect((await verifyOtp(t, otpToken, codeAt(secret, t.clock()))).status).toBe(200);
  });

  // Threat: a burst of parallel guesses, all read "attempts < 5" before any write, getting past the cap.
  it('lets a concurrent burst of 20 wrong codes make exactly 5 attempts', async () => {
    const { user, secret } = await enrolledUser(70_000_020);
    const otpToken = await startLogin(t, user);
    const responses = await Promise.all(Array.from({ length: 20 }, () => verifyOtp(t, otpToken, wrongCode(secret))));
    const types = responses.map((r) => `${r.status} ${r.body.type}`);
    expect(types.filter((x) => x === '401 urn:sentinel:problem:invalid_otp_code')).toHaveLength(5);
    expect(types.filter((x) => x === '401 urn:sentinel:problem:invalid_otp_token')).toHaveLength(15);
    expect(await attemptsOf(user.id)).toEqual([5]);
    expect(await auditOf(t, user.id, 'otp.failed')).toHaveLength(5);
  });

  it('lets at most one of a concurrent burst holding the right code log in', async () => {
    const { user, secret } = await enrolledUser(70_000_030);
    const otpToken = await startLogin(t, user);
    const code = codeAt(secret, t.clock());
    const responses = await Promise.all(Array.from({ length: 8 }, () => verifyOtp(t, otpToken, code)));
    expect(responses.filter((r) => r.status === 200)).toHaveLength(1);
    const [sessions] = await queryRows<{ n: number }>(
      t.database.db,
      sql`SELECT count(*)::int AS n FROM sessions WHERE user_id = ${user.id}`,
    );
    // One session from enrollment's password login (before TOTP was on), one from the burst.
    expect(sessions!.n).toBe(2);
  });

  // Threat: fresh logins, 5 guesses each, would otherwise add up to an unlimited search.
  it('answers 429 with Retry-After once an account has 10 wrong codes in 15 minutes, across otp_tokens', async () => {
    const { user, secret } = await enrolledUser(70_000_040);
    for (let i = 0; i < 2; i++) {
      const otpToken = await startLogin(t, user);
      for (let j = 0; j < 5; j++) expect((await verifyOtp(t, otpToken, wrongCode(secret))).status).toBe(401);
    }
    const blocked = await verifyOtp(t, await startLogin(t, user), codeAt(secret, t.clock()));
    expect(blocked.status).toBe(429);
    expect(blocked.body.type).toBe('urn:sentinel:problem:too_many_otp_failures');
    const retryAfter = Number(blocked.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(800);
    expect(retryAfter).toBeLessThanOrEqual(900);
  });

  // Threat: a burst spread over several otp_tokens, every request passing "fewer than 10 failures" before any is recorded.
  it('lets a concurrent burst of 20 wrong codes across 4 otp_tokens check at most 10, the rest 429', async () => {
    const { user, secret } = await enrolledUser(70_000_045);
    const tokens: string[] = [];
    for (let i = 0; i < 4; i++) tokens.push(await startLogin(t, user));
    const responses = await Promise.all(tokens.flatMap((token) => Array.from({ length: 5 }, () => verifyOtp(t, token, wrongCode(secret)))));
    const types = responses.map((r) => `${r.status} ${r.body.type}`);
    expect(types.filter((x) => x === '401 urn:sentinel:problem:invalid_otp_code')).toHaveLength(10);
    expect(types.filter((x) => x === '429 urn:sentinel:problem:too_many_otp_failures')).toHaveLength(10);
    expect(await auditOf(t, user.id, 'otp.failed')).toHaveLength(10);
  });

  it('counts only failures of the last 15 minutes', async () => {
    const { user, secret } = await enrolledUser(70_000_050);
    for (let i = 0; i < 2; i++) {
      const otpToken = await startLogin(t, user);
      for (let j = 0; j < 5; j++) expect((await verifyOtp(t, otpToken, wrongCode(secret))).status).toBe(401);
    }
    t.clock.advance(14 * 60);
    const blocked = await verifyOtp(t, await startLogin(t, user), codeAt(secret, t.clock()));
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(blocked.headers['retry-after'])).toBeLessThanOrEqual(60);
    t.clock.advance(2 * 60);
    expect((await verifyOtp(t, await startLogin(t, user), codeAt(secret, t.clock()))).status).toBe(200);
  });
});
