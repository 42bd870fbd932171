import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { Passwords } from '../src/modules/accounts/passwords.js';
import fixtures from './fixtures/hashes/argon2-package.json' with { type: 'json' };
import { createTestApp, type TestApp } from './helpers/app.js';

/*
 * Sentinel hashed with the `argon2` package until it moved to @node-rs/argon2. Threat: a
 * library switch that leaves every stored password unverifiable locks every user out. The
 * fixtures are PHC strings that argon2@0.44.0 made (its `tool` field says how).
 */
const current = { memoryKib: 1024, iterations: 1, parallelism: 1 };
const madeAtCurrentParameters = fixtures.filter((fixture) => fixture.password_hash.startsWith('$argon2id$v=19$m=1024,t=1,p=1$'));
const madeAtOtherParameters = fixtures.filter((fixture) => !madeAtCurrentParameters.includes(fixture));

describe('hashes made by the argon2 package', () => {
  const passwords = new Passwords(current);
  const stored = (hash: string) => ({ hash, algorithm: 'argon2id', salt: null, saltPosition: null });

  it.each(fixtures)('verify for the right password only: $tool', async (fixture) => {
    expect((await passwords.check(fixture.password, stored(fixture.password_hash))).valid).toBe(true);
    expect((await passwords.check(`${fixture.password}!`, stored(fixture.password_hash))).valid).toBe(false);
  });

  it('are kept when made at the configured parameters, and rehashed to argon2id at them otherwise', async () => {
    expect(madeAtCurrentParameters.length).toBeGreaterThan(0);
    for (const fixture of madeAtCurrentParameters) {
      expect(await passwords.check(fixture.password, stored(fixture.password_hash))).toEqual({ valid: true });
    }
    expect(madeAtOtherParameters.length).toBeGreaterThan(0);
    for (const fixture of madeAtOtherParameters) {
      const { valid, upgradedHash } = await passwords.check(fixture.password, stored(fixture.password_hash));
      expect(valid).toBe(true);
      expect(upgradedHash).toMatch(/^\$argon2id\$v=19\$m=1024,t=1,p=1\$/);
      expect((await passwords.check(fixture.password, stored(upgradedHash!))).valid).toBe(true);
    }
  });
});

describe('POST /auth/login with a password hashed by the argon2 package', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ config: { argon2: current } });
  });
  afterAll(() => t.close());

  it.each(fixtures)('logs in, refuses a wrong password, and leaves the hash at the configured parameters: $tool', async (fixture) => {
    const user = await t.registerUser();
    await t.database.db.execute(sql`UPDATE users SET password_hash = ${fixture.password_hash} WHERE id = ${user.id}`);
    const login = (password: string) => t.call('POST', '/auth/login', { body: { email: user.email, password } });
    expect((await login(`${fixture.password}?`)).status).toBe(401);
    expect((await login(fixture.password)).status).toBe(200);
    const [row] = await queryRows<{ password_hash: string }>(t.database.db, sql`SELECT password_hash FROM users WHERE id = ${user.id}`);
    if (madeAtCurrentParameters.includes(fixture)) expect(row!.password_hash).toBe(fixture.password_hash);
    else expect(row!.password_hash).toMatch(/^\$argon2id\$v=19\$m=1024,t=1,p=1\$/);
    expect((await login(fixture.password)).status).toBe(200);
  });
});
