import { inArray, sql } from 'drizzle-orm';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../src/config.js';
import { queryRows, type Database } from '../../src/db/client.js';
import { users } from '../../src/db/schema.js';
import { Passwords } from '../../src/modules/accounts/passwords.js';
import { createServices } from '../../src/services.js';

export const PASSWORD = 'bench password 0123';

/** What the server needs in its environment to accept the tokens seeded here. */
export interface Secrets {
  SENTINEL_API_KEY: string;
  SENTINEL_JWT_SECRET: string;
  SENTINEL_ENCRYPTION_KEY: string;
}

export function newSecrets(): Secrets {
  return {
    SENTINEL_API_KEY: `sk_bench_${randomBytes(16).toString('hex')}`,
    SENTINEL_JWT_SECRET: randomBytes(48).toString('base64url'),
    SENTINEL_ENCRYPTION_KEY: randomBytes(32).toString('base64url'),
  };
}

export interface TokenUser {
  userId: string;
  /** An access token of a session used only for reads and writes. */
  access: string;
  /** The refresh token of a second session, kept apart so a refresh mishap cannot revoke `access`. */
  refresh: string;
  /** The user's profile in the read app. */
  profileId: string;
}

export interface Seeded {
  users: number;
  /** Every user has one profile here: the app that GET and PATCH use. */
  readAppId: number;
  /** POST /user/profiles/create adds here, so lists in the read app keep one row each. */
  writeAppId: number;
  tokenUsers: TokenUser[];
}

/**
 * Users benchN / benchN@example.com (N from 1), all with one argon2id hash of PASSWORD made
 * at the configured parameters (one hash reused: the server's work per login is the same),
 * one profile each in two apps, and sessions for the first `tokenUserCount` users issued by
 * the service itself. Straight SQL for the bulk, so seeding takes seconds.
 */
export async function seed(database: Database, secrets: Secrets, userCount: number, tokenUserCount: number): Promise<Seeded> {
  const config = {
    ...loadConfig({ ...secrets, SENTINEL_RATE_LIMIT_MAX: '0' }),
    argon2: loadConfig().argon2,
    // Seeded tokens must outlive a full run; the TTL costs nothing per request.
    accessTokenTtlSeconds: 3600,
  };
  const hash = await new Passwords(config.argon2).hash(PASSWORD);
  const { db } = database;
  const [readApp, writeApp] = await queryRows<{ id: number }>(
    db,
    sql`INSERT INTO apps (name, description) VALUES ('bench-read', 'benchmark'), ('bench-write', 'benchmark') RETURNING id`,
  );
  await db.execute(sql`
    INSERT INTO users (username, email, first_name, last_name, password_hash)
    SELECT 'bench' || n, 'bench' || n || '@example.com', 'First ' || n, 'Last ' || n, ${hash}
    FROM generate_series(1, ${userCount}::int) AS n`);
  for (const appId of [readApp!.id, writeApp!.id]) {
    await db.execute(sql`
      INSERT INTO profiles (user_id, app_id, profile_data, data_bytes)
      SELECT id, ${appId}::int, data, octet_length(data::text) FROM (SELECT id, jsonb_build_object(
        'plan', CASE WHEN n % 3 = 0 THEN 'pro' ELSE 'free' END,
        'theme', CASE WHEN n % 2 = 1 THEN 'dark' ELSE 'light' END,
        'locale', 'en-GB',
        'progress', jsonb_build_object('level', n % 50, 'xp', (n * 7919) % 100000, 'badges', jsonb_build_array('first-login', 'streak-7')),
        'note', 'bench row ' || n) AS data
      FROM (SELECT id, substring(username from 6)::int AS n FROM users WHERE username LIKE 'bench%') AS u) AS d`);
  }
  await db.execute(sql`ANALYZE`);

  const chosen = await queryRows<{ user_id: string; profile_id: string }>(
    db,
    sql`SELECT u.id AS user_id, p.id AS profile_id FROM users u JOIN profiles p ON p.user_id = u.id AND p.app_id = ${readApp!.id}
        WHERE u.username IN (SELECT 'bench' || n FROM generate_series(1, ${tokenUserCount}::int) AS n)`,
  );
  const rows = await db
    .select()
    .from(users)
    .where(
      inArray(
        users.id,
        chosen.map((row) => row.user_id),
      ),
    );
  const services = createServices({
    config,
    database,
    secrets: { jwtSecret: secrets.SENTINEL_JWT_SECRET, bootstrapApiKeyHash: '', encryptionKey: secrets.SENTINEL_ENCRYPTION_KEY },
    clock: () => new Date(),
    revocationPollMs: 60_000,
    onBackgroundError: () => {},
  });
  const profileOf = new Map(chosen.map((row) => [row.user_id, row.profile_id]));
  const context = { ip: '127.0.0.1', userAgent: 'sentinel-bench', appId: null };
  const tokenUsers: TokenUser[] = [];
  // A few at a time: PostgreSQL's pool overlaps them; PGlite queues them anyway.
  for (let start = 0; start < rows.length; start += 16) {
    const batch = rows.slice(start, start + 16);
    tokenUsers.push(
      ...(await Promise.all(
        batch.map(async (user) => {
          const reads = await services.sessions.startSession(user, context);
          const refreshes = await services.sessions.startSession(user, context);
          return { userId: user.id, access: reads.access.token, refresh: refreshes.refreshToken, profileId: profileOf.get(user.id)! };
        }),
      )),
    );
  }
  return { users: userCount, readAppId: readApp!.id, writeAppId: writeApp!.id, tokenUsers };
}
