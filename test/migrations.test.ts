import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, queryRows, type Database } from '../src/db/client.js';
import { createTestDatabase, testEngine, type TestDatabase } from './helpers/database.js';

let test: TestDatabase;
beforeAll(async () => {
  test = await createTestDatabase();
});
afterAll(() => test.drop());

describe('migrations', () => {
  it('bring an empty database to the latest schema, and again with nothing to do', async () => {
    // createTestDatabase migrated once; a second run must change nothing and not fail.
    const count = async () =>
      (await queryRows<{ n: number }>(test.database.db, sql`SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations`))[0]!.n;
    const before = await count();
    await test.database.migrate();
    expect(await count()).toBe(before);
    const tables = await queryRows<{ table_name: string }>(
      test.database.db,
      sql`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
    );
    expect(tables.map((row) => row.table_name)).toEqual(
      expect.arrayContaining(['users', 'sessions', 'spent_refresh_tokens', 'apps', 'app_api_keys', 'profiles', 'audit_events']),
    );
  });

  it('make email and username unique regardless of case', async () => {
    const insert = (username: string, email: string) =>
      test.database.db.execute(sql`INSERT INTO users (username, email, password_hash) VALUES (${username}, ${email}, 'x')`);
    await insert('casey', 'casey@example.com');
    await expect(insert('CASEY', 'other@example.com')).rejects.toMatchObject({
      cause: { code: '23505', constraint: 'users_username_key' },
    });
    await expect(insert('other', 'Casey@Example.com')).rejects.toMatchObject({ cause: { code: '23505', constraint: 'users_email_key' } });
  });

  it('keep the audit log append-only', async () => {
    await test.database.db.execute(sql`INSERT INTO audit_events (action) VALUES ('test.event')`);
    await expect(test.database.db.execute(sql`UPDATE audit_events SET action = 'changed'`)).rejects.toThrow();
    await expect(test.database.db.execute(sql`DELETE FROM audit_events`)).rejects.toThrow();
    const [row] = await queryRows<{ n: number }>(
      test.database.db,
      sql`SELECT count(*)::int AS n FROM audit_events WHERE action = 'test.event'`,
    );
    expect(row!.n).toBe(1);
  });

  it.runIf(testEngine === 'postgres')('run safely from several processes starting at once', async () => {
    // Several `sentinel serve` processes on one PostgreSQL migrate under an advisory lock.
    const fresh = await createTestDatabase();
    try {
      const others: Database[] = await Promise.all([1, 2, 3].map(() => openDatabase({ url: fresh.url })));
      try {
        await Promise.all(others.map((database) => database.migrate()));
      } finally {
        await Promise.all(others.map((database) => database.close()));
      }
    } finally {
      await fresh.drop();
    }
  });
});
