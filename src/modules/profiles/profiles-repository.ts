import { and, asc, eq, gt, sql, type SQL } from 'drizzle-orm';
import { queryRows, type Database, type Executor, type PreparedStatement } from '../../db/client.js';
import { profiles, users } from '../../db/schema.js';
import type { ProfileRecord } from './schemas.js';

const columns = {
  id: profiles.id,
  userId: profiles.userId,
  appId: profiles.appId,
  profileData: profiles.profileData,
  dataBytes: profiles.dataBytes,
  version: profiles.version,
  seq: profiles.seq,
  createdAt: profiles.createdAt,
  updatedAt: profiles.updatedAt,
};

/** Which profile: always by user and app too, so a profile id alone never reaches another user's data. */
export interface ProfileKey {
  id: string;
  userId: string;
  appId: number;
}

/** A row of a bulk insert; `data` is profile_data already serialized, `bytes` its UTF-8 size. */
export interface BulkRow {
  id: string;
  userId: string;
  appId: number;
  data: string;
  bytes: number;
}

/** What one user's profiles add up to in one app, and across all apps. */
export interface UserUsage {
  inApp: number;
  bytes: number;
}

/** One user's profile count and bytes in one app. */
export interface AppUsage {
  userId: string;
  appId: number;
  profiles: number;
  bytes: number;
}

/** Ids per query when checking that users exist: big enough to be few queries, small enough for any server. */
const USER_LOOKUP_BATCH = 10_000;

/** ListInApp's row: the app's id, then the profile's columns (null when the app has no profile of the user). */
type ListRow = { appFound: number } & { [K in keyof ProfileRecord]: K extends 'id' ? string | null : ProfileRecord[K] };

/** The app's row (an unknown app answers no row at all) joined with the page of the user's profiles in it. */
export const LIST_IN_APP: PreparedStatement = {
  name: 'profiles_list_in_app',
  text: `SELECT a.id AS "appFound", p.id, p.user_id AS "userId", p.app_id AS "appId", p.profile_data AS "profileData",
       p.data_bytes AS "dataBytes", p.version, p.seq::float8 AS seq, p.created_at AS "createdAt", p.updated_at AS "updatedAt"
  FROM apps a
  LEFT JOIN LATERAL (
    SELECT * FROM profiles WHERE user_id = $1 AND app_id = a.id AND seq > $4 ORDER BY seq LIMIT $3
  ) p ON true
  WHERE a.id = $2`,
};

export class ProfilesRepository {
  constructor(
    private readonly db: Executor,
    private readonly driver: Pick<Database, 'prepared'>,
  ) {}

  /** `data` is the JSON text: cast in SQL, so any JSON value (even `null`) is stored as given. */
  async insert(
    profile: { userId: string; appId: number; data: string; bytes: number },
    executor: Executor = this.db,
  ): Promise<ProfileRecord> {
    const [row] = await executor
      .insert(profiles)
      .values({ userId: profile.userId, appId: profile.appId, profileData: sql`${profile.data}::jsonb`, dataBytes: profile.bytes })
      .returning(columns);
    return row as ProfileRecord;
  }

  /**
   * Locks the user's row until the transaction ends, so writes that count against the user's
   * limits take turns. FOR NO KEY UPDATE leaves the key-share locks of foreign keys free.
   * Undefined when there is no such user.
   */
  async lockUser(userId: string, executor: Executor): Promise<{ deleted: boolean } | undefined> {
    const [row] = await queryRows<{ deleted: boolean }>(
      executor,
      sql`SELECT deleted_at IS NOT NULL AS deleted FROM users WHERE id = ${userId} FOR NO KEY UPDATE`,
    );
    return row;
  }

  /** lockUser for many users, always in id order, so two bulk requests cannot deadlock. */
  async lockUsers(userIds: readonly string[], executor: Executor): Promise<void> {
    await executor.execute(sql`SELECT id FROM users WHERE id = ANY(${uuidArray(userIds)}::uuid[]) ORDER BY id FOR NO KEY UPDATE`);
  }

  async usageOf(userId: string, appId: number, executor: Executor): Promise<UserUsage> {
    const [row] = await queryRows<UserUsage>(
      executor,
      sql`SELECT count(*) FILTER (WHERE app_id = ${appId})::int AS "inApp", coalesce(sum(data_bytes), 0)::float8 AS bytes
          FROM profiles WHERE user_id = ${userId}`,
    );
    return row ?? { inApp: 0, bytes: 0 };
  }

  /** Count and bytes per user and app, for every app these users hold profiles in. */
  async usageOfUsers(userIds: readonly string[], executor: Executor): Promise<AppUsage[]> {
    return queryRows<AppUsage>(
      executor,
      sql`SELECT user_id AS "userId", app_id AS "appId", count(*)::int AS profiles, sum(data_bytes)::float8 AS bytes
          FROM profiles WHERE user_id = ANY(${uuidArray(userIds)}::uuid[]) GROUP BY user_id, app_id`,
    );
  }

