import { and, desc, eq, getTableColumns, inArray, isNotNull, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import { queryRows, type Executor } from '../../db/client.js';
import { likePrefix } from '../../db/like.js';
import { profiles, sessions, users, type UserRow } from '../../db/schema.js';
import { microsUtc, olderThan, type TimeKey } from './keyset.js';

/** Identifies one user; every key given must match. */
export interface UserKeys {
  id?: string | undefined;
  email?: string | undefined;
  username?: string | undefined;
}

export interface UserFilter {
  /** Prefix of the email, username, first, last or full name, any case. */
  prefix?: string | undefined;
  deleted?: boolean | undefined;
  operator?: boolean | undefined;
}

export interface KeyedUser {
  user: UserRow;
  key: TimeKey;
}

/** The SQL operators need beyond the accounts' own: lookups that see deleted users, lists, restore and purge. */
export class UserAdminRepository {
  constructor(private readonly db: Executor) {}

  /** Deleted users included. `lock` holds the row until the transaction ends (pass a transaction). */
  async findByKeys(keys: UserKeys, executor: Executor = this.db, lock = false): Promise<UserRow | undefined> {
    const conditions = [
      keys.id !== undefined ? eq(users.id, keys.id) : undefined,
      keys.email !== undefined ? sql`lower(${users.email}) = lower(${keys.email})` : undefined,
      keys.username !== undefined ? sql`lower(${users.username}) = lower(${keys.username})` : undefined,
    ].filter((condition) => condition !== undefined);
    // No condition would match every user: the service never asks, and this refuses to answer.
    if (conditions.length === 0) throw new Error('findByKeys needs at least one key');
    const query = executor
      .select()
      .from(users)
      .where(and(...conditions))
      .limit(1);
    const [row] = lock ? await query.for('update') : await query;
    return row;
  }

  /** Newest first. Fetch one more than a page to learn whether another follows. */
  async list(filter: UserFilter, limit: number, after?: TimeKey): Promise<KeyedUser[]> {
    const conditions: (SQL | undefined)[] = [
      after ? olderThan(users.createdAt, users.id, after) : undefined,
      filter.deleted === undefined ? undefined : filter.deleted ? isNotNull(users.deletedAt) : isNull(users.deletedAt),
      filter.operator === undefined ? undefined : eq(users.operator, filter.operator),
    ];
    if (filter.prefix) {
      const pattern = sql`lower(${likePrefix(filter.prefix)})`;
      conditions.push(
        or(
          sql`lower(${users.email}) LIKE ${pattern}`,
          sql`lower(${users.username}) LIKE ${pattern}`,
          sql`lower(${users.firstName}) LIKE ${pattern}`,
          sql`lower(${users.lastName}) LIKE ${pattern}`,
          sql`lower(${users.firstName} || ' ' || ${users.lastName}) LIKE ${pattern}`,
        ),
      );
    }
    const rows = await this.db
      .select({ ...getTableColumns(users), keyAt: microsUtc(users.createdAt) })
      .from(users)
      .where(and(...conditions))
      .orderBy(desc(users.createdAt), desc(users.id))
      .limit(limit);
    return rows.map(({ keyAt, ...user }) => ({ user, key: { at: keyAt, id: user.id } }));
  }

  /** Soft-deleted users, most recently deleted first. */
  async listDeleted(limit: number, after?: TimeKey): Promise<KeyedUser[]> {
    const rows = await this.db
      .select({ ...getTableColumns(users), keyAt: microsUtc(users.deletedAt) })
      .from(users)
      .where(and(isNotNull(users.deletedAt), after ? olderThan(users.deletedAt, users.id, after) : undefined))
      .orderBy(desc(users.deletedAt), desc(users.id))
      .limit(limit);
    return rows.map(({ keyAt, ...user }) => ({ user, key: { at: keyAt, id: user.id } }));
  }

  async restore(id: string, executor: Executor = this.db): Promise<UserRow | undefined> {
    const [row] = await executor
      .update(users)
      .set({ deletedAt: null, updatedAt: sql`now()` })
      .where(and(eq(users.id, id), isNotNull(users.deletedAt)))
      .returning();
    return row;
  }

  /** What a purge of this user erases with it (through ON DELETE CASCADE). */
  async dependents(id: string, executor: Executor = this.db): Promise<{ profiles: number; sessions: number }> {
    const [row] = await queryRows<{ profiles: number; sessions: number }>(
      executor,
      sql`SELECT (SELECT count(*)::int FROM ${profiles} WHERE ${profiles.userId} = ${id}) AS profiles,
                 (SELECT count(*)::int FROM ${sessions} WHERE ${sessions.userId} = ${id}) AS sessions`,
    );
    return { profiles: Number(row?.profiles ?? 0), sessions: Number(row?.sessions ?? 0) };
  }

  /** Deletes a soft-deleted user for good; false when there was none (unknown, active, or purged meanwhile). */
  async purge(id: string, executor: Executor = this.db): Promise<boolean> {
    const rows = await executor
      .delete(users)
      .where(and(eq(users.id, id), isNotNull(users.deletedAt)))
      .returning({ id: users.id });
    return rows.length > 0;
  }

  /**
   * Deletes up to `batch` users soft-deleted before `cutoff`. Rows another process is
   * purging (or restoring) right now are skipped, so several servers can run this at once.
   */
  async purgeDeletedBefore(cutoff: Date, batch: number, executor: Executor = this.db): Promise<{ id: string; deletedAt: Date }[]> {
    const due = executor
      .select({ id: users.id })
      .from(users)
      .where(lt(users.deletedAt, cutoff))
      .orderBy(users.deletedAt)
      .limit(batch)
      .for('update', { skipLocked: true });
    const rows = await executor
      .delete(users)
      .where(and(inArray(users.id, due), lt(users.deletedAt, cutoff)))
      .returning({ id: users.id, deletedAt: users.deletedAt });
    return rows.map((row) => ({ id: row.id, deletedAt: row.deletedAt! }));
  }
}
