import { and, count, eq, isNull, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
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

/**
 * SQL for the users table. Lookups by email and username are case-insensitive (the unique
 * indexes are on lower()). `changed` hears of each user this process changes as soon as the
 * statement returns, so its own next request sees the change; other processes learn of it
 * from the database's notification (migration 0004), which also covers this one.
 */
export class UsersRepository {
  constructor(
    private readonly db: Executor,
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
  async resolveLogin(
    login: { email?: string; username?: string },
    executor: Executor = this.db,
  ): Promise<{ user: UserRow | undefined; canonical: string }> {
    const name = login.email ?? login.username ?? '';
    const column = login.email !== undefined ? users.email : users.username;
    const [row] = await executor
      .select({ canonical: sql<string>`lower(${name}::text)`, user: users })
      .from(sql`(VALUES (1)) AS login (one)`)
      .leftJoin(users, and(eq(sql`lower(${column})`, lower(name)), isNull(users.deletedAt)));
    return { user: row?.user ?? undefined, canonical: row?.canonical ?? name };
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
