import { sql } from 'drizzle-orm';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { constraintErrorOf } from '../src/constraint-errors.js';
import { queryRows } from '../src/db/client.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { loggedInOperator, loggedInUser } from './helpers/fixtures.js';
import { registerApp } from './helpers/apps.js';

/* One table (src/constraint-errors.ts) says what a violated unique index or foreign key means, on both engines. */
let t: TestApp;
let appId: number;
let userId: string;
beforeAll(async () => {
  t = await createTestApp();
  appId = (await registerApp(t, (await loggedInOperator(t)).token)).id;
  userId = (await loggedInUser(t)).id;
});
afterAll(() => t.close());

async function errorOf(statement: ReturnType<typeof sql>) {
  try {
    await queryRows(t.database.db, statement);
  } catch (error) {
    return constraintErrorOf(error);
  }
  throw new Error('the statement did not fail');
}

const insertProfile = (forUser: string, forApp: number) =>
  sql`INSERT INTO profiles (user_id, app_id, profile_data, data_bytes) VALUES (${forUser}, ${forApp}, '{}', 2)`;

describe('constraintErrorOf', () => {
  it('maps a unique index to its taken value', async () => {
    const [user] = await queryRows<{ email: string }>(t.database.db, sql`SELECT email FROM users WHERE id = ${userId}`);
    const error = await errorOf(
      sql`INSERT INTO users (username, email, first_name, last_name, password_hash) VALUES ('other', ${user!.email.toUpperCase()}, '', '', 'x')`,
    );
    expect(error?.code).toBe('email_taken');
  });

  it('maps a row written for a user or app that is gone to profiles_changed', async () => {
    expect((await errorOf(insertProfile(randomUUID(), appId)))?.code).toBe('profiles_changed');
    expect((await errorOf(insertProfile(userId, 2_000_000)))?.code).toBe('profiles_changed');
  });

  it('maps deleting an app that profiles still point at to app_has_profiles, naming the app', async () => {
    await queryRows(t.database.db, insertProfile(userId, appId));
    const error = await errorOf(sql`DELETE FROM apps WHERE id = ${appId}`);
    expect(error?.code).toBe('app_has_profiles');
    expect(error?.detail).toContain(`App ${appId} still has profiles`);
  });

  it('leaves every other database error alone', async () => {
    expect(await errorOf(sql`SELECT 1 / 0`)).toBeUndefined();
  });
});