  /**
   * A user's profiles in one app, in creation order, after `afterSeq`; undefined when there is
   * no such app. One round trip for both answers (the app's row, joined with the page of its
   * profiles), prepared once per connection and run straight through the driver: this is
   * every app's most frequent read, and Drizzle's per-call execution and row mapping were a
   * tenth of its CPU (docs/benchmarks.md).
   */
  async listInApp(userId: string, appId: number, limit: number, afterSeq = 0): Promise<ProfileRecord[] | undefined> {
    const rows = await this.driver.prepared<ListRow>(LIST_IN_APP, [userId, appId, limit, afterSeq]);
    if (rows.length === 0) return undefined;
    return rows.filter((row): row is ListRow & { id: string } => row.id !== null).map(({ appFound: _app, ...profile }) => profile);
  }

  /** With `lock`, the row stays locked until the transaction ends, so read-modify-write cannot lose an update. */
  async find(key: ProfileKey, executor: Executor = this.db, lock = false): Promise<ProfileRecord | undefined> {
    const query = executor
      .select(columns)
      .from(profiles)
      .where(and(eq(profiles.id, key.id), eq(profiles.userId, key.userId), eq(profiles.appId, key.appId)));
    const [row] = lock ? await query.for('update') : await query;
    return row as ProfileRecord | undefined;
  }

  async replaceData(id: string, data: { text: string; bytes: number }, executor: Executor = this.db): Promise<ProfileRecord> {
    const [row] = await executor
      .update(profiles)
      .set({
        profileData: sql`${data.text}::jsonb`,
        dataBytes: data.bytes,
        version: sql`${profiles.version} + 1`,
        updatedAt: sql`now()`,
      })
      .where(eq(profiles.id, id))
      .returning(columns);
    return row as ProfileRecord;
  }

  async delete(id: string, executor: Executor = this.db): Promise<void> {
    await executor.delete(profiles).where(eq(profiles.id, id));
  }

  /** An app's profiles, optionally only those containing `contains` (jsonb @>, served by the GIN index) or of one user. */
  async search(filter: { appId: number; contains?: string; userId?: string; afterSeq: number; limit: number }): Promise<ProfileRecord[]> {
    const conditions: (SQL | undefined)[] = [eq(profiles.appId, filter.appId), gt(profiles.seq, filter.afterSeq)];
    if (filter.contains !== undefined) conditions.push(sql`${profiles.profileData} @> ${filter.contains}::jsonb`);
    if (filter.userId !== undefined) conditions.push(eq(profiles.userId, filter.userId));
    return this.db
      .select(columns)
      .from(profiles)
      .where(and(...conditions))
      .orderBy(asc(profiles.seq))
      .limit(filter.limit) as Promise<ProfileRecord[]>;
  }

  /** Which of these (valid UUID) ids are users that exist and are not deleted, in batches. */
  async activeUserIds(ids: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (let start = 0; start < ids.length; start += USER_LOOKUP_BATCH) {
      const batch = ids.slice(start, start + USER_LOOKUP_BATCH);
      const rows = await queryRows<{ id: string }>(
        this.db,
        sql`SELECT id FROM users WHERE id = ANY(${uuidArray(batch)}::uuid[]) AND deleted_at IS NULL`,
      );
      for (const row of rows) found.add(row.id);
    }
    return found;
  }

  async userExists(id: string): Promise<boolean> {
    const [row] = await this.db.select({ id: users.id }).from(users).where(eq(users.id, id));
    return row !== undefined;
  }

  /**
   * Inserts many profiles with one statement: the rows travel as one JSON array that
   * PostgreSQL unpacks itself, instead of thousands of bind parameters. `n` keeps the
   * request order, so `seq` (list order) follows it; every row gets the transaction's now().
   * json_to_recordset reads a JSON null as SQL NULL: profile_data null is put back as jsonb null.
   */
  async insertBatch(rows: readonly BulkRow[], executor: Executor): Promise<void> {
    const parts: string[] = [];
    rows.forEach((row, n) => {
      parts.push(`{"n":${n},"i":"${row.id}","u":"${row.userId}","a":${row.appId},"b":${row.bytes},"d":${row.data}}`);
    });
    await executor.execute(sql`
      INSERT INTO profiles (id, user_id, app_id, data_bytes, profile_data)
      SELECT x.i, x.u, x.a, x.b, coalesce(x.d, 'null'::jsonb)
      FROM json_to_recordset(${`[${parts.join(',')}]`}::json) AS x(n int, i uuid, u uuid, a int, b int, d jsonb)
      ORDER BY x.n`);
  }
}

/** Validated UUIDs as one PostgreSQL array literal: one bind parameter however many there are. */
function uuidArray(ids: readonly string[]): string {
  return `{${ids.join(',')}}`;
}
