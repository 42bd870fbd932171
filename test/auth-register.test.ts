import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { users } from '../src/db/schema.js';
import { createTestApp, type TestApp, unique } from './helpers/app.js';
import { stored } from './helpers/stored.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const userCount = () => stored(t.database).count(users);

function body(overrides: Record<string, unknown> = {}, info: Record<string, unknown> = {}) {
  const username = unique('reg');
  return {
    user_info: { username, email: `${username}@example.com`, first_name: 'Ada', last_name: 'Lovelace', ...info },
    password: 'correct horse battery',
    ...overrides,
  };
}

describe('POST /auth/register', () => {
  it('creates a user and answers 201 with the User, never a hash', async () => {
    const request = body();
    const response = await t.call('POST', '/auth/register', { body: request });
    expect(response.status).toBe(201);
    expect(response.body.user).toMatchObject({
      username: request.user_info.username,
      email: request.user_info.email,
      first_name: 'Ada',
      last_name: 'Lovelace',
      operator: false,
      otp_enabled: false,
    });
    expect(response.body.user.user_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Date(response.body.user.created_at).toISOString()).toBe(response.body.user.created_at);
    expect(Object.keys(response.body.user).sort()).toEqual(
      [
        'created_at',
        'email',
        'email_verified',
        'first_name',
        'last_name',
        'operator',
        'otp_enabled',
        'updated_at',
        'user_id',
        'username',
      ].sort(),
    );
    const [row] = await queryRows<{ password_hash: string; password_algorithm: string }>(
      t.database.db,
      sql`SELECT password_hash, password_algorithm FROM users WHERE id = ${response.body.user.user_id}`,
    );
    expect(row!.password_algorithm).toBe('argon2id');
    expect(row!.password_hash).toMatch(/^\$argon2id\$/);
    expect(response.text).not.toContain('argon2');
  });

  it('accepts the original body with empty password_hash and hash_algorithm strings', async () => {
    const response = await t.call('POST', '/auth/register', { body: body({ password_hash: '', hash_algorithm: '' }) });
    expect(response.status).toBe(201);
  });

  it('answers 409 for an email or username taken in another case, and writes nothing', async () => {
    const first = body();
    expect((await t.call('POST', '/auth/register', { body: first })).status).toBe(201);
    const before = await userCount();

    const sameEmail = await t.call('POST', '/auth/register', {
      body: body({}, { email: first.user_info.email.toUpperCase() }),
    });
    expect(sameEmail.status).toBe(409);
    expect(sameEmail.body.type).toBe('urn:sentinel:problem:email_taken');
    expect(sameEmail.headers['content-type']).toMatch(/^application\/problem\+json/);

    const sameUsername = await t.call('POST', '/auth/register', {
      body: body({}, { username: first.user_info.username.toUpperCase() }),
    });
    expect(sameUsername.status).toBe(409);
    expect(sameUsername.body.type).toBe('urn:sentinel:problem:username_taken');
    expect(await userCount()).toBe(before);
  });

  it('refuses a missing or wrong X-API-KEY with 401 before reading the body', async () => {
    const before = await userCount();
    const missing = await t.call('POST', '/auth/register', { body: body(), apiKey: null });
    expect(missing.status).toBe(401);
    expect(missing.body.type).toBe('urn:sentinel:problem:invalid_api_key');
    const wrong = await t.call('POST', '/auth/register', { body: body(), apiKey: 'sk_not_the_key' });
    expect(wrong.status).toBe(401);
    // Not even validation runs for an unauthenticated caller.
    const invalid = await t.call('POST', '/auth/register', { body: { nonsense: true }, apiKey: 'wrong' });
    expect(invalid.status).toBe(401);
    expect(await userCount()).toBe(before);
  });

  it('imports a user with password_hash and hash_algorithm, storing the hash until the first login', async () => {
    const before = await userCount();
    const response = await t.call('POST', '/auth/register', {
      body: { ...body(), password: undefined, password_hash: '5f4dcc3b5aa765d61d8327deb882cf99', hash_algorithm: 'MD5' },
    });
    expect(response.status).toBe(201);
    expect(await userCount()).toBe(before + 1);
    const [row] = await queryRows<{ password_hash: string; password_algorithm: string }>(
      t.database.db,
      sql`SELECT password_hash, password_algorithm FROM users WHERE id = ${response.body.user.user_id}`,
    );
    expect(row).toEqual({ password_hash: '5f4dcc3b5aa765d61d8327deb882cf99', password_algorithm: 'md5' });
    expect(response.text).not.toContain('5f4dcc3b5aa765d61d8327deb882cf99');
  });

  const badBodies: [string, unknown, string][] = [
    ['missing user_info', { password: 'correct horse battery' }, '/user_info'],
    ['missing email', { user_info: { username: 'someone' }, password: 'correct horse battery' }, '/user_info/email'],
    ['empty username', body({}, { username: '' }), '/user_info/username'],
    ['username with spaces', body({}, { username: 'two words' }), '/user_info/username'],
    ['username as a number', body({}, { username: 12345 }), '/user_info/username'],
    ['email that is not one', body({}, { email: 'not-an-email' }), '/user_info/email'],
    ['email as an array', body({}, { email: ['a@example.com'] }), '/user_info/email'],
    ['very long email', body({}, { email: `${'a'.repeat(300)}@example.com` }), '/user_info/email'],
    ['very long first name', body({}, { first_name: 'x'.repeat(10_000) }), '/user_info/first_name'],
    ['first name with a newline', body({}, { first_name: 'Ada\nLovelace' }), '/user_info/first_name'],
    ['unknown top-level field', body({ admin: true }), '/admin'],
    ['unknown user_info field', body({}, { role: 'operator' }), '/user_info/role'],
    ['password too short', body({ password: 'short' }), '/password'],
    ['password too long', body({ password: 'x'.repeat(257) }), '/password'],
    ['password as a number', body({ password: 12345678 }), '/password'],
    ['body is an array', [body()], ''],
    ['body is a string', 'hello', ''],
  ];

  it.each(badBodies)('answers 400 for %s, naming the field, and writes nothing', async (_name, request, path) => {
    const before = await userCount();
    const response = await t.call('POST', '/auth/register', { body: request });
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body.status).toBe(400);
    const paths = (response.body.errors ?? []).map((error: { path: string }) => error.path);
    expect(paths).toContain(path);
    expect(await userCount()).toBe(before);
  });

  it('answers 400 for a password with no password at all', async () => {
    const response = await t.call('POST', '/auth/register', { body: { ...body(), password: undefined } });
    expect(response.status).toBe(400);
    expect(response.body.type).toBe('urn:sentinel:problem:password_required');
  });

  it('answers 400 for a NUL byte in any string, before the database sees it', async () => {
    const before = await userCount();
    const response = await t.call('POST', '/auth/register', { body: body({}, { last_name: 'Love\u0000lace' }) });
    expect(response.status).toBe(400);
    expect(response.body.type).toBe('urn:sentinel:problem:invalid_text');
    expect(response.body.errors[0].path).toBe('/user_info/last_name');
    const inPassword = await t.call('POST', '/auth/register', { body: body({ password: 'correct\u0000horse' }) });
    expect(inPassword.status).toBe(400);
    expect(await userCount()).toBe(before);
  });
});
