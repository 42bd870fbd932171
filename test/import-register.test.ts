import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { users } from '../src/db/schema.js';
import { createTestApp, type TestApp, unique } from './helpers/app.js';
import { stored } from './helpers/stored.js';
import { loggedInOperator } from './helpers/fixtures.js';
import { registerApp } from './helpers/apps.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const MD5 = '5f4dcc3b5aa765d61d8327deb882cf99';
const BCRYPT = '$2y$05$H1dndnHdyQqk8CtbfqJ2Oe/yJ91o96Yu0feqjBWR4AUIR1ZzS3m8S';
const userCount = () => stored(t.database).count(users);

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

describe('who may import a password hash, and at what cost', () => {
  const COST_15 = `$2b$15$${BCRYPT.slice(7)}`;
  const COST_14 = `$2b$14$${BCRYPT.slice(7)}`;
  let operatorToken: string;
  let appKey: string;
  beforeAll(async () => {
    operatorToken = (await loggedInOperator(t)).token;
    appKey = (await registerApp(t, operatorToken)).apiKey;
  });

  // Threat: an app key, which ships in browsers, lets anyone import a hash that chooses what every login to it costs.
  it('POST /auth/register answers 403 import_not_allowed for password_hash with an app key, before parsing it, and stores nothing', async () => {
    const before = await userCount();
    for (const body of [
      importBody({ password_hash: BCRYPT, hash_algorithm: 'bcrypt' }),
      // Not parsed first: a hash that would be a 400 is still the 403.
      importBody({ password_hash: '$2b$31$nonsense', hash_algorithm: 'bcrypt' }),
      importBody({ hash_algorithm: 'whirlpool' }),
    ]) {
      const response = await t.call('POST', '/auth/register', { body, apiKey: appKey });
      expect(response.status).toBe(403);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.body.type).toBe('urn:sentinel:problem:import_not_allowed');
    }
    expect(await userCount()).toBe(before);
  });

  it('POST /auth/register still registers with a password under an app key, and imports with the bootstrap key', async () => {
    const username = unique('appuser');
    const plain = await t.call('POST', '/auth/register', {
      body: { user_info: { username, email: `${username}@example.com` }, password: 'correct horse battery' },
      apiKey: appKey,
    });
    expect(plain.status).toBe(201);
    const imported = await t.call('POST', '/auth/register', { body: importBody({ password_hash: BCRYPT, hash_algorithm: 'bcrypt' }) });
    expect(imported.status).toBe(201);
  });

  it('POST /operator/profile/register imports a hash for an operator', async () => {
    const response = await t.call('POST', '/operator/profile/register', {
      body: importBody({ password_hash: BCRYPT, hash_algorithm: 'bcrypt' }),
      token: operatorToken,
      apiKey: null,
    });
    expect(response.status).toBe(201);
  });

  // Threat: an imported bcrypt cost of 15 or more makes each login hold a thread for seconds (cost 30: hours).
  it('refuses a bcrypt cost over 14 with 400 naming the cap and its variable, on /auth/register and /operator/profile/register', async () => {
    const before = await userCount();
    const responses = [
      await t.call('POST', '/auth/register', { body: importBody({ password_hash: COST_15, hash_algorithm: 'bcrypt' }) }),
      await t.call('POST', '/operator/profile/register', {
        body: importBody({ password_hash: COST_15, hash_algorithm: 'bcrypt' }),
        token: operatorToken,
        apiKey: null,
      }),
    ];
    for (const response of responses) {
      expect(response.status).toBe(400);
      expect(response.body.type).toBe('urn:sentinel:problem:invalid_password_hash');
      expect(response.body.detail).toMatch(/cost 15.*cost 14 at most.*SENTINEL_IMPORT_BCRYPT_MAX_COST/);
    }
    expect(await userCount()).toBe(before);
    const atCap = await t.call('POST', '/auth/register', { body: importBody({ password_hash: COST_14, hash_algorithm: 'bcrypt' }) });
    expect(atCap.status).toBe(201);
  });

  it('POST /operator/users/import skips an item over the cap with invalid_password_hash, and creates the others', async () => {
    const response = await t.call('POST', '/operator/users/import', {
      body: { users: [importBody({ password_hash: COST_15, hash_algorithm: 'bcrypt' }), importBody()] },
      token: operatorToken,
      apiKey: null,
    });
    expect(response.status).toBe(200);
    expect(response.body.results[0]).toMatchObject({ status: 'skipped', reason: 'invalid_password_hash' });
    expect(response.body.results[0].detail).toContain('SENTINEL_IMPORT_BCRYPT_MAX_COST');
    expect(response.body.results[1]).toMatchObject({ status: 'created' });
  });
});
