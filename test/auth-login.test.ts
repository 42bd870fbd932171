import bcrypt from 'bcrypt';
import { sql } from 'drizzle-orm';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { sessions } from '../src/db/schema.js';
import { createTestApp, type TestApp, type TestUser, unique } from './helpers/app.js';
import { stored } from './helpers/stored.js';

let t: TestApp;
let alice: TestUser;
beforeAll(async () => {
  t = await createTestApp();
  alice = await t.registerUser();
});
afterAll(() => t.close());

const sessionCount = (userId: string) => stored(t.database).count(sessions, { userId });

describe('POST /auth/login', () => {
  it('answers a Session whose JWT carries the original claims and the standard ones', async () => {
    const response = await t.call('POST', '/auth/login', { body: { email: alice.email, password: alice.password } });
    expect(response.status).toBe(200);
    const session = response.body;
    expect(session).toMatchObject({ token_type: 'Bearer', expires_in: 900, user: { user_id: alice.id, email: alice.email } });
    expect(session.refresh_token).toMatch(/^[A-Za-z0-9_-]{43}$/);

    expect(decodeProtectedHeader(session.token)).toMatchObject({ alg: 'HS256', typ: 'JWT' });
    const claims = decodeJwt(session.token);
    expect(claims).toMatchObject({
      UserID: alice.id,
      Email: alice.email,
      Username: alice.username,
      Operator: false,
      sub: alice.id,
      iss: 'sentinel',
    });
    expect(claims.exp! - claims.iat!).toBe(900);
    expect(typeof claims.jti).toBe('string');
    const [row] = await queryRows<{ id: string; refresh_token_hash: string }>(
      t.database.db,
      sql`SELECT id, refresh_token_hash FROM sessions WHERE id = ${claims.sid as string}`,
    );
    expect(row).toBeDefined();
    // Only a hash of the refresh token is stored.
    expect(row!.refresh_token_hash).not.toContain(session.refresh_token);
    expect(row!.refresh_token_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('accepts the username instead of the email, in any case', async () => {
    const response = await t.call('POST', '/auth/login', { body: { username: alice.username.toUpperCase(), password: alice.password } });
    expect(response.status).toBe(200);
    expect(response.body.user.user_id).toBe(alice.id);
  });

  it('accepts the email in another case, and an empty username beside it (as original clients send)', async () => {
    const response = await t.call('POST', '/auth/login', {
      body: { email: alice.email.toUpperCase(), username: '', password: alice.password },
    });
    expect(response.status).toBe(200);
  });

  it('answers 401 alike for an unknown user and a wrong password, and opens no session', async () => {
    // Threat: account enumeration through different answers.
    const before = await sessionCount(alice.id);
    const wrongPassword = await t.call('POST', '/auth/login', { body: { email: alice.email, password: 'not the password' } });
    const unknownUser = await t.call('POST', '/auth/login', { body: { email: 'nobody@example.com', password: 'not the password' } });
    expect(wrongPassword.status).toBe(401);
    expect(unknownUser.status).toBe(401);
    expect(unknownUser.body).toEqual(wrongPassword.body);
    expect(wrongPassword.body.type).toBe('urn:sentinel:problem:invalid_credentials');
    expect(await sessionCount(alice.id)).toBe(before);
  });

  it('spends about the same time on an unknown user as on a wrong password', async () => {
    // Threat: account enumeration through response time. Real argon2 cost makes the difference visible.
    const slow = await createTestApp({
      config: { argon2: { memoryKib: 19_456, iterations: 2, parallelism: 1 } },
    });
    try {
      const user = await slow.registerUser();
      const time = async (email: string) => {
        const start = performance.now();
        await slow.call('POST', '/auth/login', { body: { email, password: 'wrong password' } });
        return performance.now() - start;
      };
      await time('warmup@example.com');
      const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
      const known: number[] = [];
      const unknown: number[] = [];
      for (let i = 0; i < 5; i++) {
        known.push(await time(user.email));
        unknown.push(await time(`nobody${i}@example.com`));
      }
      const ratio = median(unknown) / median(known);
      expect(ratio).toBeGreaterThan(0.33);
      expect(ratio).toBeLessThan(3);
    } finally {
      await slow.close();
    }
  });

  it('spends the same time on a wrong password for an imported bcrypt account, an argon2id account, and an unknown name', async () => {
    // Threat: telling imported accounts, or any account, from unknown names by how long a failed login takes.
    const bcryptHash = await bcrypt.hash('the imported password', 10);
    const imported = await Promise.all(
      [1, 2].map(async () => {
        const username = unique('bcrypt10');
        const email = `${username}@example.com`;
        const response = await t.call('POST', '/auth/register', {
          body: { user_info: { username, email }, password_hash: bcryptHash, hash_algorithm: 'bcrypt' },
        });
        expect(response.status).toBe(201);
        return email;
      }),
    );
    const native = [(await t.registerUser()).email, (await t.registerUser()).email];
    let unknown = 0;
    const kinds = {
      bcrypt: (i: number) => imported[i % 2]!,
      argon2: (i: number) => native[i % 2]!,
      unknown: () => `nobody-timing-${unknown++}@example.com`,
    };
    const time = async (email: string) => {
      const started = performance.now();
      const response = await t.call('POST', '/auth/login', { body: { email, password: 'wrong password' } });
      expect(response.status).toBe(401);
      return performance.now() - started;
    };
    const names = Object.keys(kinds) as (keyof typeof kinds)[];
    for (const kind of names) await time(kinds[kind](0));
    const samples: Record<keyof typeof kinds, number[]> = { bcrypt: [], argon2: [], unknown: [] };
    // Interleaved, each round in another order, so a burst of load elsewhere slows every kind alike.
    for (let round = 0; round < 8; round++) {
      for (let k = 0; k < names.length; k++) {
        const kind = names[(round + k) % names.length]!;
        samples[kind].push(await time(kinds[kind](round)));
      }
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    const medians = { bcrypt: median(samples.bcrypt), argon2: median(samples.argon2), unknown: median(samples.unknown) };
    for (const [a, b] of [
      ['bcrypt', 'unknown'],
      ['argon2', 'unknown'],
      ['bcrypt', 'argon2'],
    ] as const) {
      const ratio = medians[a] / medians[b];
      expect(ratio, `median ${a} ${medians[a].toFixed(1)} ms / ${b} ${medians[b].toFixed(1)} ms`).toBeGreaterThan(0.67);
      expect(ratio, `median ${a} ${medians[a].toFixed(1)} ms / ${b} ${medians[b].toFixed(1)} ms`).toBeLessThan(1.5);
    }
    if (process.env.SENTINEL_TIMING_REPORT) console.log('failed-login medians (ms)', medians);
  });

  it('refuses a deleted account with the same 401', async () => {
    const bob = await t.registerUser();
    const session = await t.login(bob);
    expect((await t.call('GET', '/user/delete', { token: session.token })).status).toBe(200);
    const response = await t.call('POST', '/auth/login', { body: { email: bob.email, password: bob.password } });
    expect(response.status).toBe(401);
    expect(response.body.type).toBe('urn:sentinel:problem:invalid_credentials');
  });

  it('records the app whose key started the session', async () => {
    const session = await t.login(alice);
    const [row] = await queryRows<{ app_id: number | null; user_agent: string | null }>(
      t.database.db,
      sql`SELECT app_id, user_agent FROM sessions WHERE id = ${decodeJwt(session.token).sid as string}`,
    );
    // The bootstrap key belongs to no app.
    expect(row!.app_id).toBeNull();
  });

  const badBodies: [string, unknown, number][] = [
    ['no email or username', { password: 'whatever123' }, 400],
    ['empty email and username', { email: '', username: '', password: 'whatever123' }, 400],
    ['no password', { email: 'a@example.com' }, 400],
    ['empty password', { email: 'a@example.com', password: '' }, 400],
    ['password as a number', { email: 'a@example.com', password: 12345678 }, 400],
    ['password longer than 256', { email: 'a@example.com', password: 'x'.repeat(257) }, 400],
    ['email longer than 320', { email: `${'a'.repeat(400)}@example.com`, password: 'whatever123' }, 400],
    ['an unknown field', { email: 'a@example.com', password: 'whatever123', remember: true }, 400],
    ['null body', null, 400],
  ];
  it.each(badBodies)('answers %s with a problem %d', async (_name, body, status) => {
    const response = await t.call('POST', '/auth/login', { body });
    expect(response.status).toBe(status);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('needs the API key', async () => {
    const response = await t.call('POST', '/auth/login', { body: { email: alice.email, password: alice.password }, apiKey: null });
    expect(response.status).toBe(401);
    expect(response.body.type).toBe('urn:sentinel:problem:invalid_api_key');
  });
});

describe('audit of logins', () => {
  it('records one login.succeeded and one login.failed with its reason, and never the password', async () => {
    const carol = await t.registerUser();
    await t.login(carol);
    await t.call('POST', '/auth/login', { body: { email: carol.email, password: 'wrong password!' } });
    const events = await queryRows<{ action: string; detail: Record<string, unknown>; actor_user_id: string | null }>(
      t.database.db,
      sql`SELECT action, detail, actor_user_id FROM audit_events WHERE target_user_id = ${carol.id} AND action LIKE 'login.%' ORDER BY id`,
    );
    expect(events.map((event) => event.action)).toEqual(['login.succeeded', 'login.failed']);
    expect(events[0]!.actor_user_id).toBe(carol.id);
    expect(events[1]!.detail).toEqual({ reason: 'wrong_password' });
    expect(JSON.stringify(events)).not.toContain('wrong password!');
  });
});
