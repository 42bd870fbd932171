import { and, count, eq, isNull, sql } from 'drizzle-orm';
import type { Database, Executor, PreparedStatement } from '../../db/client.js';
import { columnList } from '../../db/columns.js';
import { users, type NewUserRow, type UserRow } from '../../db/schema.js';
import type { AccountSnapshot } from './access-checks.js';

export type UserChanges = Partial<
  Pick<NewUserRow, 'username' | 'email' | 'firstName' | 'lastName' | 'operator' | 'otpEnabled' | 'emailVerified'>
>;

const lower = (value: string) => sql`lower(${value})`;

/** Any constant, distinct from the migration lock's. */
const OPERATOR_SET_LOCK = 7_361_202;

/** Every column but the password's: what token checks keep in memory. */
const accountColumns = {
  id: users.id,
  username: users.username,
  email: users.email,
  firstName: users.firstName,
  lastName: users.lastName,
  operator: users.operator,
  otpEnabled: users.otpEnabled,
  emailVerified: users.emailVerified,
  createdAt: users.createdAt,
  updatedAt: users.updatedAt,
  deletedAt: users.deletedAt,
};

/** The account a login name names (none: one row of nulls), and the name as the lookup compared it. */
const resolveLoginBy = (column: 'email' | 'username'): PreparedStatement => ({
  name: `users_resolve_login_by_${column}`,
  text: `SELECT lower($1::text) AS canonical, ${columnList(users, 'u')}
  FROM (VALUES (1)) AS login (one)
  LEFT JOIN users u ON lower(u.${column}) = lower($1::text) AND u.deleted_at IS NULL`,
});
const RESOLVE_LOGIN = { email: resolveLoginBy('email'), username: resolveLoginBy('username') };

/**
 * SQL for the users table. Lookups by email and username are case-insensitive (the unique
 * indexes are on lower()). `changed` hears of each user this process changes as soon as the
 * statement returns, so its own next request sees the change; other processes learn of it
 * from the database's notification (migration 0004), which also covers this one.
 */
export class UsersRepository {
  constructor(
    private readonly db: Executor,
    private readonly driver: Pick<Database, 'prepared'>,
    private readonly changed: (id: string) => void = () => {},
  ) {}

  /** A user's account without the password columns, deleted or not. */
  async findAccount(id: string): Promise<AccountSnapshot | undefined> {
    const [row] = await this.db.select(accountColumns).from(users).where(eq(users.id, id));
    return row;
  }

  async insert(user: NewUserRow, executor: Executor = this.db): Promise<UserRow> {
    const [row] = await executor.insert(users).values(user).returning();
    return row!;
  }

  async findById(id: string, executor: Executor = this.db): Promise<UserRow | undefined> {
    const [row] = await executor.select().from(users).where(eq(users.id, id));
    return row;
  }

  async findActiveById(id: string, executor: Executor = this.db): Promise<UserRow | undefined> {
    const [row] = await executor
      .select()
      .from(users)
      .where(and(eq(users.id, id), isNull(users.deletedAt)));
    return row;
  }

  /**
   * The active user a login name matches, and the name as the lookup compared it (the
   * database's lower(), which also makes `İ` an `i`). The lockout keys unknown names on
   * that very form, so its idea of "the same name" is exactly the lookup's.
   */
  async resolveLogin(login: { email?: string; username?: string }): Promise<{ user: UserRow | undefined; canonical: string }> {
    const name = login.email ?? login.username ?? '';
    // Straight through the driver: every login runs it, and Drizzle's query building was a
    // fifth of a login's main-thread time (docs/benchmarks.md).
    const statement = login.email !== undefined ? RESOLVE_LOGIN.email : RESOLVE_LOGIN.username;
    const [row] = await this.driver.prepared<{ canonical: string } & { [K in keyof UserRow]: UserRow[K] | null }>(statement, [name]);
    if (!row) return { user: undefined, canonical: name };
    const { canonical, ...user } = row;
    return { user: user.id === null ? undefined : (user as UserRow), canonical };
  }

  /** The active account that uses this address, compared as logins compare it (lower()). */
  async activeEmailHolder(email: string, executor: Executor = this.db): Promise<UserRow | undefined> {
    const [row] = await executor
      .select()
      .from(users)
      .where(and(eq(sql`lower(${users.email})`, lower(email)), isNull(users.deletedAt)));
    return row;
  }

  /** A new email address (not a change of letter case only) is unverified unless `changes` says otherwise. */
  async update(id: string, changes: UserChanges, executor: Executor = this.db): Promise<UserRow | undefined> {
    const verified =
      changes.emailVerified ??
      (changes.email !== undefined
        ? sql`CASE WHEN lower(${users.email}) = lower(${changes.email}) THEN ${users.emailVerified} ELSE false END`
        : undefined);
    const [row] = await executor
      .update(users)
      .set({ ...changes, ...(verified !== undefined ? { emailVerified: verified } : {}), updatedAt: sql`now()` })
      .where(and(eq(users.id, id), isNull(users.deletedAt)))
      .returning();
    this.changed(id);
    return row;
  }

  async setPassword(id: string, hash: string, executor: Executor = this.db): Promise<void> {
    await executor
      .update(users)
      .set({ passwordHash: hash, passwordAlgorithm: 'argon2id', passwordSalt: null, passwordSaltPosition: null, updatedAt: sql`now()` })
      .where(eq(users.id, id));
  }

  /**
   * Replaces a hash only if it is still the one that was checked, so two concurrent logins
   * upgrading the same imported hash cannot overwrite a password changed in between.
   */
  async upgradePasswordHash(id: string, checkedHash: string, newHash: string): Promise<void> {
    await this.db
      .update(users)
      .set({ passwordHash: newHash, passwordAlgorithm: 'argon2id', passwordSalt: null, passwordSaltPosition: null })
      .where(and(eq(users.id, id), eq(users.passwordHash, checkedHash)));
  }

  async softDelete(id: string, executor: Executor = this.db): Promise<UserRow | undefined> {
    const [row] = await executor
      .update(users)
      .set({ deletedAt: sql`now()`, updatedAt: sql`now()` })
      .where(and(eq(users.id, id), isNull(users.deletedAt)))
      .returning();
    this.changed(id);
    return row;
  }

  /**
   * Serialises changes that could remove the last operator (demotion, deletion) for the
   * rest of the transaction, so two operators leaving at once cannot both pass the count.
   */
  async lockOperatorSet(executor: Executor): Promise<void> {
    await executor.execute(sql`SELECT pg_advisory_xact_lock(${OPERATOR_SET_LOCK})`);
  }

  async countActiveOperators(executor: Executor = this.db): Promise<number> {
    const [row] = await executor
      .select({ n: count() })
      .from(users)
      .where(and(eq(users.operator, true), isNull(users.deletedAt)));
    return row?.n ?? 0;
  }
}
