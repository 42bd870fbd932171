import { and, asc, eq, gt, isNull, sql, type SQL } from 'drizzle-orm';
import { queryRows, type Executor } from '../../db/client.js';
import { profiles, users } from '../../db/schema.js';
import type { ProfileRecord } from './schemas.js';

const columns = {
  id: profiles.id,
  userId: profiles.userId,
  appId: profiles.appId,
  profileData: profiles.profileData,
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

/** A row of a bulk insert; `data` is profile_data already serialized. */
export interface BulkRow {
  id: string;
  userId: string;
  appId: number;
  data: string;
}

/** Ids per query when checking that users exist: big enough to be few queries, small enough for any server. */
const USER_LOOKUP_BATCH = 10_000;

export class ProfilesRepository {
  constructor(private readonly db: Executor) {}

  /** `data` is the JSON text: cast in SQL, so any JSON value (even `null`) is stored as given. */
  async insert(profile: { userId: string; appId: number; data: string }, executor: Executor = this.db): Promise<ProfileRecord> {
    const [row] = await executor
      .insert(profiles)
      .values({ userId: profile.userId, appId: profile.appId, profileData: sql`${profile.data}::jsonb` })
      .returning(columns);
    return row as ProfileRecord;
  }

  /** A user's profiles in one app, in creation order, after `afterSeq`. */
  async listOf(userId: string, appId: number, limit: number, afterSeq = 0): Promise<ProfileRecord[]> {
    return this.db
      .select(columns)
      .from(profiles)
      .where(and(eq(profiles.userId, userId), eq(profiles.appId, appId), gt(profiles.seq, afterSeq)))
      .orderBy(asc(profiles.seq))
      .limit(limit) as Promise<ProfileRecord[]>;
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

  async replaceData(id: string, data: string, executor: Executor = this.db): Promise<ProfileRecord> {
    const [row] = await executor
      .update(profiles)
      .set({ profileData: sql`${data}::jsonb`, version: sql`${profiles.version} + 1`, updatedAt: sql`now()` })
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

  async allOfUser(userId: string): Promise<ProfileRecord[]> {
    return this.db.select(columns).from(profiles).where(eq(profiles.userId, userId)).orderBy(asc(profiles.seq)) as Promise<ProfileRecord[]>;
  }

  /** Which of these (valid UUID) ids are users that exist and are not deleted, in batches. */
  async activeUserIds(ids: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (let start = 0; start < ids.length; start += USER_LOOKUP_BATCH) {
      const batch = ids.slice(start, start + USER_LOOKUP_BATCH);
      const rows = await queryRows<{ id: string }>(
        this.db,
        sql`SELECT id FROM users WHERE id = ANY(${`{${batch.join(',')}}`}::uuid[]) AND deleted_at IS NULL`,
      );
      for (const row of rows) found.add(row.id);
    }
    return found;
  }

  async userExists(id: string, executor: Executor = this.db, activeOnly = false): Promise<boolean> {
    const [row] = await executor
      .select({ id: users.id })
      .from(users)
      .where(and(eq(users.id, id), activeOnly ? isNull(users.deletedAt) : undefined));
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
      parts.push(`{"n":${n},"i":"${row.id}","u":"${row.userId}","a":${row.appId},"d":${row.data}}`);
    });
    await executor.execute(sql`
      INSERT INTO profiles (id, user_id, app_id, profile_data)
      SELECT x.i, x.u, x.a, coalesce(x.d, 'null'::jsonb)
      FROM json_to_recordset(${`[${parts.join(',')}]`}::json) AS x(n int, i uuid, u uuid, a int, d jsonb)
      ORDER BY x.n`);
  }
}
