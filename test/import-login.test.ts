import { hash as argon2Hash, verify as argon2Verify } from '@node-rs/argon2';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { createTestApp, type TestApp, unique } from './helpers/app.js';
import { hashFixtures as fixtures, type HashFixture as Fixture } from './helpers/hash-fixtures.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

interface PasswordRow {
  password_hash: string;
  password_algorithm: string;
  password_salt: string | null;
  password_salt_position: string | null;
}
const passwordOf = async (email: string) =>
  (
    await queryRows<PasswordRow>(
      t.database.db,
      sql`SELECT password_hash, password_algorithm, password_salt, password_salt_position FROM users WHERE email = ${email}`,
    )
  )[0]!;

async function importFixture(fixture: Fixture): Promise<string> {
  const username = unique('hash');
  const email = `${username}@example.com`;
  const response = await t.call('POST', '/auth/register', {
    body: {
      user_info: { username, email },
      password_hash: fixture.password_hash,
      hash_algorithm: fixture.algorithm,
      ...(fixture.salt ? { salt: fixture.salt, salt_position: fixture.salt_position } : {}),
    },
  });
  expect(response.status).toBe(201);
  return email;
}

const login = (email: string, password: string) => t.call('POST', '/auth/login', { body: { email, password } });

describe('POST /auth/login with an imported password hash', () => {
  it.each(
    fixtures.map((f) => [`${f.algorithm} from \`${f.tool}\`${f.salt ? ` (${f.salt_position} salt)` : ''} for "${f.password}"`, f] as const),
  )('logs in %s, refuses a wrong password, and upgrades the hash to argon2id on the first login', async (_name, fixture) => {
    const email = await importFixture(fixture);
    const imported = await passwordOf(email);
    expect(imported.password_algorithm).toBe(fixture.algorithm);

    const wrong = await login(email, `${fixture.password}!`);
    expect(wrong.status).toBe(401);
    expect(wrong.body.type).toBe('urn:sentinel:problem:invalid_credentials');
    expect(await passwordOf(email)).toEqual(imported);

    const right = await login(email, fixture.password);
    expect(right.status).toBe(200);
    expect(right.body.token).toEqual(expect.any(String));
    const upgraded = await passwordOf(email);
    expect(upgraded).toMatchObject({ password_algorithm: 'argon2id', password_salt: null, password_salt_position: null });
    expect(await argon2Verify(upgraded.password_hash, fixture.password)).toBe(true);

    // Later logins check argon2id only, and leave the hash as it is.
    expect((await login(email, fixture.password)).status).toBe(200);
    expect((await login(email, `${fixture.password}!`)).status).toBe(401);
    expect(await passwordOf(email)).toEqual(upgraded);
  });

  it('upgrades once when two first logins race, and both succeed', async () => {
    const fixture = fixtures.find((f) => f.algorithm === 'bcrypt')!;
    const email = await importFixture(fixture);
    const [a, b] = await Promise.all([login(email, fixture.password), login(email, fixture.password)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const after = await passwordOf(email);
    expect(after.password_algorithm).toBe('argon2id');
    expect(await argon2Verify(after.password_hash, fixture.password)).toBe(true);
    expect((await login(email, fixture.password)).status).toBe(200);
  });

  it('rehashes an argon2id hash made with other parameters on the next login', async () => {
    const user = await t.registerUser();
    const old = await argon2Hash(user.password, { algorithm: 2, memoryCost: 2048, timeCost: 2, parallelism: 1 });
    await t.database.db.execute(sql`UPDATE users SET password_hash = ${old} WHERE id = ${user.id}`);
    expect((await login(user.email, user.password)).status).toBe(200);
    const { password_hash: rehashed } = await passwordOf(user.email);
    expect(rehashed).not.toBe(old);
    const { memoryKib, iterations } = t.config.argon2;
    // The PHC parameter order differs between argon2 releases: compare them as a set.
    const params = /^\$argon2id\$v=19\$([^$]+)\$/.exec(rehashed)?.[1]?.split(',').sort();
    expect(params).toEqual([`m=${memoryKib}`, 'p=1', `t=${iterations}`]);
    expect(await argon2Verify(rehashed, user.password)).toBe(true);
  });
});
