import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { createTestApp, type TestApp, unique } from './helpers/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const MD5 = '5f4dcc3b5aa765d61d8327deb882cf99';
const BCRYPT = '$2y$05$H1dndnHdyQqk8CtbfqJ2Oe/yJ91o96Yu0feqjBWR4AUIR1ZzS3m8S';
const userCount = async () => (await queryRows<{ n: number }>(t.database.db, sql`SELECT count(*)::int AS n FROM users`))[0]!.n;

function importBody(overrides: Record<string, unknown> = {}, info: Record<string, unknown> = {}) {
  const username = unique('reg');
  return { user_info: { username, email: `${username}@example.com`, ...info }, password_hash: MD5, hash_algorithm: 'md5', ...overrides };
}

describe('POST /auth/register, import form', () => {
  it('stores a salted digest with its salt and position', async () => {
    const response = await t.call('POST', '/auth/register', {
      body: importBody({ hash_algorithm: 'sha1', password_hash: 'a'.repeat(40), salt: 'pepper', salt_position: 'suffix' }),
    });
    expect(response.status).toBe(201);
    const [row] = await queryRows(
      t.database.db,
      sql`SELECT password_algorithm, password_salt, password_salt_position FROM users WHERE id = ${response.body.user.user_id}`,
    );
    expect(row).toEqual({ password_algorithm: 'sha1', password_salt: 'pepper', password_salt_position: 'suffix' });
  });

  it('answers 409 for a taken email or username, as plain registration does', async () => {
    const user = await t.registerUser();
    const email = await t.call('POST', '/auth/register', { body: importBody({}, { email: user.email.toUpperCase() }) });
    expect(email.status).toBe(409);
    expect(email.body.type).toBe('urn:sentinel:problem:email_taken');
    const username = await t.call('POST', '/auth/register', {
      body: importBody({ password_hash: BCRYPT, hash_algorithm: 'bcrypt' }, { username: user.username }),
    });
    expect(username.status).toBe(409);
    expect(username.body.type).toBe('urn:sentinel:problem:username_taken');
  });

  const bad: [string, Record<string, unknown>, string][] = [
    ['an unknown hash_algorithm', { hash_algorithm: 'whirlpool' }, 'unknown_hash_algorithm'],
    ['both password and password_hash', { password: 'correct horse battery' }, 'password_required'],
    ['neither password nor password_hash', { password_hash: undefined, hash_algorithm: undefined }, 'password_required'],
    ['password_hash without hash_algorithm', { hash_algorithm: undefined }, 'password_required'],
    ['hash_algorithm without password_hash', { password_hash: '' }, 'password_required'],
    ['a bcrypt hash with a wrong prefix', { hash_algorithm: 'bcrypt', password_hash: `$2x$${BCRYPT.slice(4)}` }, 'invalid_password_hash'],
    ['a bcrypt hash of the wrong length', { hash_algorithm: 'bcrypt', password_hash: BCRYPT.slice(0, -1) }, 'invalid_password_hash'],
    ['a hex digest of the wrong length for its algorithm', { hash_algorithm: 'sha256', password_hash: MD5 }, 'invalid_password_hash'],
    ['a digest with non-hex characters', { password_hash: `${MD5.slice(0, -2)}zz` }, 'invalid_password_hash'],
    ['an md5-crypt hash that is not one', { hash_algorithm: 'md5-crypt', password_hash: MD5 }, 'invalid_password_hash'],
    ['a salt with bcrypt', { hash_algorithm: 'bcrypt', password_hash: BCRYPT, salt: 'x' }, 'invalid_password_hash'],
    ['salt_position without salt', { salt_position: 'prefix' }, 'invalid_password_hash'],
    [
      'a salt with a plaintext password',
      { password_hash: undefined, hash_algorithm: undefined, password: 'correct horse battery', salt: 'x' },
      'validation_failed',
    ],
  ];

  it.each(bad)('answers 400 for %s, and writes nothing', async (_name, overrides, code) => {
    const before = await userCount();
    const response = await t.call('POST', '/auth/register', { body: importBody(overrides) });
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body.type).toBe(`urn:sentinel:problem:${code}`);
    expect(await userCount()).toBe(before);
  });

  it('names the supported algorithms when one is unknown', async () => {
    const response = await t.call('POST', '/auth/register', { body: importBody({ hash_algorithm: 'crc32' }) });
    expect(response.body.detail).toContain('bcrypt, md5-crypt, md5, sha1, sha256, sha512, blake2b');
    expect(response.body.errors).toEqual([{ path: '/hash_algorithm', message: 'is not a supported algorithm' }]);
  });
});
